using Npgsql;

namespace OxideMirror.PostgreSql;

/// <summary>
/// A source's sync lock in a shared mirror (<see cref="PostgresMirrorStore.LockSourceAsync"/>): a session-level advisory
/// lock on a connection of its own, through which the holder writes the source's pages. Released on dispose, or by
/// PostgreSQL when the connection ends, so a crashed worker never blocks the source.
/// </summary>
/// <remarks>Not thread-safe: one sync writes through a lease, page after page.</remarks>
public sealed class PostgresSourceLease : SourceLease
{
    private readonly PostgresMirrorStore _store;
    private readonly NpgsqlConnection _connection;
    private readonly string _key;
    private readonly SemaphoreSlim _writing = new(1, 1);
    private int _disposed;

    internal PostgresSourceLease(PostgresMirrorStore store, NpgsqlConnection connection, string source, string key)
        : base(source)
    {
        _store = store;
        _connection = connection;
        _key = key;
        Writer = new LeaseWriter(this);
    }

    /// <summary>
    /// Gets the lease's writer side, for a <see cref="Syncer"/> that syncs the lease's source with its lock held for the
    /// whole sync (<c>new Syncer(lease.Writer).SyncAsync(source)</c>): pages go through the lease's connection, cursors
    /// are read from the store. Pages of another source are refused with an <see cref="ArgumentException"/>.
    /// </summary>
    public override MirrorWriter Writer { get; }

    /// <summary>Gets the server's process id of the lease's connection (the session that holds the lock).</summary>
    public int ProcessId => _connection.ProcessID;

    /// <summary>Applies a page of the source through the lease's connection, as <see cref="PostgresMirrorStore.ApplyPageAsync"/> does.</summary>
    /// <param name="deltas">The changes, applied in order.</param>
    /// <param name="strategy">The conflict strategy.</param>
    /// <param name="cursor">The source's cursor to store with the page, or <see langword="null"/>.</param>
    /// <param name="passes">The full passes the page completes, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">A token to cancel; a cancelled page commits nothing.</param>
    /// <returns>What each delta did.</returns>
    /// <exception cref="ArgumentException"><paramref name="cursor"/> names another source than the lease's, or the page is invalid as <see cref="PostgresMirrorStore.ApplyPageAsync"/> says.</exception>
    /// <exception cref="InvalidDeltaException">A delta is invalid; nothing was written.</exception>
    /// <exception cref="ObjectDisposedException">The lease was disposed.</exception>
    /// <exception cref="MirrorStorageException">PostgreSQL failed, or the lease's connection was lost (its lock with it); nothing was written.</exception>
    public async Task<IReadOnlyList<AppliedDelta>> ApplyPageAsync(IReadOnlyList<Delta> deltas, IConflictStrategy strategy, CursorUpdate? cursor = null, IReadOnlyList<CompletedPass>? passes = null, CancellationToken cancellationToken = default) =>
        (await WritePageAsync(deltas, strategy, cursor, passes, cancellationToken).ConfigureAwait(false)).Results;

    /// <summary>Checks a page of the lease's source and writes it through the lease's connection.</summary>
    private async Task<PageOutcome> WritePageAsync(IReadOnlyList<Delta> deltas, IConflictStrategy strategy, CursorUpdate? cursor, IReadOnlyList<CompletedPass>? passes, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (cursor is not null && !string.Equals(cursor.Source, Source, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The lease holds source '{Source}' but the cursor is of source '{cursor.Source}'. Write each source's pages through its own lease.", nameof(cursor));
        }

        PgPageWriter.Check(deltas, strategy, cursor, passes);
        try
        {
            return await _store.WritePageAsync(_connection, deltas, strategy, cursor, passes, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException and not PostgresException || ex is MirrorStorageException { InnerException: NpgsqlException and not PostgresException })
        {
            throw new MirrorStorageException($"The connection holding the lock of source '{Source}' was lost ({ex.Message}); nothing of the page was written and the lock is gone. Take a new lease and resume the sync from its stored cursor.", MirrorStorageFailure.Other, path: null, ex);
        }
    }

    /// <summary>Releases the lock and closes the lease's connection.</summary>
    /// <returns>A task that completes when the lock is released.</returns>
    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // The lock is released on the server before the connection closes: closing only asks the session to end, and its
        // backend frees the lock after the client has gone, so a sync started right after this one could still be refused.
        // If the connection is already broken, the session's end releases the lock.
        if (_connection.FullState == System.Data.ConnectionState.Open)
        {
            try
            {
                await PgSql.ExecuteAsync(_connection, null, PgLocks.UnlockSql, CancellationToken.None, _key).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
            {
                // Broken, or still busy with a page disposed under it: closing below ends the session instead.
            }
        }

        // Closing the (unpooled) connection ends the session, and with it any lock it still holds.
        await _connection.DisposeAsync().ConfigureAwait(false);
        _writing.Dispose();
    }

    /// <summary>
    /// The lease's <see cref="MirrorWriter"/>: the store's cursors, and pages through the lease's connection, one at a
    /// time (a connection runs one command at once), which makes it thread-safe as the contract asks.
    /// </summary>
    private sealed class LeaseWriter(PostgresSourceLease lease) : MirrorWriter
    {
        public override Task<string?> GetCursorAsync(string source, string resource = "*", CancellationToken cancellationToken = default) =>
            lease._store.GetCursorAsync(source, resource, cancellationToken);

        /// <summary>Needs no further lock for the lease's own source (the lease holds it); refuses another source.</summary>
        public override Task<SourceLease?> LockSourceAsync(string source, CancellationToken cancellationToken = default)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(source);
            return string.Equals(source, lease.Source, StringComparison.Ordinal)
                ? Task.FromResult<SourceLease?>(null)
                : throw new ArgumentException($"The lease holds source '{lease.Source}', not '{source}'. Sync each source through its own lease, or through the store's Writer, which takes the lease itself.", nameof(source));
        }

        public override Task<PageOutcome> ApplyPageAsync(IReadOnlyList<Delta> deltas, IConflictStrategy strategy, CursorUpdate? cursor = null, IReadOnlyList<CompletedPass>? passes = null, CancellationToken cancellationToken = default) =>
            WriteOneAtATimeAsync(deltas, strategy, cursor, passes, cancellationToken);

        private async Task<PageOutcome> WriteOneAtATimeAsync(IReadOnlyList<Delta> deltas, IConflictStrategy strategy, CursorUpdate? cursor, IReadOnlyList<CompletedPass>? passes, CancellationToken cancellationToken)
        {
            await lease._writing.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return await lease.WritePageAsync(deltas, strategy, cursor, passes, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                lease._writing.Release();
            }
        }
    }
}
