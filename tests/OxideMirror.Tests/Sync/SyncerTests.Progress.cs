using OxideMirror.Tests.Kernel;

namespace OxideMirror.Tests.Sync;

public sealed partial class SyncerTests
{
    [Fact]
    public async Task SyncAsync_Progress_ReportsTheSyncsCountsAfterEachCommittedPage()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var syncer = new Syncer(store, HighestConfidence.Instance);
        await syncer.SyncAsync(new StaticSource("shop", [new PullResult(Items("orders", 2), "seed", false)]));
        var source = new StaticSource("shop",
        [
            new PullResult(Items("orders", 2), "seed", true),
            new PullResult([.. Items("orders", 1, from: 2), Delta.Upsert("orders", Id(0), new { n = 99 }, "shop").WithConfidence(0.1)], "p1", true), // insert, skip
            new PullResult([Delta.Upsert("orders", Id(2), new { n = 2 }, "shop").At(T0.AddSeconds(2)), .. Items("owners", 1)], "p2", false), // unchanged, insert
        ]);
        var seen = new List<(SyncProgress Progress, string? StoredCursor)>();
        var progress = new InlineProgress(p => seen.Add((p, store.GetCursorAsync("shop").GetAwaiter().GetResult())));

        var report = await syncer.SyncAsync(source, progress);

        seen.Select(s => (s.Progress.Source, s.Progress.Pages, s.Progress.PageDeltas, s.Progress.Cursor)).Should().Equal(("shop", 1, 2, "p1"), ("shop", 2, 2, "p2"));
        seen.Select(s => s.StoredCursor).Should().Equal(["p1", "p2"], "each report comes after its page committed with its cursor");
        var first = seen[0].Progress;
        (first.Pulled, first.Applied, first.Skipped, first.Unchanged, first.Duplicates, first.Missing).Should().Be((2L, 1L, 1L, 0L, 0L, 0L));
        first.Resources.Should().Equal("orders");
        var last = seen[1].Progress;
        (last.Pulled, last.Applied, last.Skipped, last.Unchanged, last.Duplicates).Should().Be((4L, 2L, 1L, 1L, 0L));
        last.Resources.Should().Equal("orders", "owners");
        (last.Pulled, last.Applied, last.Skipped, last.Unchanged).Should().Be((report.Pulled, report.Applied, report.Skipped, report.Unchanged), "the last report holds the sync's final counts");
        last.ToString().Should().Be("shop: page 2 (orders, owners), 4 pulled, 2 applied, 1 skipped, 1 unchanged");
    }

    [Fact]
    public async Task SyncAllAsync_Progress_ReportsEverySourcesPagesUnderItsId()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var syncer = new Syncer(store)
            .AddSource(StaticSource.FromDeltas("beta", Items("b", 3, source: "beta"), pageSize: 2))
            .AddSource(StaticSource.FromDeltas("alpha", Items("a", 1, source: "alpha")));
        var seen = new List<SyncProgress>();

        await syncer.SyncAllAsync(new InlineProgress(seen.Add));

        seen.Select(p => (p.Source, p.Pages, p.Pulled)).Should().Equal(("alpha", 1, 1L), ("beta", 1, 2L), ("beta", 2, 3L));
    }

    [Fact]
    public async Task SyncAsync_UnchangedRecordsSentAgain_ReportsThemAsUnchangedNotSkipped()
    {
        // Before, the report said "0 applied, 5 skipped" while the log said unchanged.
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var syncer = new Syncer(store);
        await syncer.SyncAsync(new StaticSource("shop", [new PullResult(Items("orders", 5), "a", false)]));

        var again = await syncer.SyncAsync(new StaticSource("shop", [new PullResult(Items("orders", 5), "a", false), new PullResult(Items("orders", 5), "b", false)]));

        (again.Pulled, again.Applied, again.Skipped, again.Unchanged).Should().Be((5L, 0L, 0L, 5L));
        again.ToString().Should().StartWith("shop: 5 pulled in 1 page(s), 0 applied, 0 skipped, 5 unchanged, cursor 'b'");
        (await MirrorTables.EventsAsync(store)).Skip(5).Select(e => e.Decision).Should().AllBe("unchanged");
    }

    [Fact]
    public async Task SyncAsync_CancelledBetweenPages_LogsTheCancellationWithPagesAndCursor()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var cts = new CancellationTokenSource();
        var logs = new CapturingLoggerFactory();
        var inner = StaticSource.FromDeltas("shop", Items("orders", 6), pageSize: 2);
        var source = DelegateSource.Around(inner, (n, _) =>
        {
            if (n == 3)
            {
                cts.Cancel();
            }
        });

        var act = () => new Syncer(store, options: new SyncerOptions { LoggerFactory = logs }).SyncAsync(source, cts.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
        logs.Entries.Should().ContainSingle(e => e.EventId == 1005).Which.Text.Should().Contain("Sync of shop was cancelled after 2 committed page(s)").And.Contain("resumes from cursor 4");
        logs.Entries.Should().NotContain(e => e.EventId == 1003, "a cancellation is not a failure");
    }

    [Fact]
    public async Task SyncAsync_SourceTimesOutWithoutCancellation_LogsAFailure()
    {
        // An HttpClient timeout throws TaskCanceledException while the caller's token is not cancelled: a failure, which was logged as nothing.
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var logs = new CapturingLoggerFactory();
        var source = new DelegateSource("shop", (_, _, _) => throw new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing."));

        var act = () => new Syncer(store, options: new SyncerOptions { LoggerFactory = logs }).SyncAsync(source);

        await act.Should().ThrowAsync<TaskCanceledException>();
        logs.Entries.Should().ContainSingle(e => e.EventId == 1003).Which.Text.Should().Contain("Sync of shop failed after 0 committed page(s)").And.Contain("HttpClient.Timeout");
        logs.Entries.Should().NotContain(e => e.EventId == 1005);
    }

    /// <summary>Reports on the calling thread, unlike <see cref="Progress{T}"/>, which posts to the thread pool.</summary>
    private sealed class InlineProgress(Action<SyncProgress> report) : IProgress<SyncProgress>
    {
        public void Report(SyncProgress value) => report(value);
    }
}
