namespace OxideMirror.Contract.Tests;

/// <summary>
/// The guarantees every <see cref="MirrorWriter"/> keeps, whichever store is behind it — run against the SQLite store
/// (tests/OxideMirror.Tests) and the PostgreSQL store (tests/OxideMirror.PostgreSql.Tests), as
/// System.Threading.Channels runs <c>ChannelTestBase</c> against every channel kind. This file lives in tests/Contract/
/// and is compiled into both test projects as a linked source; each project defines <c>WriterFactAttribute</c> (a plain
/// fact, or one that skips without PostgreSQL).
/// </summary>
public abstract class MirrorWriterContractTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Opens a fresh, empty store of the kind under test.</summary>
    protected abstract Task<ContractMirror> OpenAsync();

    [WriterFact]
    public async Task ApplyPageAsync_StrategyThrowsMidPage_CommitsNeitherRecordsNorCursor()
    {
        await using var mirror = await OpenAsync();
        await mirror.Writer.ApplyPageAsync([Upsert("c0", "Before")], LastWriteWins.Instance, new CursorUpdate("crm", "page-0"));
        Delta[] page = [Upsert("c1", "Acme"), Upsert("boom", "Globex"), Upsert("c2", "Initech")];

        var act = () => mirror.Writer.ApplyPageAsync(page, new ThrowingStrategy("boom"), new CursorUpdate("crm", "page-1"));

        await act.Should().ThrowAsync<InvalidOperationException>().WithMessage("*boom*");
        (await mirror.Writer.GetCursorAsync("crm")).Should().Be("page-0", "the cursor is written with its page or not at all");
        (await mirror.GetRecordAsync("customers", "c1")).Should().BeNull("the delta before the failing one rolled back with it");
        (await mirror.GetRecordAsync("customers", "c2")).Should().BeNull();
        (await mirror.GetRecordAsync("customers", "c0")).Should().NotBeNull("the earlier page stays committed");
    }

    [WriterFact]
    public async Task ApplyPageAsync_InvalidDeltaMidPage_ThrowsInvalidDeltaNamingIt_AndCommitsNothing()
    {
        await using var mirror = await OpenAsync();
        Delta[] page = [Upsert("c1", "Acme"), Delta.Upsert("customers", "c2", new { name = "x" }, "crm") with { RecordId = " " }];

        var act = () => mirror.Writer.ApplyPageAsync(page, LastWriteWins.Instance, new CursorUpdate("crm", "page-1"));

        (await act.Should().ThrowAsync<InvalidDeltaException>()).Which.Index.Should().Be(1);
        (await mirror.Writer.GetCursorAsync("crm")).Should().BeNull();
        (await mirror.GetRecordAsync("customers", "c1")).Should().BeNull();
    }

    [WriterFact]
    public async Task ApplyPageAsync_PageWithCursor_CommitsBoth_AndReportsEachDelta()
    {
        await using var mirror = await OpenAsync();

        var outcome = await mirror.Writer.ApplyPageAsync([Upsert("c1", "Acme"), Upsert("c2", "Globex"), Upsert("c1", "Acme Corp")], LastWriteWins.Instance, new CursorUpdate("crm", "page-1"));

        outcome.Results.Select(r => r.Decision).Should().Equal(ApplyDecision.Inserted, ApplyDecision.Inserted, ApplyDecision.Updated);
        outcome.Results.Select(r => r.Version).Should().Equal(1, 1, 2);
        outcome.Missing.Should().BeEmpty();
        (await mirror.Writer.GetCursorAsync("crm")).Should().Be("page-1");
        NameOf(await mirror.GetRecordAsync("customers", "c1")).Should().Be("Acme Corp");
    }

    [WriterFact]
    public async Task ApplyPageAsync_SameDeltaIdTwice_SecondIsADuplicateThatChangesNothing()
    {
        await using var mirror = await OpenAsync();
        await mirror.Writer.ApplyPageAsync([Upsert("c1", "Acme").WithId("evt-1").At(T0)], LastWriteWins.Instance);

        var outcome = await mirror.Writer.ApplyPageAsync([Upsert("c1", "Changed").WithId("evt-1").At(T0.AddMinutes(1))], LastWriteWins.Instance, new CursorUpdate("crm", "page-2"));

        outcome.Results.Should().ContainSingle().Which.Decision.Should().Be(ApplyDecision.Duplicate);
        outcome.Results[0].Applied.Should().BeFalse();
        var record = await mirror.GetRecordAsync("customers", "c1");
        NameOf(record).Should().Be("Acme");
        record!.Version.Should().Be(1);
        (await mirror.Writer.GetCursorAsync("crm")).Should().Be("page-2", "a page of duplicates still moves its cursor");
    }

    [WriterFact]
    public async Task ApplyPageAsync_Delete_KeepsATombstone_AndASecondDeleteIsUnchanged()
    {
        await using var mirror = await OpenAsync();
        await mirror.Writer.ApplyPageAsync([Upsert("c1", "Acme")], LastWriteWins.Instance);

        var deleted = await mirror.Writer.ApplyPageAsync([Delta.Delete("customers", "c1", "crm")], LastWriteWins.Instance);
        var again = await mirror.Writer.ApplyPageAsync([Delta.Delete("customers", "c1", "crm")], LastWriteWins.Instance);

        deleted.Results[0].Decision.Should().Be(ApplyDecision.Deleted);
        deleted.Results[0].Version.Should().Be(2);
        again.Results[0].Decision.Should().Be(ApplyDecision.Unchanged);
        (await mirror.GetRecordAsync("customers", "c1")).Should().BeNull();
        var tombstone = await mirror.GetTombstoneAsync("customers", "c1");
        tombstone.Should().NotBeNull();
        tombstone!.Version.Should().Be(2);
        tombstone.Source.Should().Be("crm");
    }

    [WriterFact]
    public async Task ApplyPageAsync_CompletedPass_DeletesTheSourcesUnlistedRecords_AndReportsThem()
    {
        await using var mirror = await OpenAsync();
        await mirror.Writer.ApplyPageAsync([Upsert("c1", "Acme"), Upsert("c2", "Globex"), Upsert("c3", "Initech")], LastWriteWins.Instance, new CursorUpdate("crm", "page-1"));
        await mirror.Writer.ApplyPageAsync([Delta.Upsert("customers", "c9", new { name = "Other's" }, "billing")], LastWriteWins.Instance);

        var outcome = await mirror.Writer.ApplyPageAsync([Upsert("c4", "Umbrella")], LastWriteWins.Instance, new CursorUpdate("crm", "page-2"), [new CompletedPass("customers", ["c1"])]);

        outcome.Missing.Select(d => (d.Resource, d.RecordId, d.Op)).Should().BeEquivalentTo([("customers", "c2", DeltaOp.Delete), ("customers", "c3", DeltaOp.Delete)]);
        outcome.Results.Should().HaveCount(3, "one result for the page's delta, then one per delete");
        outcome.Results[0].Decision.Should().Be(ApplyDecision.Inserted);
        outcome.Results.Skip(1).Select(r => r.Decision).Should().Equal(ApplyDecision.Deleted, ApplyDecision.Deleted);
        (await mirror.GetRecordAsync("customers", "c1")).Should().NotBeNull("the pass listed it");
        (await mirror.GetRecordAsync("customers", "c4")).Should().NotBeNull("the page's own deltas count as listed");
        (await mirror.GetRecordAsync("customers", "c9")).Should().NotBeNull("another source wrote it last");
        (await mirror.GetRecordAsync("customers", "c2")).Should().BeNull();
        (await mirror.GetTombstoneAsync("customers", "c3")).Should().NotBeNull();
        (await mirror.Writer.GetCursorAsync("crm")).Should().Be("page-2");
    }

    [WriterFact]
    public async Task ApplyPageAsync_PassesWithoutCursor_ThrowsArgumentException_AndCommitsNothing()
    {
        await using var mirror = await OpenAsync();

        var act = () => mirror.Writer.ApplyPageAsync([Upsert("c1", "Acme")], LastWriteWins.Instance, cursor: null, [new CompletedPass("customers", [])]);

        (await act.Should().ThrowAsync<ArgumentException>()).Which.ParamName.Should().Be("cursor");
        (await mirror.GetRecordAsync("customers", "c1")).Should().BeNull();
    }

    [WriterFact]
    public async Task GetCursorAsync_BlankSource_ThrowsArgumentExceptionNamingIt()
    {
        await using var mirror = await OpenAsync();

        var act = () => mirror.Writer.GetCursorAsync(" ");

        (await act.Should().ThrowAsync<ArgumentException>()).Which.ParamName.Should().Be("source");
    }

    [WriterFact]
    public async Task GetCursorAsync_PerResourceCursor_IsKeptApartFromTheSourcesCursor()
    {
        await using var mirror = await OpenAsync();
        await mirror.Writer.ApplyPageAsync([], LastWriteWins.Instance, new CursorUpdate("crm", "whole"));
        await mirror.Writer.ApplyPageAsync([], LastWriteWins.Instance, new CursorUpdate("crm", "orders-7", "orders"));

        (await mirror.Writer.GetCursorAsync("crm")).Should().Be("whole");
        (await mirror.Writer.GetCursorAsync("crm", "orders")).Should().Be("orders-7");
        (await mirror.Writer.GetCursorAsync("billing")).Should().BeNull();
    }

    [WriterFact]
    public async Task SyncAsync_StaticSource_EndsWithItsRecordsAndCursor_AndResumesFromTheCursor()
    {
        await using var mirror = await OpenAsync();
        var source = StaticSource.FromDeltas("crm", Enumerable.Range(0, 7).Select(i => Upsert($"c{i}", $"Customer {i}")), pageSize: 3);
        var syncer = new Syncer(mirror.Writer);

        var first = await syncer.SyncAsync(source);

        first.Succeeded.Should().BeTrue();
        (first.Pages, first.Pulled, first.Applied, first.FinalCursor).Should().Be((3, 7L, 7L, "7"));
        (await mirror.Writer.GetCursorAsync("crm")).Should().Be("7");
        for (var i = 0; i < 7; i++)
        {
            NameOf(await mirror.GetRecordAsync("customers", $"c{i}")).Should().Be($"Customer {i}");
        }

        var second = await new Syncer(mirror.Writer).SyncAsync(source);

        second.StartCursor.Should().Be("7", "a new syncer resumes from the stored cursor");
        (second.Pages, second.Pulled, second.FinalCursor).Should().Be((1, 0L, "7"));
        source.PullCount.Should().Be(4, "the second sync pulls once, after the stored cursor");
    }

    [WriterFact]
    public async Task SyncAsync_PageWithCompletedPass_CountsTheMissingRecordsItDeleted()
    {
        await using var mirror = await OpenAsync();
        var source = new StaticSource("crm",
        [
            new PullResult([Upsert("c1", "Acme"), Upsert("c2", "Globex")], "p1", HasMore: true),
            new PullResult([Upsert("c1", "Acme Corp")], "p2", HasMore: false) { CompletedPasses = [new CompletedPass("customers", ["c1"])] },
        ]);

        var report = await new Syncer(mirror.Writer).SyncAsync(source);

        (report.Pulled, report.Missing, report.Applied).Should().Be((3L, 1L, 4L));
        report.PerResource["customers"].Deleted.Should().Be(1);
        (await mirror.GetRecordAsync("customers", "c2")).Should().BeNull();
        (await mirror.Writer.GetCursorAsync("crm")).Should().Be("p2");
    }

    [WriterFact]
    public async Task SyncAsync_FailingPage_KeepsTheCursorBeforeIt_AndTheNextSyncResumesThere()
    {
        await using var mirror = await OpenAsync();
        var source = new StaticSource("crm",
        [
            new PullResult([Upsert("c1", "Acme")], "p1", HasMore: true),
            new PullResult([Upsert("c2", "Globex"), Upsert("boom", "Initech")], "p2", HasMore: false),
        ]);

        var act = () => new Syncer(mirror.Writer, new ThrowingStrategy("boom")).SyncAsync(source);

        await act.Should().ThrowAsync<InvalidOperationException>();
        (await mirror.Writer.GetCursorAsync("crm")).Should().Be("p1");
        (await mirror.GetRecordAsync("customers", "c2")).Should().BeNull();

        var resumed = await new Syncer(mirror.Writer).SyncAsync(source);

        resumed.StartCursor.Should().Be("p1");
        (resumed.Pulled, resumed.FinalCursor).Should().Be((2L, "p2"));
        (await mirror.GetRecordAsync("customers", "boom")).Should().NotBeNull();
    }

    private static Delta Upsert(string id, string name) => Delta.Upsert("customers", id, new { name }, "crm");

    private static string? NameOf(MirroredRecord? record) =>
        record?.Payload.GetProperty("name").GetString();

    private sealed class ThrowingStrategy(string recordId) : IConflictStrategy
    {
        public string Label => "throwing";

        public ConflictResolution Resolve(MirroredRecord? existing, Delta incoming) =>
            incoming.RecordId == recordId ? throw new InvalidOperationException("boom") : ConflictResolution.Apply;
    }
}
