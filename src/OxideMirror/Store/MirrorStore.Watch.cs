using System.Runtime.CompilerServices;

namespace OxideMirror;

public sealed partial class MirrorStore
{
    /// <summary>
    /// Streams every applied change (not skipped or unchanged deltas) in log order as batches commit, optionally for one
    /// resource, reading the log by position so that a slow consumer catches up instead of losing changes.
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
    /// <remarks>
    /// <para>
    /// Thread-safe; any number of watchers may run. The log is the queue: the stream reads up to 500 applied events after
    /// its position on a read-only connection, hands them over one by one holding no connection or lock, and reads again.
    /// When it has caught up it waits for a signal that this store completes after every committed batch; it takes the
    /// signal before reading, so a commit that lands between the read and the wait still wakes it. Nothing is buffered
    /// for a watcher, so a slow one costs no memory and misses nothing: it simply reads further behind the head.
    /// </para>
    /// <para>
    /// The signal comes from this <see cref="MirrorStore"/> instance. Changes another process commits to the same file
    /// are streamed when this store next commits, or by a new call; poll <see cref="GetChangesAsync(long, string?, int, CancellationToken)"/> for those.
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

        ThrowIfDisposed();
        return WatchCoreAsync(fromPosition, resource, cancellationToken);
    }

    private async IAsyncEnumerable<RecordChange> WatchCoreAsync(long? fromPosition, string? resource, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var position = fromPosition ?? await GetPositionAsync(cancellationToken).ConfigureAwait(false);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();

            // Take the signal first: a batch committed after the read below completes this very task.
            var committed = _write.CommitSignal();
            var page = await ReadAsync((connection, token) => LogWatcher.ReadAsync(connection, position, resource, token), cancellationToken).ConfigureAwait(false);
            foreach (var change in page.Changes)
            {
                yield return change;
            }

            position = page.Position;
            if (!page.HasMore)
            {
                await committed.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
