using CsCheck;
using Microsoft.Data.Sqlite;
using OxideMirror.Tests.Conflicts;

namespace OxideMirror.Tests.Log.Maintenance;

public sealed class RebuildTests
{
    [Fact]
    public async Task RebuildRecordsAsync_AnyInterleavingOfDeltasAndStrategies_EqualsLiveTables()
    {
        await ConflictStrategyPropertyTests.GenOps.SampleAsync(
            async ops =>
            {
                using var dir = new TempDirectory();
                var path = dir.File();
                await using var store = await MirrorStore.OpenAsync(path);
                await ConflictStrategyPropertyTests.ApplyAsync(store, ops);
                EventSourcingKit.MiscountedTables(path).Should().BeEmpty("every commit keeps each resource table's row count exact");
                var live = EventSourcingKit.Tables(path);

                EventSourcingKit.Scramble(path);
                EventSourcingKit.Tables(path).Should().NotBe(live, "the scrambled tables must differ, or the check below proves nothing");
                var report = await store.RebuildRecordsAsync();

                EventSourcingKit.Tables(path).Should().Be(live);
                EventSourcingKit.MiscountedTables(path).Should().BeEmpty("the rebuild recounts every table it refills");
                report.RecordsRebuilt.Should().Be(EventSourcingKit.Scalar(path, "SELECT count(*) FROM mirror_records"));
                report.EventsRead.Should().Be(EventSourcingKit.Scalar(path, "SELECT count(*) FROM mirror_events WHERE applied = 1"));
            },
            iter: 60,
            threads: 2);
    }

    [Fact]
    public async Task RebuildRecordsAsync_ThenApply_KeepsWritingToTheRebuiltTables()
    {
        using var dir = new TempDirectory();
        var path = dir.File();
        await using var store = await MirrorStore.OpenAsync(path);
        await store.ApplyAsync(StoreTestKit.Customer("c1", "Ada"), LastWriteWins.Instance);
        EventSourcingKit.Scramble(path);

        await store.RebuildRecordsAsync();
        await store.ApplyAsync(Delta.Upsert("customers", "c2", new { name = "Bo", tier = 2 }, "crm"), LastWriteWins.Instance);

        var result = await store.QueryAsync("SELECT record_id, name, tier FROM customers ORDER BY record_id");
        result.Rows.Select(r => $"{r["record_id"]}:{r["name"]}:{r["tier"]}").Should().Equal("c1:Ada:", "c2:Bo:2");
    }

    [Fact]
    public async Task RebuildRecordsAsync_ResourceOnlyInTheLog_CreatesItsTable()
    {
        using var dir = new TempDirectory();
        var path = dir.File();
        await (await MirrorStore.OpenAsync(path)).DisposeAsync();
        EventSourcingKit.Execute(path,
            "INSERT INTO mirror_events (resource, record_id, op, payload, source, confidence, occurred_at, applied_at, applied, decision, strategy, version) VALUES " +
            "('pets', 'p1', 'upsert', '{\"name\":\"Rex\",\"age\":3}', 'vet', 1, '2024-05-01T12:00:00.0000000Z', '2024-05-01T12:00:01.0000000Z', 1, 'insert', 'last-write-wins', 1)");
        await using var store = await MirrorStore.OpenAsync(path);

        var report = await store.RebuildRecordsAsync();

        report.RecordsRebuilt.Should().Be(1);
        var result = await store.QueryAsync("SELECT record_id, name, age, _version, _synced_at FROM pets");
        result.Rows.Should().ContainSingle().Which.Values.Should().Equal("p1", "Rex", 3L, 1L, "2024-05-01T12:00:01.0000000Z");
    }

    [Fact]
    public async Task RebuildRecordsAsync_CancelledToken_ThrowsAndChangesNothing()
    {
        using var dir = new TempDirectory();
        var path = dir.File();
        await using var store = await MirrorStore.OpenAsync(path);
        await store.ApplyAsync(StoreTestKit.Customer("c1", "Ada"), LastWriteWins.Instance);
        EventSourcingKit.Scramble(path);
        var scrambled = EventSourcingKit.Tables(path);

        var act = () => store.RebuildRecordsAsync(new CancellationToken(canceled: true));

        await act.Should().ThrowAsync<OperationCanceledException>();
        EventSourcingKit.Tables(path).Should().Be(scrambled);
    }

    [Fact]
    public async Task RebuildRecordsAsync_DisposedStore_ThrowsObjectDisposed()
    {
        var store = await MirrorStore.OpenInMemoryAsync();
        await store.DisposeAsync();

        var act = () => store.RebuildRecordsAsync();

        await act.Should().ThrowAsync<ObjectDisposedException>();
    }

    /// <summary>
    /// The history's statement reads the log in rowid order (not through the record index, which would fetch every
    /// event's row at a random place), reads each version's row by its seq, and sorts the rows by key before inserting
    /// them, so a large rebuild appends to the history instead of writing a random page per version. On the SQLite the
    /// store ships with; a plan that drops a step fails here.
    /// </summary>
    [Fact]
    public async Task InsertHistorySql_ReadsTheLogInRowidOrderAndInsertsInKeyOrder()
    {
        using var dir = new TempDirectory();
        var plan = await StoreTestKit.QueryPlanAsync(dir, RecordProjection.InsertHistorySql("mirror_records_history", "mirror_events"));

        var text = string.Join(" | ", plan.Select(p => p.Detail));
        plan.Should().Contain(p => p.Detail == "SCAN mirror_events", "the window reads the log in rowid order ({0})", text)
            .And.NotContain(p => p.Detail.Contains("mirror_events_record", StringComparison.Ordinal), "not through the record index ({0})", text)
            .And.Contain(p => p.Detail == "SEARCH e USING INTEGER PRIMARY KEY (rowid=?)", "each version's row is read by its seq ({0})", text);
        plan[^1].Should().Be((0L, "USE TEMP B-TREE FOR ORDER BY"), "the rows are sorted by key last, before the insert ({0})", text);
    }

    /// <summary>
    /// The records' statement finds each record's last seq reading the log in rowid order (not through the record
    /// index), reads those events by their seq, and sorts them by record before inserting them. A plan that drops a
    /// step fails here.
    /// </summary>
    [Fact]
    public async Task InsertRecordsSql_ReadsTheLogInRowidOrderAndInsertsInRecordOrder()
    {
        using var dir = new TempDirectory();
        var plan = await StoreTestKit.QueryPlanAsync(dir, RecordProjection.InsertRecordsSql("mirror_records", RecordProjection.LastStateEventsSql("mirror_events")));

        var text = string.Join(" | ", plan.Select(p => p.Detail));
        plan.Should().Contain(p => p.Detail == "SCAN mirror_events", "the last seqs are found reading the log in rowid order ({0})", text)
            .And.NotContain(p => p.Detail.Contains("mirror_events_record", StringComparison.Ordinal), "not through the record index ({0})", text)
            .And.Contain(p => p.Detail == "SEARCH mirror_events USING INTEGER PRIMARY KEY (rowid=?)", "each last event is read by its seq ({0})", text);
        plan[^1].Should().Be((0L, "USE TEMP B-TREE FOR ORDER BY"), "the rows are sorted by record last, before the insert ({0})", text);
    }
}
