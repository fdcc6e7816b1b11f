using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace OxideMirror;

public sealed partial class MirrorStore
{
    /// <summary>Applies one delta in its own transaction: the conflict strategy decides, the event is logged, the record changes.</summary>
    /// <param name="delta">The change to apply.</param>
    /// <param name="strategy">The conflict strategy that decides whether and how the change applies.</param>
    /// <param name="cancellationToken">A token to cancel before the write starts.</param>
    /// <returns>What applying the delta did.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="delta"/> or <paramref name="strategy"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="strategy"/> has a null label.</exception>
    /// <exception cref="InvalidDeltaException">A field of <paramref name="delta"/> is invalid, or its payload is larger than <see cref="MirrorStoreOptions.MaxPayloadBytes"/>; nothing was written.</exception>
    /// <exception cref="MirrorStorageException">The file cannot be written (read-only, disk full, or locked by another process past <see cref="MirrorStoreOptions.BusyTimeout"/>); nothing was written and the store stays usable.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public async Task<AppliedDelta> ApplyAsync(Delta delta, IConflictStrategy strategy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(delta);
        var results = new List<AppliedDelta>(1);
        await ApplyBatchCoreAsync([delta], strategy, cursor: null, results, passes: null, missing: null, cancellationToken).ConfigureAwait(false);
        return results[0];
    }

    /// <summary>
    /// Applies a batch of deltas and, optionally, advances a cursor, in one transaction: all of it commits, or none of it.
    /// </summary>
    /// <param name="deltas">The changes, applied in order.</param>
    /// <param name="strategy">The conflict strategy that decides whether and how each change applies.</param>
    /// <param name="cursor">A cursor to store in the same transaction, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">A token to cancel; a cancelled batch commits nothing.</param>
    /// <returns>What applying each delta did, in the batch's order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="deltas"/>, one of its items, or <paramref name="strategy"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="cursor"/> has an empty or white-space source or resource, a value with an unpaired surrogate, or <paramref name="strategy"/> has a null label.</exception>
    /// <exception cref="InvalidDeltaException">A delta is invalid, or its payload is larger than <see cref="MirrorStoreOptions.MaxPayloadBytes"/>; nothing of the batch was written.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; nothing of the batch was written.</exception>
    /// <exception cref="MirrorStorageException">The file cannot be written (read-only, disk full, or locked by another process past <see cref="MirrorStoreOptions.BusyTimeout"/>); nothing was written and the store stays usable.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public async Task<IReadOnlyList<AppliedDelta>> ApplyBatchAsync(IReadOnlyList<Delta> deltas, IConflictStrategy strategy, CursorUpdate? cursor = null, CancellationToken cancellationToken = default)
    {
        var results = new List<AppliedDelta>(deltas?.Count ?? 0);
        await ApplyBatchCoreAsync(deltas!, strategy, cursor, results, passes: null, missing: null, cancellationToken).ConfigureAwait(false);
        return results;
    }

    /// <summary>Stores a source's cursor on its own, in one transaction.</summary>
    /// <param name="source">The source's id.</param>
    /// <param name="cursor">The cursor; <see langword="null"/> clears it so the next sync starts from the beginning.</param>
    /// <param name="resource">The resource the cursor belongs to, or <c>"*"</c> (the default) for the whole source.</param>
    /// <param name="cancellationToken">A token to cancel before the write starts.</param>
    /// <returns>A task that completes when the cursor is committed.</returns>
    /// <exception cref="ArgumentException"><paramref name="source"/> or <paramref name="resource"/> is empty or white space.</exception>
    /// <exception cref="MirrorStorageException">The file cannot be written (read-only, disk full, or locked by another process past <see cref="MirrorStoreOptions.BusyTimeout"/>); nothing was written and the store stays usable.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public Task SetCursorAsync(string source, string? cursor, string resource = "*", CancellationToken cancellationToken = default) =>
        ApplyBatchCoreAsync([], LastWriteWins.Instance, new CursorUpdate(source, cursor, resource), results: null, passes: null, missing: null, cancellationToken);

    /// <summary>
    /// The one write path: applies <paramref name="deltas"/>, then for each of <paramref name="passes"/> deletes the records
    /// of <paramref name="cursor"/>'s source that the pass did not list (adding each delete to <paramref name="missing"/>
    /// and its result to <paramref name="results"/> after the deltas' own), then stores the cursor — in one transaction.
    /// </summary>
    internal async Task ApplyBatchCoreAsync(IReadOnlyList<Delta> deltas, IConflictStrategy strategy, CursorUpdate? cursor, List<AppliedDelta>? results, IReadOnlyList<CompletedPass>? passes, List<Delta>? missing, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deltas);
        ArgumentNullException.ThrowIfNull(strategy);
        if (strategy.Label is null)
        {
            throw new ArgumentException($"The conflict strategy of type {strategy.GetType().FullName} has a null Label. Return a short name such as \"last-write-wins\" from Label: it is stored with every change the strategy decides.", nameof(strategy));
        }

        if (passes is { Count: > 0 } && cursor is null)
        {
            throw new ArgumentException("Completed passes need the cursor of the source whose records they cover.", nameof(cursor));
        }

        if (cursor is not null)
        {
            Ids.ThrowIfBlank(cursor.Source, "cursor.Source");
            Ids.ThrowIfBlank(cursor.Resource, "cursor.Resource");
            CheckUtf16(cursor.Source, "cursor.Source");
            CheckUtf16(cursor.Resource, "cursor.Resource");
            CheckUtf16(cursor.Cursor, "cursor.Cursor");
        }

        for (var i = 0; i < deltas.Count; i++)
        {
            var delta = deltas[i] ?? throw new ArgumentNullException(nameof(deltas), $"Delta {i} of the batch is null. Remove it or replace it with a delta.");
            delta.Validate(deltas.Count == 1 && cursor is null ? -1 : i);
        }

        ThrowIfDisposed();
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfDisposed();
            cancellationToken.ThrowIfCancellationRequested();
            var started = Stopwatch.GetTimestamp();
            // Applied times never go backwards, whatever the clock does (an NTP step, a restored VM): time travel,
            // changes since a time and compaction by age all read the log's applied times as its order.
            var now = _time.GetUtcNow();
            if (now < _lastAppliedAt)
            {
                now = _lastAppliedAt;
            }

            var appliedAt = Timestamps.Write(now);
            SqliteTransaction? transaction = null;
            var committed = false;
            try
            {
                transaction = _writer.BeginTransaction(deferred: false);
                _records.Begin(transaction);
                for (var i = 0; i < deltas.Count; i++)
                {
                    if ((i & 255) == 255)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                    }

                    var result = _records.Apply(deltas[i], strategy, appliedAt, deltas.Count == 1 && cursor is null ? -1 : i);
                    results?.Add(result);
                }

                if (passes is not null)
                {
                    foreach (var pass in passes)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        _records.ApplyMissing(pass, cursor!.Source, deltas, strategy, appliedAt, now, results, missing);
                    }
                }

                if (cursor is not null)
                {
                    _records.SetCursor(cursor, appliedAt);
                }

                _records.Finish(appliedAt);
                cancellationToken.ThrowIfCancellationRequested();
                transaction.Commit();
                committed = true;
                _lastAppliedAt = now;
                _records.Committed(now);
                SignalCommitted();
            }
            catch (SqliteException ex)
            {
                throw StorageFailure(ex, Doing(deltas.Count, cursor));
            }
            finally
            {
                if (!committed)
                {
                    _records.RolledBack();
                }

                if (transaction is not null)
                {
                    Transactions.End(_writer, transaction);
                }
            }

            if (_logger.IsEnabled(LogLevel.Debug))
            {
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                StoreLog.BatchCommitted(_logger, deltas.Count, cursor?.Source, elapsed);
            }
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Logs a storage failure of the store's own work and builds the exception that names the file and the fix.</summary>
    private MirrorException StorageFailure(SqliteException ex, string doing)
    {
        StoreLog.StorageFailed(_logger, doing, Path ?? "an in-memory database", ex.SqliteExtendedErrorCode);
        return StorageErrors.Translate(ex, Path, doing, _options.BusyTimeout);
    }

    private static string Doing(int deltas, CursorUpdate? cursor) => (deltas, cursor) switch
    {
        (0, { } c) => $"storing the cursor of source '{c.Source}'",
        (_, { } c) => string.Create(CultureInfo.InvariantCulture, $"applying a batch of {deltas} delta(s) with the cursor of source '{c.Source}'"),
        _ => string.Create(CultureInfo.InvariantCulture, $"applying a batch of {deltas} delta(s)"),
    };

    private static void CheckUtf16(string? value, string parameter)
    {
        var position = Utf16Text.FindUnpairedSurrogate(value);
        if (position >= 0)
        {
            throw new ArgumentException($"The {parameter} {Utf16Text.Describe(value!, position)}, so a later read would not return it as it was given. Replace the unpaired surrogate, or encode the value (for example as Base64).", parameter);
        }
    }
}
