using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace OxideMirror;

public sealed partial class MirrorStore
{
    private const long CompactionWindow = 100_000;

    /// <summary>Serialises rebuild, what-if replay and compaction with one another (writes only wait for the write gate).</summary>
    private readonly SemaphoreSlim _maintenanceGate = new(1, 1);

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
    public async Task<RebuildReport> RebuildRecordsAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        await _maintenanceGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                ThrowIfDisposed();
                cancellationToken.ThrowIfCancellationRequested();
                var started = Stopwatch.GetTimestamp();
                var now = _time.GetUtcNow();
                IReadOnlyList<ResourceTable> tables = [];
                SqliteTransaction? transaction = null;
                try
                {
                    transaction = _writer.BeginTransaction(deferred: false);
                    var (records, events, rebuilt) = LogRebuilder.Run(_writer, transaction, Timestamps.Write(now), cancellationToken);
                    tables = rebuilt;
                    cancellationToken.ThrowIfCancellationRequested();
                    transaction.Commit();
                    _catalog.Publish(tables.Select(t => (t.TableName, t.Resource, t.JsonColumns)).ToList(), [], [], now);
                    if (tables.Any(t => t.SchemaChanged))
                    {
                        _catalog.SchemaChanged();
                    }

                    var elapsed = Stopwatch.GetElapsedTime(started);
                    MaintenanceLog.Rebuilt(_logger, records, events, elapsed.TotalMilliseconds);
                    return new RebuildReport(records, events, elapsed);
                }
                catch (SqliteException ex)
                {
                    throw StorageFailure(ex, "rebuilding the records from the log");
                }
                finally
                {
                    foreach (var table in tables)
                    {
                        table.Dispose();
                    }

                    // The apply path caches resource tables and their prepared statements; the rebuild may have added
                    // tables or columns behind its back, so it reloads them on its next batch.
                    _records.RolledBack();
                    if (transaction is not null)
                    {
                        Transactions.End(_writer, transaction);
                    }
                }
            }
            finally
            {
                _writeGate.Release();
            }
        }
        finally
        {
            _maintenanceGate.Release();
        }
    }

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
    public async Task<ReplayReport> ReplayAsync(IConflictStrategy other, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(other);
        ThrowIfDisposed();
        await _maintenanceGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var started = Stopwatch.GetTimestamp();
            var last = await ReadAsync(
                (connection, _) => Task.FromResult(ReplayReader.LastPosition(connection)),
                cancellationToken).ConfigureAwait(false);
            using var replayer = new WhatIfReplayer(other);
            var after = 0L;
            while (after < last)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var from = after;
                var page = await ReadAsync((connection, _) => Task.FromResult(ReplayReader.ReadEvents(connection, from, last)), cancellationToken).ConfigureAwait(false);
                if (page.Count == 0)
                {
                    break;
                }

                foreach (var e in page)
                {
                    replayer.Replay(e);
                }

                after = page[^1].Seq;
            }

            var differences = replayer.Differences();
            var elapsed = Stopwatch.GetElapsedTime(started);
            MaintenanceLog.Replayed(_logger, replayer.EventsReplayed, other.Label, differences.Count, elapsed.TotalMilliseconds);
            return new ReplayReport(other.Label, replayer.EventsReplayed, replayer.Records, differences, elapsed);
        }
        finally
        {
            _maintenanceGate.Release();
        }
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
        ThrowIfDisposed();
        await _maintenanceGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var started = Stopwatch.GetTimestamp();
            var cutoff = policy.KeepFor is { } keepFor ? Timestamps.Write(_time.GetUtcNow() - keepFor) : null;
            LogCompactor? compactor = null;
            long bytesBefore = 0, removed = 0, snapshots = 0, min = 0, max = 0;
            try
            {
                await UnderWriteGateAsync(
                    "compacting the log (finding what to remove)",
                    () =>
                    {
                        compactor = new LogCompactor(_writer, cutoff, policy.KeepVersions);
                        bytesBefore = LogCompactor.DatabaseBytes(_writer);
                        (min, max) = compactor.Bounds();
                        compactor.FindCuts(max);
                    },
                    cancellationToken).ConfigureAwait(false);

                for (var after = min - 1; after < max; after += CompactionWindow)
                {
                    var from = after;
                    await UnderWriteGateAsync("compacting the log (writing snapshots)", () => snapshots += InTransaction(t => compactor!.WriteSnapshots(t, from, from + CompactionWindow)), cancellationToken).ConfigureAwait(false);
                }

                for (var after = min - 1; after < max; after += CompactionWindow)
                {
                    var from = after;
                    await UnderWriteGateAsync("compacting the log (removing events)", () => removed += InTransaction(t => compactor!.RemoveEvents(t, from, from + CompactionWindow, max)), cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                if (compactor is not null)
                {
                    await _writeGate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
                    try
                    {
                        if (Volatile.Read(ref _disposed) == 0)
                        {
                            try
                            {
                                compactor.Dispose();
                            }
                            catch (SqliteException ex)
                            {
                                // Only a temp table is left behind, which the next compaction drops first; the failure
                                // that ended this one (if any) is the one to report.
                                StoreLog.StorageFailed(_logger, "dropping the compaction's temp table", Path ?? "an in-memory database", ex.SqliteExtendedErrorCode);
                            }
                        }
                    }
                    finally
                    {
                        _writeGate.Release();
                    }
                }
            }

            var bytesAfter = 0L;
            await UnderWriteGateAsync(
                policy.ReclaimSpace ? "reclaiming the compacted log's space (VACUUM)" : "measuring the compacted log",
                () =>
                {
                    if (policy.ReclaimSpace)
                    {
                        LogCompactor.Vacuum(_writer, !_inMemory);
                    }

                    bytesAfter = LogCompactor.DatabaseBytes(_writer);
                },
                cancellationToken).ConfigureAwait(false);

            var elapsed = Stopwatch.GetElapsedTime(started);
            MaintenanceLog.Compacted(_logger, removed, snapshots, bytesBefore, bytesAfter, elapsed.TotalMilliseconds);
            return new CompactionReport(removed, snapshots, bytesBefore, bytesAfter, elapsed);
        }
        finally
        {
            _maintenanceGate.Release();
        }
    }

    /// <summary>Runs one compaction step in its own write transaction, and marks cached as-of snapshots stale once it commits.</summary>
    private long InTransaction(Func<SqliteTransaction, long> work)
    {
        var transaction = _writer.BeginTransaction(deferred: false);
        try
        {
            var result = work(transaction);
            transaction.Commit();
            if (result > 0)
            {
                Interlocked.Increment(ref _compactions);
            }

            return result;
        }
        finally
        {
            Transactions.End(_writer, transaction);
        }
    }

    /// <summary>Runs one step of maintenance under the write gate; <paramref name="doing"/> names it in a storage failure.</summary>
    private async Task UnderWriteGateAsync(string doing, Action work, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfDisposed();
            cancellationToken.ThrowIfCancellationRequested();
            work();
        }
        catch (SqliteException ex)
        {
            throw StorageFailure(ex, doing);
        }
        finally
        {
            _writeGate.Release();
        }
    }
}
