using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using OxideMirror.Tests.Sync;

namespace OxideMirror.Tests.Kernel;

public sealed class HostingTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task AddOxideMirror_Provider_OpensOneStoreWithConfiguredAndRegisteredSources()
    {
        var services = new ServiceCollection();
        services.AddSingleton<ISyncSource>(StaticSource.FromDeltas("owners", [Delta.Upsert("owners", "o1", new { name = "Ann" }, "owners")]));
        services.AddOxideMirror(o => o.AddSource(StaticSource.FromDeltas("pets", ModuleHarness.Pets())));
        await using var container = services.BuildServiceProvider();

        var provider = container.GetRequiredService<IMirrorStoreProvider>();
        var store = await provider.GetStoreAsync();
        var again = await provider.GetStoreAsync();
        var syncer = await provider.GetSyncerAsync();

        again.Should().BeSameAs(store);
        syncer.Store.Should().BeSameAs(store);
        syncer.Sources.Select(s => s.Id).Should().BeEquivalentTo(["pets", "owners"]);
        container.GetRequiredService<IMessageBus>().Should().BeOfType<InMemoryMessageBus>();
    }

    [Fact]
    public async Task AddOxideMirror_HostBusRegisteredFirst_KeepsTheHostsBus()
    {
        var bus = new InMemoryMessageBus();
        var services = new ServiceCollection();
        services.AddSingleton<IMessageBus>(bus);
        services.AddOxideMirror(_ => { });
        await using var container = services.BuildServiceProvider();

        container.GetRequiredService<IMessageBus>().Should().BeSameAs(bus);
        container.GetServices<IHostedService>().Should().HaveCount(2);
    }

    [Fact]
    public async Task HostedServices_Started_ModuleAnswersCommandsOnTheBus()
    {
        var services = new ServiceCollection();
        services.AddOxideMirror(o => o.AddSource(StaticSource.FromDeltas("pets", ModuleHarness.Pets())));
        await using var container = services.BuildServiceProvider();
        var bus = container.GetRequiredService<IMessageBus>();
        using var cts = new CancellationTokenSource();
        var answers = bus.SubscribeAsync(cts.Token).GetAsyncEnumerator();
        var hosted = container.GetServices<IHostedService>().ToList();
        foreach (var service in hosted)
        {
            await service.StartAsync(CancellationToken.None);
        }

        await bus.PublishAsync(BusCommand.Create("mirror", "sync", new { source = "pets" }, "s1"));
        var answer = await NextEventAsync(answers);
        foreach (var service in hosted)
        {
            await service.StopAsync(CancellationToken.None);
        }

        answer.Kind.Should().Be("sync.ok");
        answer.CorrelationId.Should().Be("s1");
        var store = await container.GetRequiredService<IMirrorStoreProvider>().GetStoreAsync();
        (await store.RecordCountsAsync())["pets"].Should().Be(3);
        await answers.DisposeAsync();
    }

    [Fact]
    public async Task BackgroundSync_FakeClock_SyncsAtStartThenEveryInterval()
    {
        var clock = new FakeTimeProvider();
        var source = StaticSource.FromDeltas("pets", ModuleHarness.Pets());
        await using var container = Build(o =>
        {
            o.AddSource(source);
            o.EnableBackgroundSync = true;
            o.SyncInterval = TimeSpan.FromMinutes(1);
            o.TimeProvider = clock;
        });
        var service = container.GetRequiredService<BackgroundSyncService>();

        await service.StartAsync(CancellationToken.None);
        var first = await service.Runs.ReadAsync().AsTask().WaitAsync(Patience);
        source.Enqueue(new PullResult([Delta.Upsert("pets", "4", new { name = "Bo" }, "pets")], "4", false));
        clock.Advance(TimeSpan.FromSeconds(59));
        var early = service.Runs.TryRead(out _);
        clock.Advance(TimeSpan.FromSeconds(1));
        var second = await service.Runs.ReadAsync().AsTask().WaitAsync(Patience);
        await service.StopAsync(CancellationToken.None);

        first.Succeeded.Should().BeTrue();
        first.Report!.Applied.Should().Be(3);
        first.NextDelay.Should().Be(TimeSpan.FromMinutes(1));
        early.Should().BeFalse();
        second.Report!.Applied.Should().Be(1);
        var store = await container.GetRequiredService<IMirrorStoreProvider>().GetStoreAsync();
        (await store.RecordCountsAsync())["pets"].Should().Be(4);
    }

    [Fact]
    public async Task BackgroundSync_FailingSource_BacksOffDoublingThenRecovers()
    {
        var clock = new FakeTimeProvider();
        var inner = StaticSource.FromDeltas("flaky", [Delta.Upsert("things", "t1", new { ok = true }, "flaky")]);
        var flaky = new DelegateSource("flaky", (n, cursor, token) =>
            n <= 2 ? throw new HttpRequestException("upstream down") : inner.PullAsync(cursor, token));
        await using var container = Build(o =>
        {
            o.AddSource(flaky);
            o.EnableBackgroundSync = true;
            o.SyncInterval = TimeSpan.FromMinutes(10);
            o.InitialBackoff = TimeSpan.FromSeconds(10);
            o.BackoffJitter = 0;
            o.TimeProvider = clock;
        });
        var service = container.GetRequiredService<BackgroundSyncService>();

        await service.StartAsync(CancellationToken.None);
        var first = await service.Runs.ReadAsync().AsTask().WaitAsync(Patience);
        clock.Advance(first.NextDelay);
        var second = await service.Runs.ReadAsync().AsTask().WaitAsync(Patience);
        clock.Advance(second.NextDelay);
        var third = await service.Runs.ReadAsync().AsTask().WaitAsync(Patience);
        await service.StopAsync(CancellationToken.None);

        first.Succeeded.Should().BeFalse();
        first.Error.Should().BeOfType<HttpRequestException>();
        first.NextDelay.Should().Be(TimeSpan.FromSeconds(10));
        second.FailuresInARow.Should().Be(2);
        second.NextDelay.Should().Be(TimeSpan.FromSeconds(20));
        third.Succeeded.Should().BeTrue();
        third.Report!.Applied.Should().Be(1);
        third.NextDelay.Should().Be(TimeSpan.FromMinutes(10));
    }

    [Fact]
    public void Backoff_ManyFailuresAndFullJitter_StaysWithinCapPlusJitter()
    {
        var options = new OxideMirrorOptions { InitialBackoff = TimeSpan.FromSeconds(5), MaxBackoff = TimeSpan.FromMinutes(1), BackoffJitter = 0.5 };

        BackgroundSyncService.Backoff(options, 1, 0).Should().Be(TimeSpan.FromSeconds(5));
        BackgroundSyncService.Backoff(options, 3, 0).Should().Be(TimeSpan.FromSeconds(20));
        BackgroundSyncService.Backoff(options, 50, 0).Should().Be(TimeSpan.FromMinutes(1));
        BackgroundSyncService.Backoff(options, 50, 0.999).Should().BeCloseTo(TimeSpan.FromSeconds(90), TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task BackgroundSync_Disabled_RunsNothing()
    {
        var source = StaticSource.FromDeltas("pets", ModuleHarness.Pets());
        await using var container = Build(o => o.AddSource(source));
        var service = container.GetRequiredService<BackgroundSyncService>();

        await service.StartAsync(CancellationToken.None);
        var completed = await service.Runs.Completion.WaitAsync(Patience).ContinueWith(t => t.IsCompletedSuccessfully);
        await service.StopAsync(CancellationToken.None);

        completed.Should().BeTrue();
        source.PullCount.Should().Be(0);
    }

    [Fact]
    public async Task GetStoreAsync_InvalidOptions_ThrowsNamingTheOption()
    {
        await using var container = Build(o => o.BackoffJitter = 2);

        var act = async () => await container.GetRequiredService<IMirrorStoreProvider>().GetStoreAsync();

        await act.Should().ThrowAsync<ArgumentOutOfRangeException>().WithMessage("*BackoffJitter must be from 0 to 1*");
    }

    [Theory]
    [InlineData("SyncInterval")]
    [InlineData("SourceIntervals['pets']")]
    [InlineData("MaxBackoff")]
    public async Task GetStoreAsync_WaitPastTheTimerLimit_ThrowsNamingTheOption(string option)
    {
        var sixtyDays = TimeSpan.FromDays(60);
        await using var container = Build(o =>
        {
            o.SyncInterval = option == "SyncInterval" ? sixtyDays : o.SyncInterval;
            o.MaxBackoff = option == "MaxBackoff" ? sixtyDays : o.MaxBackoff;
            if (option.StartsWith("SourceIntervals", StringComparison.Ordinal))
            {
                o.SourceIntervals["pets"] = sixtyDays;
            }
        });

        var act = async () => await container.GetRequiredService<IMirrorStoreProvider>().GetStoreAsync();

        await act.Should().ThrowAsync<ArgumentOutOfRangeException>().WithMessage($"*OxideMirrorOptions.{option} must be more than zero and at most 24 days*");
    }

    [Fact]
    public async Task BackgroundSync_LongestBackoffWithFullJitter_KeepsRetrying()
    {
        var clock = new FakeTimeProvider();
        var down = new DelegateSource("down", (_, _, _) => throw new HttpRequestException("upstream down"));
        await using var container = Build(o =>
        {
            o.AddSource(down);
            o.EnableBackgroundSync = true;
            o.InitialBackoff = TimeSpan.FromDays(24);
            o.MaxBackoff = TimeSpan.FromDays(24);
            o.BackoffJitter = 1;
            o.TimeProvider = clock;
        });
        var service = container.GetRequiredService<BackgroundSyncService>();

        await service.StartAsync(CancellationToken.None);
        var first = await service.Runs.ReadAsync().AsTask().WaitAsync(Patience);
        clock.Advance(first.NextDelay);
        var second = await service.Runs.ReadAsync().AsTask().WaitAsync(Patience);
        await service.StopAsync(CancellationToken.None);

        second.FailuresInARow.Should().Be(2);
        service.ExecuteTask!.IsFaulted.Should().BeFalse();
    }

    [Fact]
    public async Task AddOxideMirror_StorePath_OpensThatFile()
    {
        using var dir = new TempDirectory();
        await using (var container = Build(o => o.StorePath = dir.File()))
        {
            var store = await container.GetRequiredService<IMirrorStoreProvider>().GetStoreAsync();
            store.Path.Should().Be(dir.File());
        }

        File.Exists(dir.File()).Should().BeTrue();
    }

    private static ServiceProvider Build(Action<OxideMirrorOptions> configure)
    {
        var services = new ServiceCollection();
        services.AddOxideMirror(configure);
        return services.BuildServiceProvider();
    }

    private static async Task<BusEvent> NextEventAsync(IAsyncEnumerator<BusMessage> messages)
    {
        while (await messages.MoveNextAsync().AsTask().WaitAsync(Patience))
        {
            if (messages.Current is BusEvent evt)
            {
                return evt;
            }
        }

        throw new InvalidOperationException("The bus closed before an event arrived.");
    }
}
