namespace OxideMirror.Tests.Sync;

public sealed partial class SyncerTests
{
    [Fact]
    public async Task SyncAsync_PageCompletesAPass_DeletesOnlyTheSourcesLiveRecordsThePassDidNotList()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var syncer = new Syncer(store);
        await syncer.SyncAsync(StaticSource.FromDeltas("crm", Items("customers", 5, source: "crm")));
        await syncer.SyncAsync(StaticSource.FromDeltas("billing", [Delta.Upsert("customers", "b1", new { n = 1 }, "billing"), Delta.Upsert("invoices", Id(4), new { n = 4 }, "billing")]));
        await store.ApplyAsync(Delta.Delete("customers", Id(4), "crm"), LastWriteWins.Instance);
        var pass = new StaticSource("crm",
        [
            new PullResult([], "5", false),
            new PullResult(Items("customers", 1, source: "crm"), "p1", true),
            new PullResult(Items("customers", 1, from: 2, source: "crm"), "p2", false) { CompletedPasses = [new CompletedPass("customers", [Id(0)])] },
        ]);

        var report = await syncer.SyncAsync(pass);

        (await MirrorTables.LiveRecordIdsAsync(store, "customers")).Should().Equal(["b1", Id(0), Id(2)], "r001 and r003 were not listed; r002 came on the completing page; b1 is billing's");
        (await MirrorTables.LiveRecordIdsAsync(store, "invoices")).Should().Equal(Id(4));
        var deletes = (await MirrorTables.EventsAsync(store, "customers")).Where(e => e.Op == "delete").ToList();
        deletes.Select(e => (e.RecordId, e.Source, e.Decision, e.Strategy, e.Applied)).Should().Equal(
            (Id(4), "crm", "delete", "last-write-wins", true),
            (Id(1), "crm", "delete", "last-write-wins", true),
            (Id(3), "crm", "delete", "last-write-wins", true));
        (await store.GetTombstoneAsync("customers", Id(1)))!.Source.Should().Be("crm");
        (report.Pulled, report.Missing, report.Applied, report.Unchanged).Should().Be((2L, 2L, 2L, 2L), "two unchanged upserts and two deletes");
        report.PerResource["customers"].Deleted.Should().Be(2);
        report.ToString().Should().Contain("2 missing (deleted)");
    }

    [Fact]
    public async Task SyncAsync_CompletedPassUnderKeepLocal_LogsTheDeletesAsSkipped()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var syncer = new Syncer(store, KeepLocal.Instance);
        await syncer.SyncAsync(StaticSource.FromDeltas("crm", Items("customers", 2, source: "crm")));
        var pass = new StaticSource("crm", [new PullResult([], "2", false), new PullResult([], "p1", false) { CompletedPasses = [new CompletedPass("customers", [])] }]);

        var report = await syncer.SyncAsync(pass);

        (await MirrorTables.LiveRecordIdsAsync(store, "customers")).Should().HaveCount(2, "the strategy keeps what the mirror holds");
        (await MirrorTables.EventsAsync(store, "customers")).Where(e => e.Op == "delete").Select(e => e.Decision).Should().Equal("skip", "skip");
        (report.Missing, report.Skipped, report.Applied).Should().Be((2L, 2L, 0L));
    }

    [Fact]
    public async Task SyncAsync_DeleteOfAMissingRecordFails_NothingOfThePageNorItsCursorCommits()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await new Syncer(store).SyncAsync(StaticSource.FromDeltas("crm", Items("customers", 2, source: "crm")));
        var pass = new StaticSource("crm", [new PullResult([], "2", false), new PullResult(Items("customers", 1, from: 5, source: "crm"), "p1", false) { CompletedPasses = [new CompletedPass("customers", [Id(0)])] }]);
        var refuseDeletes = new RefusingDeletes();

        var act = () => new Syncer(store, refuseDeletes).SyncAsync(pass);

        await act.Should().ThrowAsync<InvalidOperationException>().WithMessage("No deletes*");
        (await store.GetCursorAsync("crm")).Should().Be("2");
        (await MirrorTables.LiveRecordIdsAsync(store, "customers")).Should().Equal(Id(0), Id(1));
        (await store.EventCountAsync()).Should().Be(2, "the page's upsert rolled back with the failed delete");
    }

    [Fact]
    public async Task SyncAsync_NoCompletedPass_DeletesNothing()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var syncer = new Syncer(store);
        await syncer.SyncAsync(StaticSource.FromDeltas("crm", Items("customers", 3, source: "crm")));

        var report = await syncer.SyncAsync(new StaticSource("crm", [new PullResult([], "3", false), new PullResult(Items("customers", 1, source: "crm"), "p1", false)]));

        (await MirrorTables.LiveRecordIdsAsync(store, "customers")).Should().HaveCount(3);
        report.Missing.Should().Be(0);
    }

    public static TheoryData<string, string> UnusablePasses => new()
    {
        { "null list", "whose CompletedPasses is null" },
        { "null pass", "whose completed pass 0 is null" },
        { "empty resource", "whose completed pass 0 has an empty Resource (' ')" },
        { "null ids", "whose completed pass of 'customers' has null RecordIds" },
        { "null id", "whose completed pass of 'customers' has a null record id" },
        { "twice", "that completes two passes of 'customers'" },
    };

    [Theory]
    [MemberData(nameof(UnusablePasses))]
    public async Task SyncAsync_UnusableCompletedPasses_RefusesThePageNamingTheProblem(string scenario, string expected)
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await new Syncer(store).SyncAsync(StaticSource.FromDeltas("crm", Items("customers", 2, source: "crm")));
        IReadOnlyList<CompletedPass> passes = scenario switch
        {
            "null list" => null!,
            "null pass" => [null!],
            "empty resource" => [new CompletedPass(" ", [])],
            "null ids" => [new CompletedPass("customers", null!)],
            "null id" => [new CompletedPass("customers", [Id(0), null!])],
            _ => [new CompletedPass("customers", []), new CompletedPass("customers", [Id(0)])],
        };
        var source = new DelegateSource("crm", (_, _, _) => Task.FromResult(new PullResult(Items("customers", 1, from: 7, source: "crm"), "p1", false) { CompletedPasses = passes }));

        var act = () => new Syncer(store).SyncAsync(source);

        var thrown = (await act.Should().ThrowAsync<MirrorException>()).Which;
        thrown.Message.Should().Contain(expected).And.Contain("Nothing of this page was applied");
        thrown.Code.Should().Be(MirrorErrorCodes.InvalidPage);
        (await MirrorTables.LiveRecordIdsAsync(store, "customers")).Should().Equal(Id(0), Id(1));
        (await store.GetCursorAsync("crm")).Should().Be("2");
    }

    /// <summary>Applies upserts and throws on deletes, to fail a batch part-way.</summary>
    private sealed class RefusingDeletes : IConflictStrategy
    {
        public string Label => "refusing-deletes";

        public ConflictResolution Resolve(MirroredRecord? existing, Delta incoming) =>
            incoming.Op == DeltaOp.Delete ? throw new InvalidOperationException("No deletes here.") : ConflictResolution.Apply;
    }
}
