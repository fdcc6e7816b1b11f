namespace OxideMirror;

public sealed partial class MirrorStore
{
    /// <summary>
    /// Rebuilds <c>mirror_records</c> and every resource table from the event log, in one write transaction: for each
    /// record, its last applied event (a compaction snapshot included) gives its payload, source, confidence, event time,
    /// version, last-synced time and tombstone.
    /// </summary>
    /// <param name="cancellationToken">A token to cancel; a cancelled rebuild rolls back and changes nothing.</param>
    /// <returns>How many records were rebuilt from how many events, and how long it took.</returns>
    /// <remarks>
    /// Thread-safe: the rebuild holds the store's write lock for its whole transaction, so writes wait for it and
    /// readers of a file store see the old state until it commits. It also waits for a running replay or compaction.
    /// Resource tables keep their columns (a column is never dropped); resources first seen in the log get a table.
    /// </remarks>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; nothing changed.</exception>
    /// <exception cref="MirrorStorageException">The file cannot be written (read-only, disk full, or locked by another process past <see cref="MirrorStoreOptions.BusyTimeout"/>); the rebuild rolled back and nothing changed.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public Task<RebuildReport> RebuildRecordsAsync(CancellationToken cancellationToken = default) =>
        MeasuredAsync(compaction: false, () => LogRebuilder.RebuildAsync(_write, _logger, cancellationToken));

    /// <summary>
    /// Replays every logged delta, applied or not, through another conflict strategy, without changing the store, and
    /// reports the records whose payload or deletion would differ, with both states and where the histories diverged.
    /// </summary>
    /// <param name="other">The strategy to replay with.</param>
    /// <param name="cancellationToken">A token to cancel the replay.</param>
    /// <returns>The differences, in (resource, record id) order, and how many events and records were replayed.</returns>
    /// <remarks>
    /// <para>
    /// The log is read on a read-only connection, in seq order, <c>2,000</c> events per read, up to the newest event
    /// when the replay starts; writes go on meanwhile. A compaction <c>snapshot</c> event is taken as given, so
    /// differences that arose before it are not seen. Deltas dropped as duplicates were never logged and are not replayed.
    /// </para>
    /// <para>
    /// Memory: one entry per record in the log, holding the record's current compact JSON payload (shared with the
    /// what-if state while both agree, a second copy only for records whose states differ) and about 200 bytes of keys
    /// and fields, so roughly records × (payload + 200 bytes); the log itself is never held.
    /// </para>
    /// <para>Thread-safe; waits for a running rebuild or compaction, and keeps them waiting while it runs.</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="other"/> is null.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="other"/> returned <see langword="null"/> for a delta.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public Task<ReplayReport> ReplayAsync(IConflictStrategy other, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(other);
        ThrowIfDisposed();
        return WhatIfReplayer.RunAsync(_write, _readers, other, _logger, cancellationToken);
    }

    /// <summary>
    /// Removes the events a retention policy does not keep, collapsing each record's removed history into one
    /// <c>snapshot</c> event so that a rebuild still yields the current state, then reclaims the freed space.
    /// </summary>
    /// <param name="policy">Which events to keep.</param>
    /// <param name="cancellationToken">A token to cancel between steps; the steps already committed stay, and the log still rebuilds the current state.</param>
    /// <returns>How many events were removed and snapshots written, and the database's size before and after.</returns>
    /// <remarks>
    /// <para>
    /// A record's snapshot takes the place (seq and applied time) of its newest removed applied event and holds the state
    /// that event produced (payload, source, confidence, event time, version); a deleted record keeps a snapshot with
    /// no payload as its tombstone, however old, so a deletion is never forgotten. Skipped and unchanged events the
    /// policy does not keep are removed. The newest event of the log is always kept, so seqs are never reused.
    /// </para>
    /// <para>
    /// Removed events take their delta ids with them: a delta re-sent with the id of a removed event is applied again
    /// rather than dropped as a duplicate. Pick a retention longer than any source re-sends.
    /// </para>
    /// <para>
    /// The work runs in short write transactions (snapshots, then deletes in windows of 100,000 seqs), releasing the write
    /// lock between them so syncs go on; with <see cref="RetentionPolicy.ReclaimSpace"/> a full <c>VACUUM</c> follows
    /// (it holds the write lock and rewrites the database, through the WAL for a file), then a WAL checkpoint that
    /// truncates it. Thread-safe; waits for a running rebuild or replay, and keeps them waiting while it runs.
    /// </para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="policy"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="policy"/> sets neither a time nor a version count.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="policy"/> has a negative time or version count.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="MirrorStorageException">The file cannot be written (read-only, disk full, or locked by another process past <see cref="MirrorStoreOptions.BusyTimeout"/>); the step that failed rolled back, the steps already committed stay, and the log still rebuilds the current state.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public async Task<CompactionReport> CompactAsync(RetentionPolicy policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        policy.Validate(nameof(policy));
        return await MeasuredAsync(compaction: true, () => LogCompactor.CompactAsync(_write, policy, _time, _logger, cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Runs a compaction or a rebuild, recording its duration (and a failure's error type) on its histogram.</summary>
    private async Task<T> MeasuredAsync<T>(bool compaction, Func<Task<T>> work)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            var result = await work().ConfigureAwait(false);
            Telemetry.Instruments.MaintenanceEnded(compaction, Telemetry.Name, started, null);
            return result;
        }
        catch (Exception ex)
        {
            Telemetry.Instruments.MaintenanceEnded(compaction, Telemetry.Name, started, ex);
            throw;
        }
    }
}
