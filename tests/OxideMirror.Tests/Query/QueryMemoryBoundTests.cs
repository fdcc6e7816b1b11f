using System.Globalization;
using SQLitePCL;

namespace OxideMirror.Tests.Query;

/// <summary>
/// Measures what SQLite's heap grows to while a memory bomb runs: the memory budget (256 MiB) bounds what loops keep,
/// and the per-query value cap bounds what straight-line code builds between two progress checks to the same again,
/// so no bomb may take SQLite past twice the budget. Before the value cap, 150 columns of hex(zeroblob(4000000)) took
/// the process to 3 GB. Runs alone: SQLite's high-water mark is process-wide.
/// </summary>
[Collection(MemoryHeavyQueries.Name)]
public sealed class QueryMemoryBoundTests
{
    private const long Budget = 256L * 1024 * 1024;

    public static TheoryData<string, string> Bombs() => new()
    {
        { "many-large-columns", "SELECT " + HostileQueryTests.Numbered("hex(zeroblob(4000000 + {0}))", 150) },
        { "many-columns-under-the-cap", "SELECT " + HostileQueryTests.Numbered("hex(zeroblob(110000 + {0}))", 150) },
        { "sixteen-columns-under-the-cap", "SELECT " + HostileQueryTests.Numbered("hex(zeroblob(1040000 + {0}))", 16) },
        { "large-in-list", "SELECT 1 WHERE 5 IN (" + HostileQueryTests.Numbered("hex(zeroblob(4000000 + {0}))", 99) + ")" },
        { "function-of-large-arguments", "SELECT length(max(" + HostileQueryTests.Numbered("hex(zeroblob(4000000 + {0}))", 99) + "))" },
        { "concat-of-one-large-value", "WITH t AS (SELECT zeroblob(8000000) AS z) SELECT length(concat(" + string.Join(", ", Enumerable.Repeat("z", 99)) + ")) FROM t" },
        { "repeated-large-column", "SELECT " + string.Join(", ", Enumerable.Repeat("body", 200)) + " FROM docs" },
        { "distinct-of-large-values", "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(DISTINCT zeroblob(8000000 - x)) FROM c" },
        { "sort-of-large-values", "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x, zeroblob(8000000 - x) FROM c ORDER BY random()" },
        { "json-group-array-of-large-values", "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT length(json_group_array(hex(zeroblob(1000000)))) FROM c" },
    };

    [Theory]
    [MemberData(nameof(Bombs))]
    public async Task QueryAsync_MemoryBomb_IsStoppedOrCut_WithinTwiceTheBudget(string name, string sql)
    {
        await using var store = await OpenAsync();

        var (outcome, growth) = await MeasureAsync(() => store.QueryAsync(sql));

        outcome.Should().NotBe("answered in full", "bomb {0} must be refused, stopped or cut", name);
        growth.Should().BeLessThan(2 * Budget, "bomb {0} must not take SQLite's heap past twice the budget", name);
        (await store.QueryAsync<long>("SELECT count(*) FROM docs")).Rows.Should().Equal(1L);
    }

    [Theory]
    [MemberData(nameof(Bombs))]
    public async Task QueryAsyncOfT_MemoryBomb_IsStoppedOrCut_WithinTwiceTheBudget(string name, string sql)
    {
        await using var store = await OpenAsync();

        var (outcome, growth) = await MeasureAsync(async () =>
        {
            var result = await store.QueryAsync<object>(sql);
            return result.Truncated ? "truncated" : "answered in full";
        });

        outcome.Should().NotBe("answered in full", "bomb {0} must be refused, stopped or cut on the Dapper path too", name);
        growth.Should().BeLessThan(2 * Budget, "bomb {0} must not take SQLite's heap past twice the budget", name);
    }

    /// <summary>Seeds for <see cref="RandomBomb"/>: each builds a different query.</summary>
    public static TheoryData<int> Seeds()
    {
        var data = new TheoryData<int>();
        for (var seed = 1; seed <= 40; seed++)
        {
            data.Add(seed);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task QueryAsync_RandomStraightLineBomb_StaysWithinTwiceTheBudget(int seed)
    {
        await using var store = await OpenAsync();
        await store.ApplyAsync(Delta.Upsert("notes", "n1", new { body = new string('n', 50_000) }, "wiki"), LastWriteWins.Instance);

        // Breadth, not depth: random combinations of the functions that grow and copy values, each run at full size and
        // then with its values halved until it no longer fails on the cap (all 40 end answered, having built at most a
        // few MB: the heavy cases near the cap are the bombs above). None may take SQLite past the bound on the way.
        var scale = 1.0;
        for (var attempt = 0; attempt < 12; attempt++, scale /= 2)
        {
            var sql = RandomBomb(new Random(seed), scale);

            var (outcome, growth) = await MeasureAsync(() => store.QueryAsync(sql, new { big = new string('p', 20_000) }));

            growth.Should().BeLessThan(2 * Budget, "query {0} must not take SQLite's heap past twice the budget", sql.Length <= 300 ? sql : sql[..300] + "…");
            if (outcome != nameof(QueryException))
            {
                break;
            }
        }

        (await store.QueryAsync<long>("SELECT count(*) FROM docs")).Rows.Should().Equal(1L);
    }

    [Fact]
    public async Task QueryAsync_ManyLargeValuesInOneRow_NamesTheQuerysCapAndHowToNarrowIt()
    {
        await using var store = await OpenAsync();

        var act = () => store.QueryAsync("SELECT " + HostileQueryTests.Numbered("hex(zeroblob(4000000 + {0}))", 150));

        var thrown = (await act.Should().ThrowAsync<QueryException>()).Which;
        thrown.Should().BeOfType<QueryException>();
        thrown.Message.Should().MatchRegex(@"larger than [\d,]+ bytes, the cap for this query \(because its program has \d+ steps that compute, compare, copy or read values, and together they must fit in 128 MiB\)")
            .And.Contain("Select fewer columns or smaller values");
    }

    [Fact]
    public async Task QueryAsync_ParameterLargerThanTheQuerysCap_IsRefusedNamingTheParameterAndItsSize()
    {
        await using var store = await OpenAsync();
        var many = "SELECT @big, " + HostileQueryTests.Numbered("length(hex(zeroblob({0})))", 200);

        var overStoreCap = () => store.QueryAsync("SELECT length(@big) AS n", new { big = new byte[9_000_000] });
        var overQueryCap = () => store.QueryAsync(many, new { big = new string('p', 1_000_000) });
        var fits = await store.QueryAsync("SELECT length(@big) AS n", new { big = new string('p', 1_000_000) });

        (await overStoreCap.Should().ThrowAsync<QueryException>()).Which.Message.Should().Contain("parameter @big is 9,000,000 bytes, larger than 8,388,608 bytes, the cap for this query (the most any one value may hold)");
        (await overQueryCap.Should().ThrowAsync<QueryException>()).Which.Message.Should().MatchRegex(@"parameter @big is 1,000,000 bytes, larger than [\d,]+ bytes, the cap for this query \(because its program has \d+ steps");
        fits.Rows[0]["n"].Should().Be(1_000_000L);
    }

    [Fact]
    public async Task QueryAsync_LargeRowReadByAFewColumns_IsAnswered_AndByHundredsOfCopies_IsRefused()
    {
        await using var store = await OpenAsync();

        var few = await store.QueryAsync("SELECT record_id, length(body) AS n, body FROM docs");
        var hundreds = () => store.QueryAsync("SELECT " + string.Join(", ", Enumerable.Repeat("body", 200)) + " FROM docs");

        few.Rows.Should().ContainSingle().Which["n"].Should().Be(2_000_000L);
        (await hundreds.Should().ThrowAsync<QueryException>()).Which.Message.Should().MatchRegex("its program has [0-9]{3} steps");
        (await store.QueryAsync("SELECT length(body) AS n FROM docs")).Rows[0]["n"].Should().Be(2_000_000L);
    }

    [Fact]
    public async Task QueryAsync_WideJoinOfEveryColumn_IsAnswered()
    {
        await using var store = await TwoServiceMirror.OpenAsync();

        var result = await store.QueryAsync("SELECT *, * FROM customers c JOIN invoices i ON i.customer_id = c.record_id JOIN mirror_records r ON r.record_id = i.record_id ORDER BY i.record_id");

        result.RowCount.Should().Be(120);
        result.Truncated.Should().BeFalse();
    }

    [Fact]
    public async Task QueryAsync_ProgramHoldingTooManyValues_IsRefusedBeforeItRuns()
    {
        await using var store = await OpenAsync();

        // SQLite substitutes y's expression at each of the 1,000 uses: 40,000 function calls, where 32,768 values would
        // leave each 4 KiB.
        var y = string.Concat(Enumerable.Repeat("abs(", 40)) + "x" + new string(')', 40);
        var sql = $"WITH t AS (SELECT {y} AS y FROM (SELECT 1 AS x)) SELECT {string.Join(", ", Enumerable.Repeat("y", 1000))} FROM t";

        var act = () => store.QueryAsync(sql);

        (await act.Should().ThrowAsync<QueryException>()).Which.Message.Should().Contain("steps that compute, compare, copy or read values, more than the 32768").And.Contain("split it into smaller queries");
        (await store.QueryAsync<long>("SELECT count(*) FROM docs")).Rows.Should().Equal(1L);
    }

    /// <summary>
    /// Builds one row of 1 to 120 columns, each a random nesting of functions that grow, copy or combine large values
    /// (zeroblob, printf padding, a 50 KB stored value, a 20 KB parameter), selected from notes.
    /// </summary>
    private static string RandomBomb(Random random, double scale)
    {
        // Leaf sizes spread evenly on a log scale from 100 bytes to 8 MB, times the scale.
        var columnCount = random.Next(1, 121);
        string Size() => ((long)Math.Max(1, scale * Math.Exp(Math.Log(100) + (random.NextDouble() * Math.Log(80_000))))).ToString(CultureInfo.InvariantCulture);
        string Leaf() => random.Next(20) switch
        {
            < 9 => $"zeroblob({Size()})",
            < 17 => $"printf('%.*c', {Size()}, 'x')",
            17 => $"substr(body, 1, {Size()})",
            18 => $"substr(@big, 1, {Size()})",
            _ => "'literal'",
        };

        string Expression(int depth)
        {
            if (depth == 0 || random.Next(4) == 0)
            {
                return Leaf();
            }

            string Inner() => Expression(depth - 1);
            return random.Next(10) switch
            {
                0 => $"hex({Inner()})",
                1 => $"upper({Inner()})",
                2 => $"quote({Inner()})",
                3 => $"replace({Inner()}, 'x', 'yz')",
                4 => $"({Inner()} || {Inner()})",
                5 => $"concat({string.Join(", ", Enumerable.Range(0, random.Next(2, 20)).Select(_ => Inner()))})",
                6 => $"json_array(hex({Inner()}), hex({Inner()}))",
                7 => $"max({Inner()}, {Inner()})",
                8 => $"substr({Inner()}, 2)",
                _ => $"CASE WHEN random() > 0 THEN {Inner()} ELSE {Inner()} END",
            };
        }

        var columns = Enumerable.Range(0, columnCount).Select(_ => Expression(random.Next(1, 4)));
        return $"SELECT {string.Join(", ", columns)} FROM notes";
    }

    private static async Task<MirrorStore> OpenAsync()
    {
        var store = await MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { QueryTimeout = TimeSpan.FromSeconds(5) });
        await store.ApplyAsync(Delta.Upsert("docs", "d1", new { body = new string('b', 2_000_000) }, "wiki"), LastWriteWins.Instance);
        return store;
    }

    /// <summary>Runs a query and returns what it did and how far SQLite's heap rose above where it was when it started.</summary>
    private static async Task<(string Outcome, long Growth)> MeasureAsync(Func<Task<string>> query)
    {
        var start = raw.sqlite3_memory_used();
        raw.sqlite3_memory_highwater(1);
        string outcome;
        try
        {
            outcome = await query();
        }
        catch (QueryException ex)
        {
            outcome = ex.GetType().Name;
        }

        return (outcome, raw.sqlite3_memory_highwater(0) - start);
    }

    private static Task<(string Outcome, long Growth)> MeasureAsync(Func<Task<QueryResult>> query) =>
        MeasureAsync(async () => (await query()).Truncated ? "truncated" : "answered in full");
}
