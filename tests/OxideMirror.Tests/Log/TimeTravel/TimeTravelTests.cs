using System.Globalization;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using static OxideMirror.Tests.StoreTestKit;

namespace OxideMirror.Tests.Log.TimeTravel;

/// <summary>Time travel: agent SQL run against the mirror as it was at a moment, rebuilt from the event log.</summary>
public sealed class TimeTravelTests
{
    private const string Endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c";

    private static readonly DateTimeOffset T1 = T0.AddHours(1);
    private static readonly DateTimeOffset T2 = T0.AddHours(2);
    private static readonly DateTimeOffset T3 = T0.AddHours(3);

    [Fact]
    public async Task QueryAsync_AsOfAcrossUpdatesAndDelete_ShowsEachStateAtItsMoment()
    {
        var clock = new FakeTimeProvider(T1);
        await using var store = await MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { TimeProvider = clock });
        await store.ApplyAsync(Delta.Upsert("customers", "c1", new { name = "Ada", tier = "startup" }, "crm").At(T1), LastWriteWins.Instance);
        clock.SetUtcNow(T2);
        await store.ApplyAsync(Delta.Upsert("customers", "c1", new { name = "Ada Ltd", tier = "enterprise", seats = 40 }, "crm").At(T2), LastWriteWins.Instance);
        clock.SetUtcNow(T3);
        await store.ApplyAsync(Delta.Delete("customers", "c1", "crm").At(T3), LastWriteWins.Instance);
        const string Sql = "SELECT record_id, name, tier, seats, _version, _synced_at FROM customers";

        var before = await AsOf(store, Sql, T0.AddMinutes(30));
        var first = await AsOf(store, Sql, T1.AddMinutes(30));
        var second = await AsOf(store, Sql, T2.AddMinutes(30));
        var deleted = await AsOf(store, Sql, T3.AddMinutes(30));

        before.Rows.Should().BeEmpty();
        first.Rows.Should().ContainSingle();
        first.Rows[0]["name"].Should().Be("Ada");
        first.Rows[0]["tier"].Should().Be("startup");
        first.Rows[0]["seats"].Should().BeNull("the column exists now, but version 1 had no seats");
        first.Rows[0]["_version"].Should().Be(1L);
        first.Rows[0]["_synced_at"].Should().Be(Stamp(T1));
        second.Rows.Should().ContainSingle();
        second.Rows[0]["name"].Should().Be("Ada Ltd");
        second.Rows[0]["seats"].Should().Be(40L);
        second.Rows[0]["_version"].Should().Be(2L);
        deleted.Rows.Should().BeEmpty();
        (await store.QueryAsync("SELECT count(*) AS n FROM customers")).Rows[0]["n"].Should().Be(0L);
    }

    [Fact]
    public async Task QueryAsync_AsOfExactlyAtAnApply_IncludesThatChange()
    {
        var clock = new FakeTimeProvider(T1);
        await using var store = await MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { TimeProvider = clock });
        await store.ApplyAsync(Delta.Upsert("customers", "c1", new { name = "Ada" }, "crm").At(T1), LastWriteWins.Instance);

        var at = await AsOf(store, "SELECT name FROM customers", T1);
        var justBefore = await AsOf(store, "SELECT name FROM customers", T1.AddTicks(-1));

        at.Rows.Select(r => r["name"]).Should().Equal("Ada");
        justBefore.Rows.Should().BeEmpty();
    }

    [Fact]
    public async Task QueryAsync_AsOfMirrorRecords_HoldsTombstonesAndStateThen()
    {
        var clock = new FakeTimeProvider(T1);
        await using var store = await MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { TimeProvider = clock });
        await store.ApplyAsync(Delta.Upsert("customers", "c1", new { name = "Ada" }, "crm").At(T1), LastWriteWins.Instance);
        clock.SetUtcNow(T2);
        await store.ApplyAsync(Delta.Delete("customers", "c1", "crm").At(T2), LastWriteWins.Instance);
        clock.SetUtcNow(T3);
        await store.ApplyAsync(Delta.Upsert("customers", "c1", new { name = "Ada again" }, "crm").At(T3), LastWriteWins.Instance);
        const string Sql = "SELECT payload, version, deleted_at, last_synced_at FROM mirror_records WHERE resource = 'customers' AND record_id = 'c1'";

        var alive = await AsOf(store, Sql, T1.AddMinutes(1));
        var tomb = await AsOf(store, Sql, T2.AddMinutes(1));
        var back = await AsOf(store, Sql, T3.AddMinutes(1));

        alive.Rows.Single()["payload"].Should().Be("""{"name":"Ada"}""");
        alive.Rows.Single()["deleted_at"].Should().BeNull();
        tomb.Rows.Single()["payload"].Should().BeNull();
        tomb.Rows.Single()["deleted_at"].Should().Be(Stamp(T2));
        tomb.Rows.Single()["version"].Should().Be(2L);
        back.Rows.Single()["payload"].Should().Be("""{"name":"Ada again"}""");
        back.Rows.Single()["deleted_at"].Should().BeNull();
        back.Rows.Single()["version"].Should().Be(3L);
    }

    [Fact]
    public async Task QueryAsync_AsOfWithAnIndexNamedLikeAResourceTable_RunsLikeTheLiveQuery()
    {
        // The live index on pets.name is ix_pets_name_2, because a resource took the table name ix_pets_name first.
        var clock = new FakeTimeProvider(T1);
        await using var store = await MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { TimeProvider = clock });
        await store.ApplyAsync(Delta.Upsert("ix_pets_name", "x1", new { note = "a resource named like an index" }, "s").At(T1), LastWriteWins.Instance);
        await store.ApplyAsync(Delta.Upsert("pets", "p1", new { name = "Rex" }, "s").At(T1), LastWriteWins.Instance);
        await store.CreateIndexAsync("pets", "name");
        clock.SetUtcNow(T2);
        await store.ApplyAsync(Delta.Upsert("pets", "p1", new { name = "Max" }, "s").At(T2), LastWriteWins.Instance);

        var then = await AsOf(store, "SELECT p.name, (SELECT count(*) FROM ix_pets_name) AS others FROM pets p WHERE p.name = 'Rex'", T1.AddMinutes(30));

        Render(then).Should().Be("Rex|1\n");
    }

    [Fact]
    public async Task QueryAsync_AsOfAfterTheClockSteppedBack_NeverShowsAStateTheMirrorDidNotHold()
    {
        var clock = new SettableClock(T2);
        await using var store = await MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { TimeProvider = clock });
        await store.ApplyAsync(Delta.Upsert("customers", "c1", new { name = "Ada" }, "crm").At(T2), LastWriteWins.Instance);
        clock.Now = T1;
        await store.ApplyAsync(Delta.Upsert("customers", "c2", new { name = "Grace" }, "crm").At(T1), LastWriteWins.Instance);

        // Before: c2 alone at T1 + 30 min, though the mirror held c1 before it ever held c2.
        var between = await AsOf(store, "SELECT record_id FROM customers ORDER BY record_id", T1.AddMinutes(30));
        var after = await AsOf(store, "SELECT record_id FROM customers ORDER BY record_id", T2);

        between.Rows.Should().BeEmpty();
        after.Rows.Select(r => r["record_id"]).Should().Equal("c1", "c2");
    }

    [Fact]
    public async Task QueryAsync_AsOfJoinOfTwoResources_UsesBothStatesThen()
    {
        var clock = new FakeTimeProvider(T1);
        await using var store = await MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { TimeProvider = clock });
        await store.ApplyBatchAsync(
            [
                Delta.Upsert("customers", "c1", new { name = "Acme", tier = "enterprise" }, "crm").At(T1),
                Delta.Upsert("customers", "c2", new { name = "Globex", tier = "startup" }, "crm").At(T1),
                Delta.Upsert("invoices", "i1", new { customer_id = "c1", amount = 100 }, "billing").At(T1),
                Delta.Upsert("invoices", "i2", new { customer_id = "c2", amount = 50 }, "billing").At(T1),
            ],
            LastWriteWins.Instance);
        await store.CreateIndexAsync("invoices", "customer_id");
        clock.SetUtcNow(T2);
        await store.ApplyBatchAsync(
            [
                Delta.Upsert("customers", "c1", new { name = "Acme Corp", tier = "enterprise" }, "crm").At(T2),
                Delta.Upsert("invoices", "i1", new { customer_id = "c1", amount = 400 }, "billing").At(T2),
                Delta.Upsert("invoices", "i3", new { customer_id = "c1", amount = 25 }, "billing").At(T2),
                Delta.Delete("invoices", "i2", "billing").At(T2),
            ],
            LastWriteWins.Instance);
        const string Sql = """
            SELECT c.name AS customer, count(i.record_id) AS invoices, coalesce(sum(i.amount), 0) AS billed
            FROM customers c LEFT JOIN invoices i ON i.customer_id = c.record_id
            GROUP BY c.record_id ORDER BY c.record_id
            """;

        var then = await AsOf(store, Sql, T1.AddMinutes(30));
        var now = await store.QueryAsync(Sql);

        Render(then).Should().Be("Acme|1|100\nGlobex|1|50\n");
        Render(now).Should().Be("Acme Corp|2|425\nGlobex|0|0\n");
    }

    [Fact]
    public async Task QueryAsync_AsOfNow_EqualsTheLiveTablesValueForValue()
    {
        // The rebuild extracts columns from the logged JSON with SQL; the live tables are written by C#. Both must store
        // every kind of value alike: strings, integers, big integers, reals, booleans, nulls, nested JSON, odd keys,
        // merged payloads, deleted and re-inserted records.
        var clock = new FakeTimeProvider(T1) { AutoAdvanceAmount = TimeSpan.FromSeconds(1) };
        await using var store = await MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { TimeProvider = clock });
        await store.ApplyBatchAsync(
            [
                Delta.Upsert("weird things", "w1", Json("""
                    {"s":"text","i":42,"neg":-7,"big":12345678901234567890,"r":2.5,"e":1e3,"t":true,"f":false,"n":null,
                     "obj":{"a":[1,2,{"b":"é \"q\""}]},"arr":[],"uni":"Grüße ✓","esc":"line\nbreak\u0001",
                     "a.b":1,"with space":2,"quo\"te":3,"back\\slash":4,"$dollar":5,"[0]":6,"Ünï":7,"select":8,"_source":9,"":10}
                    """), "src").At(T1),
                Delta.Upsert("weird things", "w2", Json("""{"s":"other","obj":"now a string","i":1.0}"""), "src").At(T1),
                Delta.Upsert("weird things", "w3", Json("""{"s":"gone"}"""), "src").At(T1),
                Delta.Upsert("customers", "c1", Json("""{"name":"Ada","tags":["x"]}"""), "crm").At(T1),
            ],
            LastWriteWins.Instance);
        await store.ApplyAsync(Delta.Upsert("customers", "c1", Json("""{"tier":"gold","tags":["y","z"]}"""), "crm").At(T2), MergeJson.Instance);
        await store.ApplyAsync(Delta.Delete("weird things", "w3", "src").At(T2), LastWriteWins.Instance);
        await store.ApplyAsync(Delta.Upsert("customers", "c2", Json("""{"name":"Bo"}"""), "crm").At(T2), LastWriteWins.Instance);
        await store.ApplyAsync(Delta.Delete("customers", "c2", "crm").At(T2), LastWriteWins.Instance);
        await store.ApplyAsync(Delta.Upsert("customers", "c2", Json("""{"name":"Bo 2"}"""), "crm").At(T3), LastWriteWins.Instance);
        await store.ApplyAsync(Delta.Upsert("customers", "c1", Json("""{"name":"Ada"}"""), "crm").At(T3).WithConfidence(0.1), HighestConfidence.Instance);
        var tables = (await store.QueryAsync("SELECT table_name FROM mirror_resources ORDER BY table_name")).Rows.Select(r => (string)r["table_name"]!).ToList();
        var later = clock.GetUtcNow().AddMinutes(1);

        tables.Should().Equal("customers", "weird_things");
        foreach (var sql in tables.Select(t => $"SELECT * FROM {t} ORDER BY record_id").Append("SELECT * FROM mirror_records ORDER BY resource, record_id"))
        {
            var live = await store.QueryAsync(sql);
            var rebuilt = await AsOf(store, sql, later);

            rebuilt.Columns.Should().Equal(live.Columns, sql);
            Render(rebuilt, withTypes: true).Should().Be(Render(live, withTypes: true), sql);
            rebuilt.ToJson().Should().Be(live.ToJson(), sql);
        }
    }

    [Fact]
    public async Task QueryAsync_AsOfBeforeAResourceExisted_SeesAnEmptyTable()
    {
        var clock = new FakeTimeProvider(T1);
        await using var store = await MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { TimeProvider = clock });
        await store.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);
        clock.SetUtcNow(T2);
        await store.ApplyAsync(Delta.Upsert("invoices", "i1", new { customer_id = "c1", amount = 10 }, "billing"), LastWriteWins.Instance);

        var result = await AsOf(store, "SELECT c.name, (SELECT count(*) FROM invoices) AS invoices, (SELECT count(*) FROM invoices WHERE amount > 0) AS paid FROM customers c", T1.AddMinutes(1));

        result.Rows.Should().ContainSingle();
        result.Rows[0]["name"].Should().Be("Ada");
        result.Rows[0]["invoices"].Should().Be(0L);
        result.Rows[0]["paid"].Should().Be(0L);
    }

    [Fact]
    public async Task QueryAsync_AsOfUnknownTable_ThrowsQueryException()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);

        var unknown = () => AsOf(store, "SELECT * FROM nothing_here", DateTimeOffset.UtcNow);
        var log = () => AsOf(store, "SELECT * FROM mirror_events", DateTimeOffset.UtcNow);

        (await unknown.Should().ThrowExactlyAsync<QueryException>()).WithMessage("*no such table: nothing_here*");
        (await log.Should().ThrowExactlyAsync<QueryException>()).WithMessage("*no such table: mirror_events*without AsOf*");
    }

    [Theory]
    [InlineData("SELECT name FROM main.customers")]
    [InlineData("SELECT count(*) FROM main.customers")]
    [InlineData("SELECT count(*) FROM main.mirror_records")]
    [InlineData("WITH customers AS (SELECT * FROM main.customers) SELECT name FROM customers")]
    [InlineData("SELECT name FROM customers UNION ALL SELECT name FROM main.customers")]
    [InlineData("SELECT name FROM mirror_history_customers")]
    [InlineData("SELECT count(*) FROM mirror_records_history")]
    [InlineData("SELECT (SELECT count(*) FROM main.customers) FROM customers")]
    public async Task QueryAsync_AsOfNamingALiveOrHistoryTable_IsRefusedRatherThanReadOutsideTheMoment(string sql)
    {
        var clock = new FakeTimeProvider(T1);
        await using var store = await MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { TimeProvider = clock });
        await store.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);
        clock.SetUtcNow(T2);
        await store.ApplyAsync(Customer("c1", "Ada Ltd"), LastWriteWins.Instance);
        await store.ApplyAsync(Customer("c2", "Grace"), LastWriteWins.Instance);

        var act = () => AsOf(store, sql, T1.AddMinutes(1));

        (await act.Should().ThrowExactlyAsync<QueryException>()).WithMessage("*as of that moment*without AsOf*");
        (await AsOf(store, "SELECT name FROM customers", T1.AddMinutes(1))).Rows.Single()["name"].Should().Be("Ada");
        (await AsOf(store, "SELECT count(*) AS n FROM customers", T1.AddMinutes(1))).Rows.Single()["n"].Should().Be(1L);
        (await AsOf(store, "WITH c AS (SELECT name FROM customers) SELECT count(*) AS n FROM c", T1.AddMinutes(1))).Rows.Single()["n"].Should().Be(1L);
    }

    [Fact]
    public async Task QueryAsync_AsOfFailureNotAboutAMissingInternalTable_IsNotExplainedAsTimeTravel()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);
        var now = DateTimeOffset.UtcNow;

        var unknown = () => AsOf(store, "SELECT * FROM mirror_records JOIN nothing_here", now);
        var running = () => AsOf(store, "SELECT json_extract(record_id, '$.x') FROM mirror_records", now);
        var cursors = () => AsOf(store, "SELECT r.record_id FROM mirror_records r JOIN mirror_cursors c ON c.source = r.source", now);

        (await unknown.Should().ThrowExactlyAsync<QueryException>()).Which.Message.Should().Contain("no such table: nothing_here").And.NotContain("without AsOf");
        (await running.Should().ThrowExactlyAsync<QueryException>()).Which.Message.Should().Contain("failed while running").And.NotContain("without AsOf");
        (await cursors.Should().ThrowExactlyAsync<QueryException>()).WithMessage("*no such table: mirror_cursors*without AsOf*");
    }

    [Theory]
    [InlineData("DELETE FROM customers", typeof(QueryNotReadOnlyException))]
    [InlineData("WITH x AS (SELECT 1) DELETE FROM customers RETURNING 1", typeof(QueryNotReadOnlyException))]
    [InlineData("UPDATE customers SET name = 'x'", typeof(QueryNotReadOnlyException))]
    [InlineData("INSERT INTO mirror_records (resource, record_id, source, last_synced_at, occurred_at, confidence, version) VALUES ('a', 'b', 'c', 'd', 'e', 1, 1)", typeof(QueryNotReadOnlyException))]
    [InlineData("SELECT 1; DELETE FROM customers", typeof(QueryNotReadOnlyException))]
    [InlineData("SELECT name FROM customers; DROP TABLE customers", typeof(QueryNotReadOnlyException))]
    [InlineData("ATTACH DATABASE ':memory:' AS other", typeof(QueryNotReadOnlyException))]
    [InlineData("DETACH DATABASE main", typeof(QueryNotReadOnlyException))]
    [InlineData("CREATE TABLE evil (x)", typeof(QueryNotReadOnlyException))]
    [InlineData("PRAGMA query_only = 0", typeof(QueryNotReadOnlyException))]
    [InlineData("PRAGMA writable_schema = 1", typeof(QueryNotReadOnlyException))]
    [InlineData("VACUUM INTO '/tmp/oxidemirror-asof-escape.db'", typeof(QueryNotReadOnlyException))]
    [InlineData("SELECT load_extension('x')", typeof(QueryNotReadOnlyException))]
    [InlineData("BEGIN", typeof(QueryNotReadOnlyException))]
    public async Task QueryAsync_AsOfHostileSql_IsRefusedAndChangesNothing(string sql, Type expected)
    {
        using var dir = new TempDirectory();
        var clock = new FakeTimeProvider(T1);
        await using var store = await MirrorStore.OpenAsync(dir.File(), new MirrorStoreOptions { TimeProvider = clock });
        await store.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);
        clock.SetUtcNow(T2);
        await store.ApplyAsync(Customer("c1", "Ada Ltd"), LastWriteWins.Instance);
        var asOf = T1.AddMinutes(1);
        (await AsOf(store, "SELECT name FROM customers", asOf)).Rows.Single()["name"].Should().Be("Ada");
        var before = Snapshot(dir.File());

        var act = () => AsOf(store, sql, asOf);

        (await act.Should().ThrowAsync<QueryException>()).Which.Should().BeOfType(expected);
        Snapshot(dir.File()).Should().Be(before);
        (await AsOf(store, "SELECT name FROM customers", asOf)).Rows.Single()["name"].Should().Be("Ada", "the cached rebuild must be unchanged too");
        (await store.QueryAsync("SELECT name FROM customers")).Rows.Single()["name"].Should().Be("Ada Ltd");
        File.Exists("/tmp/oxidemirror-asof-escape.db").Should().BeFalse();
    }

    [Fact]
    public async Task QueryAsync_AsOfRecursiveBomb_ThrowsQueryTimeoutException()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);

        var act = () => store.QueryAsync(Endless, null, new QueryOptions { AsOf = DateTimeOffset.UtcNow, Timeout = TimeSpan.FromMilliseconds(200) }, CancellationToken.None);

        (await act.Should().ThrowExactlyAsync<QueryTimeoutException>()).Which.Timeout.Should().Be(TimeSpan.FromMilliseconds(200));
        (await AsOf(store, "SELECT name FROM customers", DateTimeOffset.UtcNow)).Rows.Single()["name"].Should().Be("Ada");
    }

    [Fact]
    public async Task QueryAsync_AsOfPastRowAndByteCaps_IsTruncated()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyBatchAsync(Enumerable.Range(1, 30).Select(i => Customer($"c{i:00}", new string('x', 100))).ToList(), LastWriteWins.Instance);
        var now = DateTimeOffset.UtcNow.AddSeconds(1);

        var rows = await store.QueryAsync("SELECT record_id FROM customers", null, new QueryOptions { AsOf = now, MaxRows = 5 }, CancellationToken.None);
        var bytes = await store.QueryAsync("SELECT name FROM customers", null, new QueryOptions { AsOf = now, MaxBytes = 1024 }, CancellationToken.None);

        rows.RowCount.Should().Be(5);
        rows.Truncated.Should().BeTrue();
        bytes.Truncated.Should().BeTrue();
        bytes.RowCount.Should().BeInRange(1, 9);
    }

    [Fact]
    public async Task QueryAsync_AsOfOccurredTime_ReadsTheEventClock()
    {
        // The changes happened at their source a day before the mirror applied them.
        var clock = new FakeTimeProvider(T1);
        await using var store = await MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { TimeProvider = clock });
        await store.ApplyAsync(Customer("c1", "Ada").At(T1.AddDays(-1)), LastWriteWins.Instance);
        clock.SetUtcNow(T2);
        await store.ApplyAsync(Customer("c1", "Ada Ltd").At(T2.AddDays(-1)), LastWriteWins.Instance);
        const string Sql = "SELECT name, _occurred_at FROM customers";
        var between = T1.AddDays(-1).AddMinutes(30);

        var occurred = await store.QueryAsync(Sql, null, new QueryOptions { AsOf = between, AsOfMode = AsOfMode.Occurred }, CancellationToken.None);
        var applied = await store.QueryAsync(Sql, null, new QueryOptions { AsOf = between, AsOfMode = AsOfMode.Applied }, CancellationToken.None);
        var occurredLater = await store.QueryAsync(Sql, null, new QueryOptions { AsOf = T2.AddDays(-1), AsOfMode = AsOfMode.Occurred }, CancellationToken.None);

        occurred.Rows.Single()["name"].Should().Be("Ada");
        occurred.Rows.Single()["_occurred_at"].Should().Be(Stamp(T1.AddDays(-1)));
        applied.Rows.Should().BeEmpty("the mirror applied nothing until a day later");
        occurredLater.Rows.Single()["name"].Should().Be("Ada Ltd");
    }

    [Fact]
    public async Task QueryAsync_AsOfOccurredTime_LateArrivalCountsAtItsEventTime()
    {
        // An older change applied after a newer one (the strategy let it through): by event time the newer one wins.
        var clock = new FakeTimeProvider(T3);
        await using var store = await MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { TimeProvider = clock });
        await store.ApplyAsync(Customer("c1", "newer").At(T2), LastWriteWins.Instance);
        clock.SetUtcNow(T3.AddHours(1));
        await store.ApplyAsync(Customer("c1", "older").At(T1).WithConfidence(1.0), KeepLatestApplied.Instance);

        var byEvent = await store.QueryAsync("SELECT name FROM customers", null, new QueryOptions { AsOf = T3.AddHours(2), AsOfMode = AsOfMode.Occurred }, CancellationToken.None);
        var byEventEarly = await store.QueryAsync("SELECT name FROM customers", null, new QueryOptions { AsOf = T1.AddMinutes(1), AsOfMode = AsOfMode.Occurred }, CancellationToken.None);
        var byApply = await AsOf(store, "SELECT name FROM customers", T3.AddHours(2));

        byEvent.Rows.Single()["name"].Should().Be("newer");
        byEventEarly.Rows.Single()["name"].Should().Be("older");
        byApply.Rows.Single()["name"].Should().Be("older");
    }

    [Fact]
    public async Task QueryAsync_AsOfRepeatedAfterAWriteAtOrBeforeTheMoment_SeesTheWrite()
    {
        // A moment in the future: a later write lands before it, so a cached rebuild must not be reused.
        var clock = new FakeTimeProvider(T1);
        await using var store = await MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { TimeProvider = clock });
        await store.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);
        var moment = T3;
        var first = await AsOf(store, "SELECT count(*) AS n FROM customers", moment);
        var again = await AsOf(store, "SELECT count(*) AS n FROM customers", moment);

        clock.SetUtcNow(T2);
        await store.ApplyAsync(Delta.Upsert("customers", "c2", new { name = "Bo", city = "Oslo" }, "crm"), LastWriteWins.Instance);
        var after = await AsOf(store, "SELECT count(*) AS n, max(city) AS city FROM customers", moment);

        first.Rows[0]["n"].Should().Be(1L);
        again.Rows[0]["n"].Should().Be(1L);
        after.Rows[0]["n"].Should().Be(2L);
        after.Rows[0]["city"].Should().Be("Oslo");
    }

    [Fact]
    public async Task QueryAsync_AsOfCachedMomentAfterCompaction_AnswersLikeAnUncachedOne()
    {
        // Compaction keeps the log's newest event, so its length alone does not tell a cached moment went stale.
        using var dir = new TempDirectory();
        var clock = new FakeTimeProvider(T1);
        await using var store = await MirrorStore.OpenAsync(dir.File(), new MirrorStoreOptions { TimeProvider = clock });
        await store.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);
        clock.SetUtcNow(T2);
        await store.ApplyAsync(Customer("c1", "Ada Lovelace"), LastWriteWins.Instance);
        const string Sql = "SELECT record_id, name FROM customers";
        var cachedBefore = await AsOf(store, Sql, T1.AddMinutes(30));

        await store.CompactAsync(RetentionPolicy.ForVersions(0));
        var cachedAfter = await AsOf(store, Sql, T1.AddMinutes(30));
        var uncached = await AsOf(store, Sql, T1.AddMinutes(31));

        Render(cachedBefore).Should().Be("c1|Ada\n");
        uncached.Rows.Should().BeEmpty("the state of version 1 was compacted away");
        Render(cachedAfter).Should().Be(Render(uncached));
    }

    [Fact]
    public async Task QueryAsync_AsOfManyMoments_AnswersEachCorrectly()
    {
        var clock = new FakeTimeProvider(T0);
        await using var store = await MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { TimeProvider = clock });
        for (var v = 1; v <= 4; v++)
        {
            clock.SetUtcNow(T0.AddHours(v));
            await store.ApplyAsync(Delta.Upsert("counters", "k", new { value = v }, "src"), LastWriteWins.Instance);
        }

        var answers = new List<object?>();
        foreach (var h in new[] { 1, 3, 2, 4, 1, 1, 3 })
        {
            answers.Add((await AsOf(store, "SELECT value FROM counters", T0.AddHours(h).AddMinutes(1))).Rows.Single()["value"]);
        }

        answers.Should().Equal(1L, 3L, 2L, 4L, 1L, 1L, 3L);
    }

    [Fact]
    public async Task QueryAsync_LiveAndAsOfTakingTurnsOnOneConnection_EachReadsItsOwnTables()
    {
        // One reader: the as-of views it keeps between as-of queries must be gone for every other read.
        var clock = new FakeTimeProvider(T1);
        await using var store = await MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { TimeProvider = clock, MaxReaders = 1 });
        await store.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);
        clock.SetUtcNow(T2);
        await store.ApplyAsync(Customer("c1", "Ada Ltd"), LastWriteWins.Instance);
        const string Sql = "SELECT name FROM customers";

        var then = await AsOf(store, Sql, T1.AddMinutes(1));
        var live = await store.QueryAsync(Sql);
        var record = await store.GetRecordAsync("customers", "c1");
        var thenAgain = await AsOf(store, Sql, T1.AddMinutes(2));
        var occurred = await store.QueryAsync(Sql, options: new QueryOptions { AsOf = T1.AddMinutes(3), AsOfMode = AsOfMode.Occurred });
        var liveAgain = await store.QueryAsync("SELECT count(*) AS n FROM mirror_records");

        then.Rows.Single()["name"].Should().Be("Ada");
        live.Rows.Single()["name"].Should().Be("Ada Ltd");
        record!.Payload.GetProperty("name").GetString().Should().Be("Ada Ltd");
        thenAgain.Rows.Single()["name"].Should().Be("Ada");
        occurred.Rows.Should().ContainSingle();
        liveAgain.Rows.Single()["n"].Should().Be(1L);
    }

    [Fact]
    public async Task QueryAsync_AsOfAfterASchemaChange_SeesTheNewColumnAndResource()
    {
        var clock = new FakeTimeProvider(T1);
        await using var store = await MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { TimeProvider = clock, MaxReaders = 1 });
        await store.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);
        (await AsOf(store, "SELECT name FROM customers", T3)).Rows.Single()["name"].Should().Be("Ada");

        clock.SetUtcNow(T2);
        await store.ApplyAsync(Delta.Upsert("customers", "c1", new { name = "Ada", city = "London" }, "crm"), LastWriteWins.Instance);
        await store.ApplyAsync(Delta.Upsert("orders", "o1", new { customer_id = "c1", total = 5 }, "shop"), LastWriteWins.Instance);

        var after = await AsOf(store, "SELECT c.city, o.total FROM customers c JOIN orders o ON o.customer_id = c.record_id", T3);
        var before = await AsOf(store, "SELECT city FROM customers", T1.AddMinutes(1));

        after.Rows.Single()["city"].Should().Be("London");
        after.Rows.Single()["total"].Should().Be(5L);
        before.Rows.Single()["city"].Should().BeNull("version 1 had no city");
    }

    [Fact]
    public async Task QueryAsync_AsOfNamingTheViewsItCouldLearn_IsRefusedBeforeItRuns()
    {
        // The views stay on the connection between as-of queries; a query that names their readers (to take their name
        // for a CTE over the live table, say) is refused by its text, whatever it learnt of their names.
        var clock = new FakeTimeProvider(T1);
        await using var store = await MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { TimeProvider = clock, MaxReaders = 1 });
        await store.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);
        clock.SetUtcNow(T2);
        await store.ApplyAsync(Customer("c2", "Grace"), LastWriteWins.Instance);
        var names = await AsOf(store, "SELECT name FROM temp.sqlite_schema WHERE name LIKE 'mirror asof %customers'", T1.AddMinutes(1));
        var reader = (string)names.Rows.Single()["name"]!;

        var act = () => AsOf(store, $"WITH \"{reader}\" AS (SELECT * FROM main.customers) SELECT count(*) AS n FROM \"{reader}\"", T1.AddMinutes(1));
        var upper = () => AsOf(store, $"SELECT count(*) AS n FROM \"{reader.ToUpperInvariant()}\"", T1.AddMinutes(1));

        (await act.Should().ThrowExactlyAsync<QueryException>()).WithMessage("*names one of the store's own as-of views*");
        await upper.Should().ThrowExactlyAsync<QueryException>();
        (await AsOf(store, "SELECT count(*) AS n FROM customers", T1.AddMinutes(1))).Rows.Single()["n"].Should().Be(1L);
    }

    [Fact]
    public async Task QueryAsync_OccurredModeWithoutAsOf_ThrowsArgumentException()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var act = () => store.QueryAsync("SELECT 1", null, new QueryOptions { AsOfMode = AsOfMode.Occurred }, CancellationToken.None);
        var undefined = () => store.QueryAsync("SELECT 1", null, new QueryOptions { AsOf = DateTimeOffset.UtcNow, AsOfMode = (AsOfMode)7 }, CancellationToken.None);

        (await act.Should().ThrowExactlyAsync<ArgumentException>()).WithMessage("*AsOf is not set*");
        (await undefined.Should().ThrowExactlyAsync<ArgumentOutOfRangeException>()).WithMessage("*AsOfMode is 7*");
    }

    [Fact]
    public async Task QueryAsync_AsOfCancelledBeforehand_ThrowsOperationCanceled()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        var act = () => store.QueryAsync("SELECT 1", null, new QueryOptions { AsOf = DateTimeOffset.UtcNow }, cancellation.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public async Task QueryAsyncOfT_AsOf_MapsTheStateAtThatMoment()
    {
        var clock = new FakeTimeProvider(T1);
        await using var store = await MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { TimeProvider = clock });
        await store.ApplyAsync(Delta.Upsert("customers", "c1", new { name = "Ada", tier = "startup" }, "crm").At(T1), LastWriteWins.Instance);
        clock.SetUtcNow(T2);
        await store.ApplyAsync(Delta.Upsert("customers", "c1", new { name = "Ada Ltd", tier = "enterprise" }, "crm").At(T2), LastWriteWins.Instance);
        const string Sql = "SELECT record_id AS Id, name AS Name, tier AS Tier, _version AS Version FROM customers";

        var before = await store.QueryAsync<CustomerState>(Sql, null, new QueryOptions { AsOf = T0 });
        var then = await store.QueryAsync<CustomerState>(Sql, null, new QueryOptions { AsOf = T1.AddMinutes(30) });
        var names = await store.QueryAsync<string>("SELECT name FROM mirror_records m JOIN customers c USING (record_id)", options: new QueryOptions { AsOf = T1.AddMinutes(30) });
        var now = await store.QueryAsync<CustomerState>(Sql);

        before.Should().BeEmpty();
        then.Should().ContainSingle().Which.Should().BeEquivalentTo(new CustomerState { Id = "c1", Name = "Ada", Tier = "startup", Version = 1 });
        names.Should().Equal("Ada");
        now.Should().ContainSingle().Which.Should().BeEquivalentTo(new CustomerState { Id = "c1", Name = "Ada Ltd", Tier = "enterprise", Version = 2 });
    }

    [Fact]
    public async Task QueryAsyncOfT_AsOfRecursiveBomb_ThrowsQueryTimeoutExceptionAtTheOptionsLimit()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { QueryTimeout = TimeSpan.FromSeconds(30) });
        await store.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);

        var act = () => store.QueryAsync<long>(Endless, null, new QueryOptions { AsOf = DateTimeOffset.UtcNow, Timeout = TimeSpan.FromMilliseconds(200) });

        (await act.Should().ThrowExactlyAsync<QueryTimeoutException>()).Which.Timeout.Should().Be(TimeSpan.FromMilliseconds(200));
        (await store.QueryAsync<string>("SELECT name FROM customers", null, new QueryOptions { AsOf = DateTimeOffset.UtcNow })).Should().Equal("Ada");
    }

    [Fact]
    public async Task QueryAsyncOfT_AsOfPastRowAndByteCaps_IsTruncated()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyBatchAsync(Enumerable.Range(1, 30).Select(i => Customer($"c{i:00}", new string('x', 100))).ToList(), LastWriteWins.Instance);
        var now = DateTimeOffset.UtcNow.AddSeconds(1);

        var rows = await store.QueryAsync<string>("SELECT record_id FROM customers ORDER BY record_id", null, new QueryOptions { AsOf = now, MaxRows = 5 });
        var bytes = await store.QueryAsync<string>($"SELECT name AS \"{new string('n', 300)}\" FROM customers", null, new QueryOptions { AsOf = now, MaxBytes = 1024 });

        rows.Should().Equal("c01", "c02", "c03", "c04", "c05");
        rows.Truncated.Should().BeTrue();
        bytes.Truncated.Should().BeTrue();
        bytes.Count.Should().BeInRange(1, 3, "each row repeats a 300-character column name");
    }

    [Fact]
    public async Task QueryAsyncOfT_AsOfInternalTable_ThrowsQueryExceptionSayingWhatIsTimeTravelled()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);

        var log = () => store.QueryAsync<long>("SELECT count(*) FROM mirror_events", null, new QueryOptions { AsOf = DateTimeOffset.UtcNow });

        (await log.Should().ThrowExactlyAsync<QueryException>()).WithMessage("*no such table: mirror_events*without AsOf*");
        (await store.QueryAsync<long>("SELECT count(*) FROM mirror_events")).Should().Equal(1L);
    }

    [Fact]
    public async Task QueryAsyncOfT_OccurredModeWithoutAsOf_ThrowsArgumentException()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var act = () => store.QueryAsync<long>("SELECT 1", null, new QueryOptions { AsOfMode = AsOfMode.Occurred });

        (await act.Should().ThrowExactlyAsync<ArgumentException>()).WithMessage("*AsOf is not set*");
    }

    private static Task<QueryResult> AsOf(MirrorStore store, string sql, DateTimeOffset at) =>
        store.QueryAsync(sql, null, new QueryOptions { AsOf = at }, CancellationToken.None);

    private static string Stamp(DateTimeOffset at) => at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    private static string Render(QueryResult result, bool withTypes = false)
    {
        var text = new StringBuilder();
        foreach (var row in result.Rows)
        {
            text.AppendJoin('|', result.Columns.Select(c => row[c] switch
            {
                null => "<null>",
                double d => (withTypes ? "r:" : string.Empty) + d.ToString("R", CultureInfo.InvariantCulture),
                long l => (withTypes ? "i:" : string.Empty) + l.ToString(CultureInfo.InvariantCulture),
                string s => (withTypes ? "t:" : string.Empty) + s,
                var other => Convert.ToString(other, CultureInfo.InvariantCulture),
            })).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>A customer row as a typed query maps it.</summary>
    private sealed class CustomerState
    {
        public string Id { get; init; } = string.Empty;

        public string Name { get; init; } = string.Empty;

        public string Tier { get; init; } = string.Empty;

        public long Version { get; init; }
    }

    /// <summary>Applies everything, so a change that occurred earlier can land after a newer one.</summary>
    private sealed class KeepLatestApplied : IConflictStrategy
    {
        public static KeepLatestApplied Instance { get; } = new();

        public string Label => "apply-all";

        public ConflictResolution Resolve(MirroredRecord? existing, Delta incoming) => ConflictResolution.Apply;
    }
}
