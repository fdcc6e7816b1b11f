namespace OxideMirror;

public sealed partial class MirrorStore
{
    /// <summary>Gets the current end of the event log: the position of the newest event, or 0 when the log is empty.</summary>
    /// <param name="cancellationToken">A token to cancel the read.</param>
    /// <returns>The position; pass it to <see cref="GetChangesAsync(long, string?, int, CancellationToken)"/> or <see cref="WatchAsync"/> to start from now.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    /// <remarks>Thread-safe; reads on a read-only connection and sees committed batches only.</remarks>
    public Task<long> GetPositionAsync(CancellationToken cancellationToken = default) =>
        ReadAsync((connection, token) => EventLog.PositionAsync(connection, token), cancellationToken);

    /// <summary>
    /// Gets every event logged for a record, in log order: applied, skipped and unchanged deltas, deletes and compaction
    /// snapshots, each with the incoming payload, the decision and the record's state afterwards.
    /// </summary>
    /// <param name="resource">The resource, for example <c>customers</c>.</param>
    /// <param name="recordId">The record's id.</param>
    /// <param name="cancellationToken">A token to cancel the read.</param>
    /// <returns>The record's history, oldest first; empty when the record was never seen.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="resource"/> or <paramref name="recordId"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="resource"/> or <paramref name="recordId"/> is empty or white space.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    /// <remarks>
    /// Thread-safe. One read through the log's <c>(resource, record_id)</c> index, in one statement, so it sees one
    /// committed state of the log. The whole history is loaded: for a record with a very long history, compact the log.
    /// </remarks>
    public async Task<IReadOnlyList<RecordChange>> GetHistoryAsync(string resource, string recordId, CancellationToken cancellationToken = default)
    {
        Ids.ThrowIfBlank(resource);
        Ids.ThrowIfBlank(recordId);
        return await ReadAsync((connection, token) => EventLog.HistoryAsync(connection, resource, recordId, token), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Gets what changed after a log position, as one page: the net change to each record (inserted, updated or deleted),
    /// and the position to pass next time.
    /// </summary>
    /// <param name="sincePosition">The position the caller has seen up to: 0 for everything, else the <see cref="ChangeSet.Position"/> of the previous page.</param>
    /// <param name="resource">A resource to report on, or <see langword="null"/> (the default) for all.</param>
    /// <param name="limit">The most applied events one page covers; the default is 1,000 and the most is 100,000.</param>
    /// <param name="cancellationToken">A token to cancel the read.</param>
    /// <returns>The page; when <see cref="ChangeSet.HasMore"/> is true, call again from its <see cref="ChangeSet.Position"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sincePosition"/> is negative, or <paramref name="limit"/> is not between 1 and 100,000.</exception>
    /// <exception cref="ArgumentException"><paramref name="resource"/> is empty or white space.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    /// <remarks>
    /// <para>
    /// Thread-safe. Reads applied events by position (a range scan on the log's primary key), so a page costs about its
    /// own size however long the log is; skipped and unchanged deltas are passed over. A page never splits a batch's
    /// visibility: the end of the log is read first and bounds the scan.
    /// </para>
    /// <para>
    /// The net rule compares each record's state at the start position with its state at the end position:
    /// absent then live is <see cref="ChangeKind.Inserted"/>; live then live is <see cref="ChangeKind.Updated"/> (even if
    /// the payload came back to what it was, or the record was deleted and re-created in between); live then absent is
    /// <see cref="ChangeKind.Deleted"/>. A record created and deleted after the start (or deleted without ever being
    /// seen) is reported as <see cref="ChangeKind.Deleted"/> with <see cref="RecordChangeSummary.ExistedAtStart"/> false,
    /// so a caller that keeps copies by id can remove it and one that reports changes can tell it was short-lived.
    /// The rule holds per page, so reading a backlog in several pages ends in the same state as reading it in one.
    /// </para>
    /// </remarks>
    public async Task<ChangeSet> GetChangesAsync(long sincePosition, string? resource = null, int limit = 1000, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sincePosition);
        ValidateChangesArguments(resource, limit);
        ThrowIfDisposed();
        using var lease = await LeaseReaderAsync(cancellationToken).ConfigureAwait(false);
        return await EventLog.ChangesAsync(lease.Reader.Connection, sincePosition, resource, limit, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Gets what changed after a time, as one page: the net change to each record applied after <paramref name="since"/>,
    /// and the position to pass to <see cref="GetChangesAsync(long, string?, int, CancellationToken)"/> next time.
    /// </summary>
    /// <param name="since">The applied time (the store's <see cref="MirrorStoreOptions.TimeProvider"/> at commit) to report changes after.</param>
    /// <param name="resource">A resource to report on, or <see langword="null"/> for all.</param>
    /// <param name="cancellationToken">A token to cancel the read.</param>
    /// <returns>The page; continue by position from its <see cref="ChangeSet.Position"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="resource"/> is empty or white space.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    /// <remarks>
    /// Thread-safe. The page covers at most 1,000 applied events; read on by position with any page size. The time is turned into the position of the last event applied at or before it, found by scanning
    /// back from the end of the log (as long as the events after that time, which the caller is about to read anyway).
    /// Applied times never go backwards (a batch committed while the store's clock reads earlier than the log's last applied time is stamped with that time), so the answer holds after the clock stepped back. The net rule
    /// is that of <see cref="GetChangesAsync(long, string?, int, CancellationToken)"/>.
    /// </remarks>
    public async Task<ChangeSet> GetChangesAsync(DateTimeOffset since, string? resource, CancellationToken cancellationToken)
    {
        ValidateChangesArguments(resource, EventLog.DefaultChangesLimit);
        ThrowIfDisposed();
        using var lease = await LeaseReaderAsync(cancellationToken).ConfigureAwait(false);
        return await EventLog.ChangesSinceAsync(lease.Reader.Connection, since, resource, EventLog.DefaultChangesLimit, cancellationToken).ConfigureAwait(false);
    }

    private static void ValidateChangesArguments(string? resource, int limit)
    {
        if (resource is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(resource);
        }

        if (limit is < 1 or > EventLog.MaxChangesLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, "The limit must be between 1 and 100,000 events per page; read a larger backlog page by page.");
        }
    }
}
