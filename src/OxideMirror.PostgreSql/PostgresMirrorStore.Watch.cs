using System.Runtime.CompilerServices;

namespace OxideMirror.PostgreSql;

public sealed partial class PostgresMirrorStore
{
    /// <summary>
    /// Streams every applied change (not skipped or unchanged deltas) in log order as pages commit — in this process or
    /// any other — optionally for one resource, reading the log by position so that a slow consumer catches up instead of
    /// losing changes.
    /// </summary>
    /// <param name="fromPosition">
    /// The position to stream after: 0 for the whole log, a <see cref="RecordChange.Position"/> or
    /// <see cref="ChangeSet.Position"/> to resume, or <see langword="null"/> (the default) for the end of the log when
    /// enumeration starts, so that only changes committed afterwards are streamed.
    /// </param>
    /// <param name="resource">A resource to stream, or <see langword="null"/> (the default) for all.</param>
    /// <param name="cancellationToken">A token that ends the stream with an <see cref="OperationCanceledException"/>.</param>
    /// <returns>The changes, each with the record's state after it; the stream ends only by cancellation, disposal or an error.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fromPosition"/> is negative.</exception>
    /// <exception cref="ArgumentException"><paramref name="resource"/> is empty or white space.</exception>
    /// <exception cref="OperationCanceledException">The stream was cancelled (thrown while enumerating).</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed (thrown here, or while enumerating once the store is disposed).</exception>
    /// <exception cref="MirrorStorageException">Reading the log failed (thrown while enumerating).</exception>
    /// <remarks>
    /// <para>
    /// Thread-safe; any number of watchers may run. The log is the queue: the stream reads up to 500 applied events after
    /// its position, hands them over one by one holding no connection, and reads again. When it has caught up it waits
    /// on a connection of its own that <c>LISTEN</c>s to the mirror's channel; every page sends a <c>NOTIFY</c> in its
    /// transaction, which PostgreSQL delivers when the page commits, from whichever process wrote it. The watch listens
    /// before it reads, so a commit that lands between the read and the wait still wakes it.
    /// </para>
    /// <para>
    /// A notification only wakes the watch; what changed is always read from the log by position, so nothing is lost
    /// when a notification is: the watch also reads every <see cref="PostgresMirrorStoreOptions.WatchPollInterval"/>,
    /// and when its listening connection drops it reads the log and listens again on a new one.
    /// </para>
    /// </remarks>
    public IAsyncEnumerable<RecordChange> WatchAsync(long? fromPosition = null, string? resource = null, CancellationToken cancellationToken = default)
    {
        if (fromPosition is { } position)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(position, nameof(fromPosition));
        }

        if (resource is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(resource);
        }

        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return WatchCoreAsync(fromPosition, resource, cancellationToken);
    }

    private async IAsyncEnumerable<RecordChange> WatchCoreAsync(long? fromPosition, string? resource, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing.Token);
        var token = watching.Token;
        await using var listener = new PgLogListener(this, _listen, _channel, _options.WatchPollInterval);
        var position = fromPosition ?? await WatchStepAsync(() => GetPositionAsync(token), cancellationToken).ConfigureAwait(false);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();

            // Listen first: a page that commits after the read below notifies this connection.
            await WatchStepAsync(async () => { await listener.ListenAsync(token).ConfigureAwait(false); return true; }, cancellationToken).ConfigureAwait(false);
            var after = position;
            var page = await WatchStepAsync(
                () => ReadLogAsync("watching the log", (connection, transaction, t) => _log.AppliedAfterAsync(connection, transaction, after, resource, PgEventLog.WatchPageSize, t), token),
                cancellationToken).ConfigureAwait(false);
            foreach (var change in page.Changes)
            {
                yield return change;
            }

            position = page.Position;
            if (!page.HasMore)
            {
                await WatchStepAsync(async () => { await listener.WaitAsync(token).ConfigureAwait(false); return true; }, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Runs one step of a watch; a step that fails because the store is being disposed is an <see cref="ObjectDisposedException"/>.</summary>
    private async Task<T> WatchStepAsync<T>(Func<Task<T>> step, CancellationToken cancellationToken)
    {
        try
        {
            return await step().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or MirrorStorageException && !cancellationToken.IsCancellationRequested && Volatile.Read(ref _disposed) != 0)
        {
            throw new ObjectDisposedException(nameof(PostgresMirrorStore), "The store was disposed while a watch read its log. Open the store again and resume the watch from the last position it handed over.");
        }
    }
}
