namespace OxideMirror.Kernel;

/// <summary>
/// Carries commands and events between a host and its modules. The host implements it over its own transport, or
/// uses <see cref="InMemoryMessageBus"/>.
/// </summary>
/// <remarks>
/// Implementations must be thread-safe: modules publish from many tasks at once. Every subscriber receives every message
/// published after it subscribed, in publish order per publisher.
/// </remarks>
public interface IMessageBus
{
    /// <summary>Publishes a message to every current subscriber.</summary>
    /// <param name="message">The command or event.</param>
    /// <param name="cancellationToken">A token to stop waiting for room on a bounded transport.</param>
    /// <returns>A task that completes when the message was handed to the transport.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is null.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    ValueTask PublishAsync(BusMessage message, CancellationToken cancellationToken = default);

    /// <summary>
    /// Subscribes to every message published from now on. The subscription is registered when this method returns
    /// (before the first item is read), and ends when the enumeration ends or <paramref name="cancellationToken"/> fires.
    /// </summary>
    /// <param name="cancellationToken">A token that ends the subscription.</param>
    /// <returns>The messages, in the order they were published.</returns>
    IAsyncEnumerable<BusMessage> SubscribeAsync(CancellationToken cancellationToken = default);
}
