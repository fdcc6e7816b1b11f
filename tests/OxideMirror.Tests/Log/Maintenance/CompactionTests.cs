using Microsoft.Extensions.Time.Testing;

namespace OxideMirror.Tests.Log.Maintenance;

public sealed class CompactionTests
{
    private static readonly DateTimeOffset T0 = StoreTestKit.T0;

    [Fact]
    public async Task CompactAsync_KeepVersions_CollapsesOlderHistoryIntoOneSnapshot()
    {
        using var dir = new TempDirectory();
        var path = dir.File();
        var time = new FakeTimeProvider(T0);
        await using var store = await MirrorStore.OpenAsync(path, new MirrorStoreOptions { TimeProvider = time });
        for (var v = 1; v <= 10; v++)
        {
            time.Advance(TimeSpan.FromMinutes(1));
            await store.ApplyAsync(Delta.Upsert("items", "r1", Json.Parse($$"""{"v":{{v}}}"""), "s").WithConfidence(0.5).At(T0.AddSeconds(v)), LastWriteWins.Instance);
        }

        var before = await MirrorTables.EventsAsync(store);
        var live = EventSourcingKit.Tables(path);

        var report = await store.CompactAsync(RetentionPolicy.ForVersions(3));

        report.SnapshotsWritten.Should().Be(1);
        report.EventsRemoved.Should().Be(6);
        var after = await MirrorTables.EventsAsync(store);
        after.Select(e => (e.Op, e.Decision, e.Version)).Should().Equal(("snapshot", "snapshot", 7L), ("upsert", "update", 8L), ("upsert", "update", 9L), ("upsert", "update", 10L));
        var snapshot = after[0];
        snapshot.Seq.Should().Be(before[6].Seq);
        snapshot.Payload.Should().Be("""{"v":7}""");
        snapshot.AppliedAt.Should().Be(before[6].AppliedAt);
        snapshot.OccurredAt.Should().Be(before[6].OccurredAt);
        snapshot.Applied.Should().BeTrue();
        await RebuildEqualsAsync(store, path, live);
    }

    [Fact]
    public async Task CompactAsync_KeepVersionsZero_LeavesOnlyTheCurrentStateAndRebuildsIt()
    {
        using var dir = new TempDirectory();
        var path = dir.File();
        await using var store = await MirrorStore.OpenAsync(path);
        await store.ApplyAsync(Delta.Upsert("items", "r1", Json.Parse("""{"a":1}"""), "s").At(T0), MergeJson.Instance);
        await store.ApplyAsync(Delta.Upsert("items", "r1", Json.Parse("""{"b":2}"""), "s").At(T0), MergeJson.Instance);
        await store.ApplyAsync(Delta.Upsert("items", "r2", Json.Parse("""{"a":1}"""), "s").At(T0), MergeJson.Instance);
        var live = EventSourcingKit.Tables(path);

        await store.CompactAsync(RetentionPolicy.ForVersions(0));

        var events = await MirrorTables.EventsAsync(store);
        events.Select(e => (e.RecordId, e.Op, e.Payload, e.MergedPayload)).Should().Equal(("r1", "snapshot", """{"a":1,"b":2}""", (string?)null), ("r2", "snapshot", """{"a":1}""", null));
        await RebuildEqualsAsync(store, path, live);
    }

    [Fact]
    public async Task CompactAsync_KeepFor_UsesTheStoreClockAndDropsOldSkippedEvents()
    {
        using var dir = new TempDirectory();
        var path = dir.File();
        var time = new FakeTimeProvider(T0);
        await using var store = await MirrorStore.OpenAsync(path, new MirrorStoreOptions { TimeProvider = time });
        await store.ApplyAsync(Delta.Upsert("items", "r1", Json.Parse("""{"v":1}"""), "s").At(T0), KeepLocal.Instance);
        await store.ApplyAsync(Delta.Upsert("items", "r1", Json.Parse("""{"v":2}"""), "s").At(T0), KeepLocal.Instance); // skipped
        await store.ApplyAsync(Delta.Upsert("items", "r1", Json.Parse("""{"v":1}"""), "s").At(T0), LastWriteWins.Instance); // unchanged
        time.Advance(TimeSpan.FromDays(10));
        await store.ApplyAsync(Delta.Upsert("items", "r2", Json.Parse("""{"v":1}"""), "s").At(T0), LastWriteWins.Instance);
        await store.ApplyAsync(Delta.Upsert("items", "r2", Json.Parse("""{"v":9}"""), "s").At(T0), KeepLocal.Instance); // skipped, recent
        var live = EventSourcingKit.Tables(path);

        var report = await store.CompactAsync(RetentionPolicy.ForAge(TimeSpan.FromDays(5)));

        report.EventsRemoved.Should().Be(2);
        report.SnapshotsWritten.Should().Be(1);
        var events = await MirrorTables.EventsAsync(store);
        events.Select(e => (e.RecordId, e.Decision)).Should().Equal(("r1", "snapshot"), ("r2", "insert"), ("r2", "skip"));
        await RebuildEqualsAsync(store, path, live);
    }

    [Fact]
    public async Task CompactAsync_DeletedRecordOlderThanThePolicy_KeepsItsTombstone()
    {
        using var dir = new TempDirectory();
        var path = dir.File();
        var time = new FakeTimeProvider(T0);
        await using var store = await MirrorStore.OpenAsync(path, new MirrorStoreOptions { TimeProvider = time });
        await store.ApplyAsync(Delta.Upsert("items", "r1", Json.Parse("""{"v":1}"""), "s").At(T0), LastWriteWins.Instance);
        time.Advance(TimeSpan.FromMinutes(1));
        await store.ApplyAsync(Delta.Delete("items", "r1", "s").At(T0), LastWriteWins.Instance);
        time.Advance(TimeSpan.FromDays(100));
        var tombstone = await store.GetTombstoneAsync("items", "r1");
        var live = EventSourcingKit.Tables(path);

        await store.CompactAsync(new RetentionPolicy { KeepFor = TimeSpan.FromDays(1), KeepVersions = 0 });

        var events = await MirrorTables.EventsAsync(store);
        events.Should().ContainSingle().Which.Should().Match<EventRow>(e => e.Op == "snapshot" && e.Payload == null && e.Version == 2);
        await RebuildEqualsAsync(store, path, live);
        (await store.GetTombstoneAsync("items", "r1")).Should().Be(tombstone);
    }

    [Fact]
    public async Task CompactAsync_AfterCompaction_ReplayTakesTheSnapshotAsGiven()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Delta.Upsert("items", "r1", Json.Parse("""{"v":1}"""), "s").WithConfidence(1).At(T0), LastWriteWins.Instance);
        await store.ApplyAsync(Delta.Upsert("items", "r1", Json.Parse("""{"v":2}"""), "s").WithConfidence(0.1).At(T0), LastWriteWins.Instance);
        await store.ApplyAsync(Delta.Upsert("items", "r1", Json.Parse("""{"v":3}"""), "s").WithConfidence(0.2).At(T0), LastWriteWins.Instance);
        (await store.ReplayAsync(HighestConfidence.Instance)).Differences.Should().ContainSingle();

        await store.CompactAsync(RetentionPolicy.ForVersions(1));

        // The snapshot holds v2 with confidence 0.1, so highest-confidence applies v3 too: the divergence is compacted away.
        (await store.ReplayAsync(HighestConfidence.Instance)).Differences.Should().BeEmpty();
    }

    [Fact]
    public async Task CompactAsync_PolicyWithNeitherRule_ThrowsWithAClearMessage()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var act = () => store.CompactAsync(new RetentionPolicy());

        (await act.Should().ThrowAsync<ArgumentException>())
            .Which.Message.Should().Contain("sets neither KeepFor nor KeepVersions");
    }

    [Fact]
    public async Task CompactAsync_NegativeVersions_ThrowsArgumentOutOfRange()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var act = () => store.CompactAsync(new RetentionPolicy { KeepVersions = -1 });

        (await act.Should().ThrowAsync<ArgumentOutOfRangeException>()).Which.Message.Should().Contain("KeepVersions is -1");
    }

    [Fact]
    public async Task CompactAsync_NullPolicy_ThrowsArgumentNull()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var act = () => store.CompactAsync(null!);

        (await act.Should().ThrowAsync<ArgumentNullException>()).Which.ParamName.Should().Be("policy");
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task CompactAsync_MillionEventLog_ShrinksTheFileAndRebuildStillEqualsLive()
    {
        using var dir = new TempDirectory();
        var path = dir.File();
        await (await MirrorStore.OpenAsync(path)).DisposeAsync();
        MillionEvents.Generate(path);
        var time = new FakeTimeProvider(T0.AddDays(30));
        await using var store = await MirrorStore.OpenAsync(path, new MirrorStoreOptions { TimeProvider = time });
        var built = await store.RebuildRecordsAsync();
        built.RecordsRebuilt.Should().Be(MillionEvents.Records);
        built.EventsRead.Should().Be(900_000);
        var live = Enumerable.Range(1, 50).Select(i => Delta.Upsert(i % 2 == 0 ? "alpha" : "beta", "r" + i, new { n = -1, name = "live" }, "gen").At(T0.AddDays(30))).ToList();
        await store.ApplyBatchAsync(live, LastWriteWins.Instance);
        var before = EventSourcingKit.Tables(path);
        var fileBefore = new FileInfo(path).Length + WalLength(path);

        var report = await store.CompactAsync(RetentionPolicy.ForVersions(5));

        var fileAfter = new FileInfo(path).Length + WalLength(path);
        Console.WriteLine($"1M-event compaction: {report}; file {fileBefore} -> {fileAfter} bytes; rebuild of 1M events: {built}");
        report.SnapshotsWritten.Should().Be(MillionEvents.Records);
        report.EventsRemoved.Should().Be(1_000_050 - (7 * MillionEvents.Records));
        (await store.EventCountAsync()).Should().Be(7 * MillionEvents.Records);
        report.BytesAfter.Should().BeLessThan(report.BytesBefore / 20);
        fileAfter.Should().BeLessThan(fileBefore / 20);
        EventSourcingKit.Tables(path).Should().Be(before);
        EventSourcingKit.Scalar(path, "SELECT count(*) FROM mirror_events WHERE op = 'snapshot' AND record_id = 'r77' AND version = 895 AND payload = '{\"n\":993,\"name\":\"r77\"}'").Should().Be(1);

        EventSourcingKit.Scramble(path);
        await store.RebuildRecordsAsync();

        EventSourcingKit.Tables(path).Should().Be(before);
    }

    private static long WalLength(string path) => File.Exists(path + "-wal") ? new FileInfo(path + "-wal").Length : 0;

    private static async Task RebuildEqualsAsync(MirrorStore store, string path, string live)
    {
        EventSourcingKit.Tables(path).Should().Be(live, "compaction leaves the projections alone");
        EventSourcingKit.Scramble(path);
        await store.RebuildRecordsAsync();
        EventSourcingKit.Tables(path).Should().Be(live, "the compacted log still rebuilds the current state");
    }

    /// <summary>
    /// The cuts are found reading the log in rowid order, not through the record index (which would fetch every event's
    /// row at a random place), with no lookup of <c>mirror_records</c> per event. A plan that reads either fails here.
    /// </summary>
    [Fact]
    public async Task CutsSql_ReadsTheLogInRowidOrderAndNoRecordPerEvent()
    {
        using var dir = new TempDirectory();
        var plan = await StoreTestKit.QueryPlanAsync(dir, LogCompactor.CutsSql);

        var text = string.Join(" | ", plan.Select(p => p.Detail));
        plan.Should().Contain(p => p.Detail == "SEARCH mirror_events USING INTEGER PRIMARY KEY (rowid<?)", "the log is read in rowid order up to @max ({0})", text)
            .And.NotContain(p => p.Detail.Contains("mirror_events_record", StringComparison.Ordinal), "not through the record index ({0})", text)
            .And.NotContain(p => p.Detail.Contains("mirror_records", StringComparison.Ordinal), "no record is looked up per event ({0})", text);
    }
}

/// <summary>
/// Writes a log of 1,000,000 events straight into <c>mirror_events</c> with one recursive SQL statement: 1,000 records
/// (two resources) with 1,000 events each, one minute apart. Every tenth event of a record is a skipped upsert; every
/// hundredth record is deleted by its 999th event. So each record ends at version 900.
/// </summary>
internal static class MillionEvents
{
    public const int Records = 1000;

    public static void Generate(string path)
    {
        EventSourcingKit.Execute(path,
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 999999), " +
            "e(r, g, skip, del) AS (SELECT i % 1000, i / 1000, (i / 1000) % 10 = 9, i % 1000 % 100 = 0 AND i / 1000 = 998 FROM n) " +
            "INSERT INTO mirror_events (resource, record_id, op, payload, source, confidence, occurred_at, applied_at, applied, decision, strategy, version) " +
            "SELECT CASE r % 2 WHEN 0 THEN 'alpha' ELSE 'beta' END, 'r' || r, CASE WHEN del THEN 'delete' ELSE 'upsert' END, " +
            "CASE WHEN del THEN NULL ELSE json_object('n', g, 'name', 'r' || r) END, 'gen', 1, " +
            "strftime('%Y-%m-%dT%H:%M:%S.0000000Z', '2024-05-01 12:00:00', '+' || g || ' minutes'), " +
            "strftime('%Y-%m-%dT%H:%M:%S.0000000Z', '2024-05-01 12:00:00', '+' || g || ' minutes'), " +
            "NOT skip, CASE WHEN skip THEN 'skip' WHEN del THEN 'delete' WHEN g = 0 THEN 'insert' ELSE 'update' END, 'last-write-wins', " +
            "CASE WHEN skip THEN g - g / 10 ELSE g + 1 - g / 10 END FROM e");
    }
}
