namespace OxideMirror.Tests.Kernel;

public sealed class MirrorModuleConcurrencyTests
{
    [Fact]
    public async Task Query_HundredConcurrentCommands_EachAnswerCarriesItsOwnCorrelationId()
    {
        await using var h = await ModuleHarness.StartAsync(options: new MirrorModuleOptions { MaxConcurrentCommands = 8 });
        await h.Syncer.SyncSourceAsync("pets");

        var sent = new List<(int I, Task<BusEvent> Answer)>();
        for (var i = 0; i < 100; i++)
        {
            sent.Add((i, await h.SendOnlyAsync("query", new { sql = "SELECT @i AS i, count(*) AS n FROM pets", parameters = new { i } }, correlationId: "q-" + i)));
        }

        var answers = await Task.WhenAll(sent.Select(s => ModuleHarness.Within(s.Answer)));

        answers.Should().OnlyContain(a => a.Kind == "query.ok");
        for (var i = 0; i < 100; i++)
        {
            answers[i].CorrelationId.Should().Be("q-" + i);
            answers[i].Payload.GetProperty("rows")[0].GetProperty("i").GetInt32().Should().Be(i);
        }

        h.Events.Should().HaveCount(100);
    }

    [Fact]
    public async Task Query_WhileLongSyncRuns_IsAnsweredBeforeTheSync()
    {
        var gate = new GateSource("slow");
        await using var h = await ModuleHarness.StartAsync(s => s.AddSource(gate));
        await h.Syncer.SyncSourceAsync("pets");

        var sync = await h.SendOnlyAsync("sync", new { source = "slow" }, correlationId: "sync-1");
        await gate.Entered;
        var query = await h.SendAsync("query", new { sql = "SELECT count(*) AS n FROM pets" });
        var read = await h.SendAsync("get_record", new { resource = "pets", id = "1" });
        var syncDoneBeforeRelease = sync.IsCompleted;
        gate.Release();
        var synced = await ModuleHarness.Within(sync);

        syncDoneBeforeRelease.Should().BeFalse();
        query.Kind.Should().Be("query.ok");
        read.Kind.Should().Be("get_record.ok");
        synced.Kind.Should().Be("sync.ok");
        h.Events.Select(e => e.Kind).Should().Equal("query.ok", "get_record.ok", "sync.ok");
    }

    [Fact]
    public async Task Sync_SameSourceTwice_SecondIsQueuedAndResumesFromFirstCursor()
    {
        var gate = new GateSource("slow");
        await using var h = await ModuleHarness.StartAsync(s => s.AddSource(gate));

        var first = await h.SendOnlyAsync("sync", new { source = "slow" }, correlationId: "first");
        await gate.Entered;
        var second = await h.SendOnlyAsync("sync", new { source = "slow" }, correlationId: "second");
        var counts = await h.SendAsync("counts");
        var secondDoneBeforeRelease = second.IsCompleted;
        gate.Release();
        var a = await ModuleHarness.Within(first);
        var b = await ModuleHarness.Within(second);

        secondDoneBeforeRelease.Should().BeFalse();
        counts.Kind.Should().Be("counts.ok");
        a.Payload.GetProperty("applied").GetInt64().Should().Be(1);
        b.Kind.Should().Be("sync.ok");
        b.Payload.GetProperty("start_cursor").GetString().Should().Be("c1");
        b.Payload.GetProperty("applied").GetInt64().Should().Be(0);
        gate.PullCount.Should().Be(2);
    }

    [Fact]
    public async Task StopAsync_CommandInFlightAndTokenCancelled_CancelsItAndAnswersCancelled()
    {
        var gate = new GateSource("slow");
        await using var h = await ModuleHarness.StartAsync(s => s.AddSource(gate));
        var sync = await h.SendOnlyAsync("sync", new { source = "slow" });
        await gate.Entered;
        using var cts = new CancellationTokenSource();

        var stop = h.Module.StopAsync(cts.Token);
        var stoppedWhileBlocked = stop.IsCompleted;
        await cts.CancelAsync();
        await stop.WaitAsync(TimeSpan.FromSeconds(30));
        var answer = await ModuleHarness.Within(sync);

        stoppedWhileBlocked.Should().BeFalse();
        answer.Kind.Should().Be("sync.err");
        answer.ErrorCode.Should().Be(MirrorErrorCodes.Cancelled);
        h.Module.InFlightCount.Should().Be(0);
        (await h.Store.RecordCountsAsync()).Should().NotContainKey("slow");
    }

    [Fact]
    public async Task Command_PastTheCommandTimeout_IsCancelledAndAnsweredCommandTimeout_AndTheModuleKeepsServing()
    {
        var gate = new GateSource("slow");
        await using var h = await ModuleHarness.StartAsync(s => s.AddSource(gate), new MirrorModuleOptions { CommandTimeout = TimeSpan.FromMilliseconds(300) });

        var sync = await h.SendOnlyAsync("sync", new { source = "slow" });
        await gate.Entered;
        var answer = await ModuleHarness.Within(sync);
        var next = await h.SendAsync("counts");

        answer.Kind.Should().Be("sync.err");
        answer.ErrorCode.Should().Be(MirrorErrorCodes.CommandTimeout);
        answer.Payload.GetProperty("message").GetString().Should().Contain("command timeout of 0.3 s").And.Contain("MirrorModuleOptions.CommandTimeout");
        next.Kind.Should().Be("counts.ok");
        h.Module.InFlightCount.Should().Be(0);
        (await h.Store.RecordCountsAsync()).Should().NotContainKey("slow");
    }

    [Fact]
    public async Task StopAsync_Graceful_LetsInFlightCommandFinish()
    {
        var gate = new GateSource("slow");
        await using var h = await ModuleHarness.StartAsync(s => s.AddSource(gate));
        var sync = await h.SendOnlyAsync("sync", new { source = "slow" });
        await gate.Entered;

        var stop = h.Module.StopAsync();
        var stoppedWhileBlocked = stop.IsCompleted;
        gate.Release();
        await stop.WaitAsync(TimeSpan.FromSeconds(30));

        var answer = await ModuleHarness.Within(sync);

        stoppedWhileBlocked.Should().BeFalse();
        answer.Kind.Should().Be("sync.ok");
        h.Module.InFlightCount.Should().Be(0);
        (await h.Store.RecordCountsAsync())["slow"].Should().Be(1);
    }

    [Fact]
    public async Task StopAsync_ThenCommand_IsNotAnsweredAndSubscriptionIsClosed()
    {
        await using var h = await ModuleHarness.StartAsync();
        h.Bus.SubscriberCount.Should().Be(2);

        await h.Module.StopAsync();
        var late = await h.SendOnlyAsync("counts");
        var probe = await h.SendOnlyAsync("counts", target: "nobody");

        h.Bus.SubscriberCount.Should().Be(1);
        late.IsCompleted.Should().BeFalse();
        probe.IsCompleted.Should().BeFalse();
        h.Events.Should().BeEmpty();
    }
}
