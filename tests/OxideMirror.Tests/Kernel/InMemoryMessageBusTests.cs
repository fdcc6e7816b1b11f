namespace OxideMirror.Tests.Kernel;

public sealed class InMemoryMessageBusTests
{
    [Fact]
    public async Task PublishAsync_TwoSubscribers_EachReceivesEveryMessageInOrder()
    {
        var bus = new InMemoryMessageBus();
        using var cts = new CancellationTokenSource();
        var a = bus.SubscribeAsync(cts.Token).GetAsyncEnumerator();
        var b = bus.SubscribeAsync(cts.Token).GetAsyncEnumerator();

        await bus.PublishAsync(BusCommand.Create("m", "one", correlationId: "1"));
        await bus.PublishAsync(BusCommand.Create("m", "two", correlationId: "2"));

        foreach (var e in new[] { a, b })
        {
            (await e.MoveNextAsync()).Should().BeTrue();
            e.Current.CorrelationId.Should().Be("1");
            (await e.MoveNextAsync()).Should().BeTrue();
            e.Current.CorrelationId.Should().Be("2");
        }

        await a.DisposeAsync();
        await b.DisposeAsync();
        bus.SubscriberCount.Should().Be(0);
    }

    [Fact]
    public async Task SubscribeAsync_Cancelled_EndsEnumerationAndUnsubscribes()
    {
        var bus = new InMemoryMessageBus();
        using var cts = new CancellationTokenSource();
        var reading = Task.Run(async () =>
        {
            var seen = 0;
            try
            {
                await foreach (var _ in bus.SubscribeAsync(cts.Token))
                {
                    seen++;
                }
            }
            catch (OperationCanceledException)
            {
            }

            return seen;
        });
        while (bus.SubscriberCount == 0)
        {
            await Task.Yield();
        }

        await bus.PublishAsync(BusCommand.Create("m", "one"));
        await cts.CancelAsync();
        await reading.WaitAsync(TimeSpan.FromSeconds(30));

        bus.SubscriberCount.Should().Be(0);
    }

    [Fact]
    public void BusCommand_Create_SerializesArgumentsAndAssignsCorrelationId()
    {
        var command = BusCommand.Create("mirror", "query", new { sql = "SELECT 1" });

        command.Payload.GetProperty("sql").GetString().Should().Be("SELECT 1");
        command.CorrelationId.Should().NotBeNullOrWhiteSpace();
        BusCommand.Create("mirror", "counts").Payload.ValueKind.Should().Be(System.Text.Json.JsonValueKind.Object);
    }

    [Fact]
    public void BusEvent_ErrorCode_ReadsCodeOfErrEventsOnly()
    {
        var err = new BusEvent("mirror", "query.err", ModuleHarness.Json("""{"code":"query_failed","message":"x"}"""), "1");
        var ok = new BusEvent("mirror", "query.ok", ModuleHarness.Json("""{"code":"query_failed"}"""), "1");

        err.ErrorCode.Should().Be("query_failed");
        ok.ErrorCode.Should().BeNull();
        ok.IsError.Should().BeFalse();
    }
}
