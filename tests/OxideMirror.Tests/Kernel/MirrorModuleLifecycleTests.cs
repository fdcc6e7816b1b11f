using Microsoft.Extensions.Logging;

namespace OxideMirror.Tests.Kernel;

public sealed class MirrorModuleLifecycleTests
{
    [Fact]
    public async Task Command_StoreDisposed_AnswersInternalAndKeepsServing()
    {
        await using var h = await ModuleHarness.StartAsync();
        await h.Store.DisposeAsync();

        var broken = await h.SendAsync("counts");
        var capabilities = await h.SendAsync("capabilities");

        broken.Kind.Should().Be("counts.err");
        broken.ErrorCode.Should().Be(MirrorErrorCodes.Internal);
        broken.Payload.GetProperty("message").GetString().Should().Contain("ObjectDisposedException");
        capabilities.Kind.Should().Be("capabilities.ok");
    }

    [Fact]
    public async Task Logging_QueriesAndFailures_LogsKernelEventsButNeverPayloads()
    {
        var logs = new CapturingLoggerFactory();
        await using var h = await ModuleHarness.StartAsync(options: new MirrorModuleOptions { LoggerFactory = logs });
        await h.Syncer.SyncSourceAsync("pets");

        await h.SendAsync("query", new { sql = "SELECT 'secret-value-42' AS s FROM pets" });
        await h.SendAsync("query", new { sql = "DELETE FROM pets WHERE name = 'secret-value-43'" });
        await h.SendAsync("get_record", new { resource = "pets", id = "1" });

        logs.Entries.Select(e => e.EventId).Should().Contain([4000, 4002, 4003]).And.OnlyContain(id => id >= 4000 && id <= 4099);
        logs.Entries.Should().NotContain(e => e.Text.Contains("secret-value", StringComparison.Ordinal) || e.Text.Contains("Rex", StringComparison.Ordinal));
        logs.Entries.Should().Contain(e => e.EventId == 4003 && e.Level == LogLevel.Warning && e.Text.Contains("query_refused", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StopAsync_CalledTwiceWhileDraining_SecondWaitsForTheFirst()
    {
        var gate = new GateSource("slow");
        await using var h = await ModuleHarness.StartAsync(s => s.AddSource(gate));
        var sync = await h.SendOnlyAsync("sync", new { source = "slow" });
        await gate.Entered;

        var first = h.Module.StopAsync();
        var second = h.Module.StopAsync();
        var secondDoneEarly = second.IsCompleted;
        gate.Release();
        await second.WaitAsync(TimeSpan.FromSeconds(30));

        secondDoneEarly.Should().BeFalse();
        h.Module.InFlightCount.Should().Be(0);
        (await ModuleHarness.Within(sync)).Kind.Should().Be("sync.ok");
        await first;
    }

    [Fact]
    public async Task Info_Default_DescribesTheMirror()
    {
        await using var h = await ModuleHarness.StartAsync();

        h.Module.Info.Id.Should().Be("mirror");
        h.Module.Info.Name.Should().Be("OxideMirror");
        h.Module.Info.Kind.Should().Be("data");
        h.Module.Info.Version.Should().MatchRegex(@"^\d+\.\d+\.\d+$");
    }

    [Fact]
    public async Task InitAsync_Twice_Throws()
    {
        await using var h = await ModuleHarness.StartAsync();

        var act = () => h.Module.InitAsync(new InMemoryMessageBus());

        await act.Should().ThrowAsync<InvalidOperationException>().WithMessage("*already initialised*");
    }

    [Fact]
    public async Task StopAsync_BusSubscriptionThrew_WaitsForCommandsInFlightAndDoesNotThrow()
    {
        var logs = new CapturingLoggerFactory();
        var gate = new GateSource("slow");
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var syncer = new Syncer(store);
        syncer.AddSource(gate);
        var bus = new FaultyBus();
        using var answers = new CancellationTokenSource();
        var answer = bus.Inner.SubscribeAsync(answers.Token).GetAsyncEnumerator(answers.Token);
        await using var module = new MirrorModule(store, syncer, new MirrorModuleOptions { LoggerFactory = logs });
        await module.InitAsync(bus);
        await module.StartAsync();
        await bus.PublishAsync(BusCommand.Create("mirror", "sync", new { source = "slow" }, "s1"));
        await gate.Entered.WaitAsync(TimeSpan.FromSeconds(30));

        bus.BreakSubscriptions(new IOException("transport lost"));
        await bus.SubscriptionThrew.WaitAsync(TimeSpan.FromSeconds(30));
        var stop = module.StopAsync();
        var stoppedWhileBlocked = stop.IsCompleted;
        gate.Release();
        var act = () => stop.WaitAsync(TimeSpan.FromSeconds(30));

        await act.Should().NotThrowAsync();
        stoppedWhileBlocked.Should().BeFalse("the sync in flight is still running");
        module.InFlightCount.Should().Be(0);
        (await answer.MoveNextAsync()).Should().BeTrue();
        (await answer.MoveNextAsync()).Should().BeTrue();
        answer.Current.Should().BeOfType<BusEvent>().Which.Kind.Should().Be("sync.ok");
        logs.Entries.Should().Contain(e => e.EventId == 4005 && e.Level == LogLevel.Error && e.Text.Contains("transport lost", StringComparison.Ordinal));
        await answer.DisposeAsync();
    }
}
