namespace OxideMirror;

public sealed partial class MirrorStore
{
    private const int MaxChangesLimit = 100_000;
    private const int DefaultChangesLimit = 1000;

    /// <summary>Gets the current end of the event log: the position of the newest event, or 0 when the log is empty.</summary>
    /// <param name="cancellationToken">A token to cancel the read.</param>
    /// <returns>The position; pass it to <see cref="GetChangesAsync(long, string?, int, CancellationToken)"/> or <see cref="WatchAsync"/> to start from now.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    /// <remarks>Thread-safe; reads on a read-only connection and sees committed batches only.</remarks>
    public Task<long> GetPositionAsync(CancellationToken cancellationToken = default) =>
        ReadAsync((connection, token) => EventReader.HeadAsync(connection, token), cancellationToken);

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
        var rows = await ReadAsync((connection, token) => EventReader.HistoryAsync(connection, resource, recordId, token), cancellationToken).ConfigureAwait(false);
        var changes = new List<RecordChange>(rows.Count);
        var state = default(System.Text.Json.JsonElement);
        foreach (var row in rows)
        {
            if (row.IsApplied)
            {
                state = EventReader.Parse(row.StateAfter);
            }

            changes.Add(row.ToChange(state));
        }

        return changes;
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
        return await ChangesAsync(lease.Reader.Connection, sincePosition, resource, limit, cancellationToken).ConfigureAwait(false);
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
        ValidateChangesArguments(resource, DefaultChangesLimit);
        ThrowIfDisposed();
        using var lease = await LeaseReaderAsync(cancellationToken).ConfigureAwait(false);
        var position = await EventReader.PositionAtAsync(lease.Reader.Connection, since, cancellationToken).ConfigureAwait(false);
        return await ChangesAsync(lease.Reader.Connection, position, resource, DefaultChangesLimit, cancellationToken).ConfigureAwait(false);
    }

    private static void ValidateChangesArguments(string? resource, int limit)
    {
        if (resource is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(resource);
        }

        if (limit is < 1 or > MaxChangesLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, "The limit must be between 1 and 100,000 events per page; read a larger backlog page by page.");
        }
    }

    private static async Task<ChangeSet> ChangesAsync(Microsoft.Data.Sqlite.SqliteConnection connection, long since, string? resource, int limit, CancellationToken cancellationToken)
    {
        var page = await EventReader.AppliedAfterAsync(connection, since, resource, limit, cancellationToken).ConfigureAwait(false);

        // Group the page's events by record, keeping each record's first and last event.
        var records = new Dictionary<(string, string), (EventReader.Row First, EventReader.Row Last, int Count)>();
        foreach (var row in page.Rows)
        {
            var key = (row.Resource, row.RecordId);
            records[key] = records.TryGetValue(key, out var seen) ? (seen.First, row, seen.Count + 1) : (row, row, 1);
        }

        var changes = new List<RecordChangeSummary>(records.Count);
        var counts = new Dictionary<string, ResourceChangeCounts>(StringComparer.Ordinal);
        foreach (var (first, last, count) in records.Values.OrderBy(r => r.Last.Seq))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var existed = first.Decision switch
            {
                LogVocabulary.Insert => false,
                LogVocabulary.Update or LogVocabulary.Merge => true,

                // A delete may be of a record never seen, and a snapshot says nothing of before: ask the log.
                _ => await EventReader.LiveBeforeAsync(connection, first.Resource, first.RecordId, first.Seq, cancellationToken).ConfigureAwait(false),
            };
            var state = last.StateAfter;
            var kind = state is null ? ChangeKind.Deleted : existed ? ChangeKind.Updated : ChangeKind.Inserted;
            changes.Add(new RecordChangeSummary
            {
                Resource = last.Resource,
                RecordId = last.RecordId,
                Kind = kind,
                ExistedAtStart = existed,
                Payload = EventReader.Parse(state),
                Version = last.Version,
                Source = last.Source,
                AppliedAt = Timestamps.Read(last.AppliedAt),
                LastPosition = last.Seq,
                ChangeCount = count,
            });
            counts.TryGetValue(last.Resource, out var c);
            counts[last.Resource] = kind switch
            {
                ChangeKind.Inserted => c with { Inserted = c.Inserted + 1 },
                ChangeKind.Updated => c with { Updated = c.Updated + 1 },
                _ => c with { Deleted = c.Deleted + 1 },
            };
        }

        return new ChangeSet { FromPosition = since, Position = page.Position, HasMore = page.HasMore, Changes = changes, Counts = counts };
    }
}
