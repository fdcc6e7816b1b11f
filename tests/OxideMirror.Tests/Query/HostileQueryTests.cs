using System.Globalization;
using OxideMirror.Contract.Tests;
using Outcome = OxideMirror.Contract.Tests.HostileOutcome;

namespace OxideMirror.Tests.Query;

/// <summary>
/// The hostile query corpus (docs/design.md, guarantees 3 and 4): every query an agent could send to change the mirror, reach
/// outside it, or exhaust the process is refused or stopped, leaves the database byte-for-byte as it was, and creates
/// no file. All cases share one populated file store, so a case that slipped through would also show in later ones.
/// </summary>
[Collection(MemoryHeavyQueries.Name)]
public sealed class HostileQueryTests(HostileStoreFixture fixture) : IClassFixture<HostileStoreFixture>
{

    /// <summary>
    /// The time limit for a query the guards must refuse, one no refusal needs: the quadratic trims build their
    /// 100,000-character set before the guarded trim refuses the call, which on a loaded machine can take longer than the
    /// fixture's 300 ms. Cases expected to time out keep the fixture's limit.
    /// </summary>
    private static readonly QueryOptions Refusing = new() { Timeout = TimeSpan.FromSeconds(20) };

    /// <summary>
    /// A moment after the fixture's sync, the same for every case so that they share one cached snapshot, with the
    /// refusals' time limit.
    /// </summary>
    private static readonly QueryOptions AsOf = new() { AsOf = DateTimeOffset.UtcNow.AddYears(1), Timeout = TimeSpan.FromSeconds(20) };

    public static TheoryData<string, Outcome, string> Hostile() => HostileCorpus.Cases();

    public static TheoryData<string, Outcome, string> Refused()
    {
        var data = new TheoryData<string, Outcome, string>();
        foreach (var row in Hostile())
        {
            if (Outcomes.IsRefusal((Outcome)row[1]))
            {
                data.Add((string)row[0], (Outcome)row[1], (string)row[2]);
            }
        }

        return data;
    }

    public static TheoryData<string, string> Allowed() => new()
    {
        { "pragma-table-info", "PRAGMA table_info(customers)" },
        { "pragma-table-info-function", "SELECT * FROM pragma_table_info('customers')" },
        { "pragma-index-list", "SELECT * FROM pragma_index_list('mirror_events')" },
        { "pragma-table-list", "PRAGMA table_list" },
        { "sqlite-schema", "SELECT type, name, sql FROM sqlite_schema" },
        { "sqlite-temp-schema", "SELECT count(*) FROM temp.sqlite_schema" },
        { "json-each", "SELECT c.record_id, t.value FROM customers c, json_each(c.tags) t" },
        { "json-extract", "SELECT json_extract(address, '$.city') AS city, count(*) FROM customers GROUP BY city" },
        { "json-arrow-operators", "SELECT address ->> '$.city' AS city, address -> '$.zip' AS zip FROM customers WHERE tags ->> '$[1]' = 'all'" },
        { "window-functions", "SELECT record_id, amount, rank() OVER (PARTITION BY customer_id ORDER BY amount DESC) AS r, sum(amount) OVER () AS total FROM invoices" },
        { "bounded-recursive-cte", "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100) SELECT sum(x) FROM c" },
        { "explain-query-plan", "EXPLAIN QUERY PLAN SELECT * FROM invoices WHERE customer_id = 'c1'" },
        { "explain-select", "EXPLAIN SELECT 1" },
        { "trailing-semicolons-and-comments", "SELECT 1; -- DELETE FROM customers\n;/* DROP TABLE invoices */;" },
        { "semicolon-in-string", "SELECT ';DELETE FROM customers' AS s" },
        { "unterminated-block-comment", "SELECT 1; /* DELETE FROM customers" },
        { "line-comment-to-end", "SELECT 1 -- ;\rDELETE FROM customers" },
        { "mirror-tables", "SELECT resource, count(*) FROM mirror_events GROUP BY resource" },
        { "big-but-capped-value", "SELECT length(printf('%.*c', 1000000, 'x'))" },
        { "string-functions", "SELECT instr(name, ' ') AS i, replace(name, 'Customer ', 'C') AS r, trim(name, 'C') AS t, rtrim(tier, 'e') AS rt, unhex('4142') AS u FROM customers" },
        { "like-pattern", "SELECT count(*) FROM customers WHERE name LIKE '%omer 1%' OR name GLOB '*3'" },
        { "fts-match-ranked", "SELECT record_id, rank FROM customers_fts WHERE customers_fts MATCH 'enterprise' ORDER BY rank LIMIT 5" },
        { "fts-prefix", "SELECT count(*) FROM customers_fts WHERE customers_fts MATCH 'c*'" },
        { "fts-bm25-snippet-highlight", "SELECT record_id, bm25(customers_fts), snippet(customers_fts, -1, '[', ']', '...', 8), highlight(customers_fts, 1, '<', '>') FROM customers_fts WHERE customers_fts MATCH 'customer AND de'" },
        { "fts-join-back", "SELECT c.record_id, c.tier FROM customers_fts f JOIN customers c ON c.rowid = f.rowid WHERE customers_fts MATCH 'startup' ORDER BY f.rank" },
        { "fts-5000-term-or", "SELECT count(*) FROM customers_fts WHERE customers_fts MATCH '" + string.Join(" OR ", Enumerable.Range(0, 5000).Select(i => "w" + i.ToString(CultureInfo.InvariantCulture))) + "'" },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task QueryAsync_HostileQuery_IsRefusedOrStopped_AndChangesNothing(string name, Outcome expected, string sql)
    {
        var resolved = fixture.Resolve(sql);
        var fingerprint = fixture.Fingerprint();
        var files = fixture.Files();

        // A query the guards must refuse gets a long limit, so that the guard decides, not a busy machine's clock.
        var options = Outcomes.IsRefusal(expected) ? Refusing : null;
        var outcome = await Outcomes.OfAsync(() => fixture.Store.QueryAsync(resolved, null, options));

        outcome.Should().BeOneOf(Outcomes.Accepted(expected), "query {0} ({1}) must be {2}", name, Excerpt(sql), expected);
        fixture.Fingerprint().Should().Be(fingerprint, "query {0} must not change the database", name);
        fixture.Files().Should().Equal(files, "query {0} must not create a file", name);
        await StoreStillAnswersAsync();
    }

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task QueryAsyncOfT_HostileQuery_IsRefused_AndChangesNothing(string name, Outcome expected, string sql)
    {
        var resolved = fixture.Resolve(sql);
        var fingerprint = fixture.Fingerprint();
        var files = fixture.Files();

        var outcome = await Outcomes.OfAsync(async () => await fixture.Store.QueryAsync<object>(resolved, null, Refusing));

        outcome.Should().BeOneOf(Outcomes.Accepted(expected), "query {0} ({1}) must be {2} on the Dapper path too", name, Excerpt(sql), expected);
        fixture.Fingerprint().Should().Be(fingerprint, "query {0} must not change the database", name);
        fixture.Files().Should().Equal(files, "query {0} must not create a file", name);
        await StoreStillAnswersAsync();
    }

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task QueryAsyncOfT_HostileQueryAsOf_IsRefusedLikeTheUntypedQuery_AndChangesNothing(string name, Outcome expected, string sql)
    {
        var resolved = fixture.Resolve(sql);
        var fingerprint = fixture.Fingerprint();
        var files = fixture.Files();

        var untyped = await Outcomes.OfAsync(() => fixture.Store.QueryAsync(resolved, null, AsOf));
        var typed = await Outcomes.OfAsync(async () => await fixture.Store.QueryAsync<object>(resolved, null, AsOf));

        // The snapshot holds the resource tables and mirror_records only, so a statement that names another internal
        // table is invalid there before the authorizer could refuse it.
        untyped.Should().BeOneOf(Outcomes.Accepted(expected).Append(nameof(QueryException)), "query {0} ({1}) must be refused as of a moment", name, Excerpt(sql));
        typed.Should().Be(untyped, "query {0} ({1}) must meet the same checks on the Dapper path as of a moment", name, Excerpt(sql));
        fixture.Fingerprint().Should().Be(fingerprint, "query {0} must not change the database", name);
        fixture.Files().Should().Equal(files, "query {0} must not create a file", name);
        (await fixture.Store.QueryAsync<long>("SELECT count(*) FROM customers", null, AsOf)).Should().Equal(40L);
        (await fixture.Store.QueryAsync<long>("SELECT count(*) FROM mirror_records", null, AsOf)).Should().Equal(160L);
    }

    [Theory]
    [MemberData(nameof(Allowed))]
    public async Task QueryAsync_ReadOnlyQuery_IsAnswered(string name, string sql)
    {
        var fingerprint = fixture.Fingerprint();

        var result = await fixture.Store.QueryAsync(sql);

        result.RowCount.Should().BePositive("query {0} reads something", name);
        result.Truncated.Should().BeFalse();
        fixture.Fingerprint().Should().Be(fingerprint);
    }

    [Fact]
    public async Task QueryAsync_AfterTheWholeCorpus_StillAnswersNormalQueries()
    {
        var fingerprint = fixture.Fingerprint();
        var files = fixture.Files();
        var unexpected = new List<string>();

        foreach (var row in Hostile())
        {
            var (name, expected, sql) = ((string)row[0], (Outcome)row[1], fixture.Resolve((string)row[2]));
            var options = Outcomes.IsRefusal(expected) ? Refusing : null;
            var plain = await Outcomes.OfAsync(() => fixture.Store.QueryAsync(sql, null, options));
            var typed = await Outcomes.OfAsync(async () => await fixture.Store.QueryAsync<object>(sql, null, options));
            if (!Outcomes.Accepted(expected).Contains(plain) || !Outcomes.Accepted(expected).Contains(typed))
            {
                unexpected.Add($"{name}: expected {expected}, got {plain} / {typed} (QueryAsync / QueryAsync<T>)");
            }
        }

        unexpected.Should().BeEmpty();
        fixture.Fingerprint().Should().Be(fingerprint);
        fixture.Files().Should().Equal(files);
        await StoreStillAnswersAsync();
        (await fixture.Store.RecordCountsAsync()).Should().Equal(new Dictionary<string, long> { ["customers"] = 40, ["invoices"] = 120 });
    }

    [Fact]
    public async Task QueryAsync_LoopThatKeepsAllocating_IsStoppedByTheMemoryBudget_LongBeforeItsDeadline()
    {
        // Before the memory budget, only the deadline stopped a sorter or a DISTINCT table from growing: a second of
        // ORDER BY over generated rows took the process past 1.5 GB, five seconds past 3.5 GB.
        await using var store = await TwoServiceMirror.OpenAsync(options: new MirrorStoreOptions { QueryTimeout = TimeSpan.FromSeconds(5) });
        const string Sorting = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x, zeroblob(100000) FROM c ORDER BY random()";
        const string Distinct = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(DISTINCT x || zeroblob(10000)) FROM c";

        var sorting = () => store.QueryAsync(Sorting);
        var distinct = () => store.QueryAsync(Distinct);
        var typed = () => store.QueryAsync<long>(Sorting);

        foreach (var query in new[] { sorting, distinct, async () => { await typed(); return null!; } })
        {
            var thrown = await query.Should().ThrowAsync<QueryException>();
            thrown.Which.Should().NotBeOfType<QueryTimeoutException>();
            thrown.Which.Message.Should().Contain("MiB the store's agent queries may hold together").And.Contain("Narrow it");
        }

        (await store.QueryAsync<long>("SELECT count(*) FROM customers")).Rows.Should().Equal(40L);
    }

    [Fact]
    public async Task QueryAsyncOfT_RowsPastTheByteCap_AreCutShort()
    {
        // Before the typed path had a byte cap, it returned every row: 160 rows of 4 MB text came back as 1.3 GB of strings.
        await using var store = await TwoServiceMirror.OpenAsync(options: new MirrorStoreOptions { MaxQueryBytes = 1024 * 1024 });

        var text = await store.QueryAsync<string>("SELECT printf('%.*c', 100000, 'x') FROM mirror_events");
        var blobs = await store.QueryAsync<byte[]>("SELECT zeroblob(100000) FROM mirror_events");

        text.Truncated.Should().BeTrue();
        text.Rows.Count.Should().BeInRange(1, 20, "2 × 1 MiB + 1 MiB of UTF-16 holds about 15 rows of 100,000 characters");
        blobs.Truncated.Should().BeTrue();
        blobs.Rows.Count.Should().BeInRange(1, 40);
        (await store.QueryAsync<long>("SELECT count(*) FROM mirror_events")).Truncated.Should().BeFalse();
    }

    private async Task StoreStillAnswersAsync()
    {
        var result = await fixture.Store.QueryAsync(
            "SELECT c.tier, count(*) AS n FROM invoices i JOIN customers c ON c.record_id = i.customer_id GROUP BY c.tier ORDER BY c.tier");
        result.Rows.Select(r => $"{r["tier"]}={r["n"]}").Should().Equal("enterprise=39", "smb=39", "startup=42");
        (await fixture.Store.QueryAsync<long>("SELECT count(*) FROM mirror_events")).Rows.Should().Equal(160L);
    }

    /// <inheritdoc cref="HostileCorpus.ManyCharacters"/>
    internal static string ManyCharacters(string trim) => HostileCorpus.ManyCharacters(trim);

    /// <inheritdoc cref="HostileCorpus.Numbered"/>
    internal static string Numbered(string format, int count) => HostileCorpus.Numbered(format, count);

    private static string Excerpt(string sql) => sql.Length <= 120 ? sql : sql[..120] + "…";

    /// <summary>Names what a query did, so that a failing case shows it in the assertion message.</summary>
    private static class Outcomes
    {
        public const string Answered = "answered in full";
        private const string Truncated = "answered, truncated";
        private const string NoOp = "no-op (no columns, no rows)";

        public static bool IsRefusal(Outcome expected) => expected is Outcome.NotReadOnly or Outcome.Invalid or Outcome.BadArgument or Outcome.NoOp;

        public static string[] Accepted(Outcome expected) => expected switch
        {
            Outcome.NotReadOnly => [nameof(QueryNotReadOnlyException)],
            Outcome.Invalid => [nameof(QueryException)],
            Outcome.BadArgument => [nameof(ArgumentException)],
            Outcome.TimedOut => [nameof(QueryTimeoutException)],
            Outcome.Truncated => [Truncated],
            Outcome.Stopped => [nameof(QueryTimeoutException), nameof(QueryException)],
            Outcome.NoOp => [NoOp],
            _ => throw new ArgumentOutOfRangeException(nameof(expected)),
        };

        public static async Task<string> OfAsync(Func<Task<QueryResult>> query)
        {
            try
            {
                var result = await query();
                return result.Truncated ? Truncated : result.Columns.Count == 0 && result.RowCount == 0 ? NoOp : Answered;
            }
            catch (Exception ex) when (ex is QueryException or ArgumentException)
            {
                return ex.GetType().Name;
            }
        }

        public static async Task<string> OfAsync<T>(Func<Task<QueryResult<T>>> query)
        {
            try
            {
                var result = await query();
                return result.Truncated ? Truncated : result.Rows.Count == 0 ? NoOp : Answered;
            }
            catch (Exception ex) when (ex is QueryException or ArgumentException)
            {
                return ex.GetType().Name;
            }
        }
    }
}
