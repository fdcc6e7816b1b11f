using System.Runtime.CompilerServices;

namespace OxideMirror.Tests.Kernel;

/// <summary>
/// An <see cref="InMemoryMessageBus"/> with a transport that can break: the test can make the open subscriptions throw,
/// or make publishing events throw; everything else is the real in-memory bus.
/// </summary>
internal sealed class FaultyBus : IMessageBus
{
    private readonly InMemoryMessageBus _inner = new();
    private readonly TaskCompletionSource<Exception> _subscriptionFault = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _subscriptionThrew = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Gets the real bus underneath, to publish commands and read answers the way a host would.</summary>
    public InMemoryMessageBus Inner => _inner;

    /// <summary>Gets or sets an exception thrown by every <see cref="PublishAsync"/> of an event, or null to publish normally.</summary>
    public Exception? PublishEventFault { get; set; }

    /// <summary>Gets a task that completes when a subscription has thrown the fault.</summary>
    public Task SubscriptionThrew => _subscriptionThrew.Task;

    public void BreakSubscriptions(Exception fault) => _subscriptionFault.TrySetResult(fault);

    public ValueTask PublishAsync(BusMessage message, CancellationToken cancellationToken = default) =>
        message is BusEvent && PublishEventFault is { } fault
            ? throw fault
            : _inner.PublishAsync(message, cancellationToken);

    public IAsyncEnumerable<BusMessage> SubscribeAsync(CancellationToken cancellationToken = default) =>
        ReadAsync(_inner.SubscribeAsync(cancellationToken), cancellationToken);

    private async IAsyncEnumerable<BusMessage> ReadAsync(IAsyncEnumerable<BusMessage> messages, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var stopReading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await using var reader = messages.GetAsyncEnumerator(stopReading.Token);
        while (true)
        {
            var next = reader.MoveNextAsync().AsTask();
            if (await Task.WhenAny(next, _subscriptionFault.Task) == _subscriptionFault.Task)
            {
                // End the inner read before disposing it (an async iterator cannot be disposed mid-read), then fail.
                await stopReading.CancelAsync();
                await next.ContinueWith(_ => { }, TaskScheduler.Default);
                _subscriptionThrew.TrySetResult();
                throw await _subscriptionFault.Task;
            }

            if (!await next)
            {
                yield break;
            }

            yield return reader.Current;
        }
    }
}
