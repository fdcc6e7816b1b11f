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
        var outcome = await ApplyPageAsync([delta], strategy, cursor: null, passes: null, cancellationToken).ConfigureAwait(false);
        return outcome.Results[0];
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
        var outcome = await ApplyPageAsync(deltas!, strategy, cursor, passes: null, cancellationToken).ConfigureAwait(false);
        return outcome.Results;
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
        ApplyPageAsync([], LastWriteWins.Instance, new CursorUpdate(source, cursor, resource), passes: null, cancellationToken);

    /// <summary>
    /// The one write path (<see cref="StoreWriter.ApplyAsync"/>), which the syncer writes a page through: applies
    /// <paramref name="deltas"/>, then for each of <paramref name="passes"/> deletes the records of
    /// <paramref name="cursor"/>'s source that the pass did not list, then stores the cursor — in one transaction.
    /// </summary>
    internal Task<PageOutcome> ApplyPageAsync(IReadOnlyList<Delta> deltas, IConflictStrategy strategy, CursorUpdate? cursor, IReadOnlyList<CompletedPass>? passes, CancellationToken cancellationToken) =>
        _write.ApplyAsync(deltas, strategy, cursor, passes, cancellationToken);

    /// <summary>Logs a storage failure of the store's own work and builds the exception that names the file and the fix.</summary>
    private MirrorException StorageFailure(Microsoft.Data.Sqlite.SqliteException ex, string doing) => _write.StorageFailure(ex, doing);
}
