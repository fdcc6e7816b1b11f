using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace OxideMirror.Kernel;

/// <summary>
/// Carries messages in process over one unbounded <see cref="Channel{T}"/> per subscriber: for hosts that run their
/// modules in one process, for samples, and for tests.
/// </summary>
/// <remarks>This type is thread-safe. A subscriber that stops reading keeps its messages queued until it unsubscribes.</remarks>
public sealed class InMemoryMessageBus : IMessageBus
{
    private readonly Lock _gate = new();
    private readonly List<Channel<BusMessage>> _subscribers = [];

    /// <summary>Gets how many subscriptions are open.</summary>
    public int SubscriberCount
    {
        get
        {
            lock (_gate)
            {
                return _subscribers.Count;
            }
        }
    }

    /// <summary>Publishes a message to every current subscriber without waiting: each subscriber's channel is unbounded.</summary>
    /// <param name="message">The command or event.</param>
    /// <param name="cancellationToken">A token checked before publishing.</param>
    /// <returns>A completed task.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is null.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public ValueTask PublishAsync(BusMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            foreach (var subscriber in _subscribers)
            {
                subscriber.Writer.TryWrite(message);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public IAsyncEnumerable<BusMessage> SubscribeAsync(CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateUnbounded<BusMessage>(new UnboundedChannelOptions { SingleReader = true });
        lock (_gate)
        {
            _subscribers.Add(channel);
        }

        return ReadAsync(channel, cancellationToken);
    }

    private async IAsyncEnumerable<BusMessage> ReadAsync(Channel<BusMessage> channel, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        try
        {
            while (await channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (channel.Reader.TryRead(out var message))
                {
                    yield return message;
                }
            }
        }
        finally
        {
            lock (_gate)
            {
                _subscribers.Remove(channel);
            }

            channel.Writer.TryComplete();
        }
    }
}
