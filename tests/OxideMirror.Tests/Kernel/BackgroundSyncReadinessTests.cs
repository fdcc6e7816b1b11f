using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using OxideMirror.Tests.Sources.Http;
using OxideMirror.Tests.Sync;

namespace OxideMirror.Tests.Kernel;

/// <summary>Waiting for the background sync's first run of each source, its progress, and DeleteMissing under <c>AddOxideMirror</c>.</summary>
public sealed class BackgroundSyncReadinessTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task WhenSyncedAsync_FirstRunHalfWay_CompletesOnlyAfterItsLastPageWithItsReport()
    {
        // Before, a host could only poll record counts, and caught the first sync half-way.
        var secondPage = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inner = StaticSource.FromDeltas("pets", ModuleHarness.Pets(), pageSize: 2);
        var source = new DelegateSource("pets", async (n, cursor, token) =>
        {
            if (n == 2)
            {
                await secondPage.Task.WaitAsync(token);
            }

            return await inner.PullAsync(cursor, token);
        });
        var firstPage = new TaskCompletionSource<SyncProgress>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var container = Build(o =>
        {
            o.AddSource(source);
            o.EnableBackgroundSync = true;
            o.TimeProvider = new FakeTimeProvider();
            o.Progress = new InlineProgress(p => firstPage.TrySetResult(p));
        });
        var provider = container.GetRequiredService<IMirrorStoreProvider>();
        var service = container.GetRequiredService<BackgroundSyncService>();

        await service.StartAsync(CancellationToken.None);
        var ready = provider.WhenSyncedAsync("pets");
        await firstPage.Task.WaitAsync(Patience);
        var countsHalfWay = await (await provider.GetStoreAsync()).RecordCountsAsync();
        var readyHalfWay = ready.IsCompleted;
        secondPage.SetResult();
        var report = await ready.WaitAsync(Patience);
        var counts = await (await provider.GetStoreAsync()).RecordCountsAsync();
        await service.StopAsync(CancellationToken.None);

        countsHalfWay["pets"].Should().Be(2, "one page of two had committed");
        readyHalfWay.Should().BeFalse();
        (report.Succeeded, report.Pages, report.Applied).Should().Be((true, 2, 3L));
        counts["pets"].Should().Be(3);
        (await provider.WhenSyncedAsync("pets").WaitAsync(Patience)).Should().BeSameAs(report, "a later call returns the first run's report at once");
    }

    [Fact]
    public async Task WhenAllSyncedAsync_TwoSources_ReturnsEachFirstReportInIdOrder()
    {
        await using var container = Build(o =>
        {
            o.AddSource(StaticSource.FromDeltas("pets", ModuleHarness.Pets()));
            o.AddSource(StaticSource.FromDeltas("owners", [Delta.Upsert("owners", "o1", new { name = "Ann" }, "owners")]));
            o.EnableBackgroundSync = true;
            o.TimeProvider = new FakeTimeProvider();
        });
        var provider = container.GetRequiredService<IMirrorStoreProvider>();
        var service = container.GetRequiredService<BackgroundSyncService>();

        await service.StartAsync(CancellationToken.None);
        var reports = await provider.WhenAllSyncedAsync().WaitAsync(Patience);
        var counts = await (await provider.GetStoreAsync()).RecordCountsAsync();
        await service.StopAsync(CancellationToken.None);

        reports.Select(r => (r.Source, r.Succeeded, r.Applied)).Should().Equal(("owners", true, 1L), ("pets", true, 3L));
        (counts["owners"], counts["pets"]).Should().Be((1L, 3L));
    }

    [Fact]
    public async Task WhenSyncedAsync_FirstRunFails_CompletesWithTheFailedReportAndKeepsIt()
    {
        var clock = new FakeTimeProvider();
        var inner = StaticSource.FromDeltas("flaky", [Delta.Upsert("things", "t1", new { ok = true }, "flaky")]);
        var flaky = new DelegateSource("flaky", (n, cursor, token) => n == 1 ? throw new HttpRequestException("upstream down") : inner.PullAsync(cursor, token));
        await using var container = Build(o =>
        {
            o.AddSource(flaky);
            o.EnableBackgroundSync = true;
            o.BackoffJitter = 0;
            o.TimeProvider = clock;
        });
        var provider = container.GetRequiredService<IMirrorStoreProvider>();
        var service = container.GetRequiredService<BackgroundSyncService>();

        await service.StartAsync(CancellationToken.None);
        var first = await provider.WhenSyncedAsync("flaky").WaitAsync(Patience);
        var failedRun = await service.Runs.ReadAsync().AsTask().WaitAsync(Patience);
        clock.Advance(failedRun.NextDelay);
        var retried = await service.Runs.ReadAsync().AsTask().WaitAsync(Patience);
        var again = await provider.WhenSyncedAsync("flaky").WaitAsync(Patience);
        await service.StopAsync(CancellationToken.None);

        first.Succeeded.Should().BeFalse();
        first.Error.Should().BeOfType<HttpRequestException>().Which.Message.Should().Be("upstream down");
        failedRun.Report.Should().BeSameAs(first);
        retried.Succeeded.Should().BeTrue();
        again.Should().BeSameAs(first, "the task is the first run's, whatever came after");
    }

    [Fact]
    public async Task WhenSyncedAsync_BackgroundSyncOff_ThrowsSayingNoRunWillCome()
    {
        await using var container = Build(o => o.AddSource(StaticSource.FromDeltas("pets", ModuleHarness.Pets())));
        var provider = container.GetRequiredService<IMirrorStoreProvider>();

        var one = () => provider.WhenSyncedAsync("pets");
        var all = () => provider.WhenAllSyncedAsync();

        await one.Should().ThrowAsync<InvalidOperationException>().WithMessage("The background sync is off (OxideMirrorOptions.EnableBackgroundSync is false)*");
        await all.Should().ThrowAsync<InvalidOperationException>().WithMessage("*Set EnableBackgroundSync to true, or sync yourself*");
    }

    [Fact]
    public async Task WhenSyncedAsync_UnknownSource_ThrowsNamingTheKnownOnes()
    {
        await using var container = Build(o =>
        {
            o.AddSource(StaticSource.FromDeltas("pets", ModuleHarness.Pets()));
            o.EnableBackgroundSync = true;
        });

        var act = () => container.GetRequiredService<IMirrorStoreProvider>().WhenSyncedAsync("pest");

        (await act.Should().ThrowAsync<UnknownSourceException>()).Which.Message.Should().Contain("'pest'").And.Contain("'pets'");
    }

    [Fact]
    public async Task WhenSyncedAsync_HostStopsBeforeTheFirstRunEnds_IsCancelledAndTheSyncLogsTheCancellation()
    {
        var logs = new CapturingLoggerFactory();
        var gate = new GateSource("slow");
        var services = new ServiceCollection();
        services.AddSingleton<Microsoft.Extensions.Logging.ILoggerFactory>(logs);
        services.AddOxideMirror(o =>
        {
            o.AddSource(gate);
            o.EnableBackgroundSync = true;
        });
        await using var container = services.BuildServiceProvider();
        var provider = container.GetRequiredService<IMirrorStoreProvider>();
        var service = container.GetRequiredService<BackgroundSyncService>();

        await service.StartAsync(CancellationToken.None);
        var ready = provider.WhenSyncedAsync("slow");
        await gate.Entered.WaitAsync(Patience);
        await service.StopAsync(CancellationToken.None);
        var act = () => ready.WaitAsync(Patience);
        var later = () => provider.WhenSyncedAsync("slow").WaitAsync(Patience);

        await act.Should().ThrowAsync<OperationCanceledException>();
        await later.Should().ThrowAsync<OperationCanceledException>("no first run will come after the background sync stopped");
        logs.Entries.Should().Contain(e => e.EventId == 1005 && e.Text.Contains("Sync of slow was cancelled after 0 committed page(s)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task BackgroundSync_Progress_ReportsEachCommittedPageOfEveryRun()
    {
        var seen = new List<SyncProgress>();
        await using var container = Build(o =>
        {
            o.AddSource(StaticSource.FromDeltas("pets", ModuleHarness.Pets(), pageSize: 2));
            o.EnableBackgroundSync = true;
            o.TimeProvider = new FakeTimeProvider();
            o.Progress = new InlineProgress(p =>
            {
                lock (seen)
                {
                    seen.Add(p);
                }
            });
        });
        var service = container.GetRequiredService<BackgroundSyncService>();

        await service.StartAsync(CancellationToken.None);
        await container.GetRequiredService<IMirrorStoreProvider>().WhenSyncedAsync("pets").WaitAsync(Patience);
        await service.StopAsync(CancellationToken.None);

        seen.Select(p => (p.Source, p.Pages, p.Pulled, p.Applied)).Should().Equal(("pets", 1, 2L, 2L), ("pets", 2, 3L, 3L));
    }

    [Fact]
    public async Task AddOxideMirror_HttpSourceWithDeleteMissing_BackgroundSyncTombstonesRecordsGoneFromTheNextPass()
    {
        // Before, DeleteMissing needed HttpSourceOptions.Store, which the container never holds: the source could not be built.
        var api = new FakeItemsApi(5);
        await using var server = await LoopbackServer.StartAsync(api.Map);
        var resource = FakeItemsApi.Resource("offset");
        resource.DeleteMissing = true;
        var options = new HttpSourceOptions { Id = "api", BaseAddress = server.BaseAddress, RequestTimeout = Timeout.InfiniteTimeSpan, TimeProvider = new SteppingTimeProvider() };
        options.Resources.Add(resource);
        using var source = new HttpSource(options);
        var clock = new FakeTimeProvider();
        var services = new ServiceCollection();
        services.AddSingleton<ISyncSource>(source);
        services.AddOxideMirror(o =>
        {
            o.EnableBackgroundSync = true;
            o.SyncInterval = TimeSpan.FromMinutes(1);
            o.TimeProvider = clock;
        });
        await using var container = services.BuildServiceProvider();
        var provider = container.GetRequiredService<IMirrorStoreProvider>();
        var service = container.GetRequiredService<BackgroundSyncService>();

        await service.StartAsync(CancellationToken.None);
        var first = await provider.WhenSyncedAsync("api").WaitAsync(Patience);
        var firstRun = await service.Runs.ReadAsync().AsTask().WaitAsync(Patience);
        api.Remove(2);
        api.Remove(5);
        clock.Advance(firstRun.NextDelay);
        var second = await service.Runs.ReadAsync().AsTask().WaitAsync(Patience);
        await service.StopAsync(CancellationToken.None);

        var store = await provider.GetStoreAsync();
        (first.Succeeded, first.Pulled, first.Missing).Should().Be((true, 5L, 0L));
        second.Succeeded.Should().BeTrue();
        (second.Report.Pulled, second.Report.Missing, second.Report.Unchanged).Should().Be((3L, 2L, 3L));
        (await MirrorTables.LiveRecordIdsAsync(store, "items")).Should().Equal("1", "3", "4");
        (await store.GetTombstoneAsync("items", "2"))!.Source.Should().Be("api");
        (await store.GetTombstoneAsync("items", "5")).Should().NotBeNull();
        (await MirrorTables.EventsAsync(store, "items")).Where(e => e.Op == "delete").Select(e => (e.RecordId, e.Decision)).Should().Equal(("2", "delete"), ("5", "delete"));
    }

    private static ServiceProvider Build(Action<OxideMirrorOptions> configure)
    {
        var services = new ServiceCollection();
        services.AddOxideMirror(configure);
        return services.BuildServiceProvider();
    }

    /// <summary>Reports on the calling thread, unlike <see cref="Progress{T}"/>, which posts to the thread pool.</summary>
    private sealed class InlineProgress(Action<SyncProgress> report) : IProgress<SyncProgress>
    {
        public void Report(SyncProgress value) => report(value);
    }
}
