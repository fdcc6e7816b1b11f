using System.Globalization;
using Npgsql;

namespace OxideMirror.PostgreSql;

public sealed partial class PostgresMirrorStore
{
    /// <summary>Applies one delta in its own transaction: the conflict strategy decides, the event is logged, the record changes.</summary>
    /// <param name="delta">The change to apply.</param>
    /// <param name="strategy">The conflict strategy that decides whether and how the change applies.</param>
    /// <param name="cancellationToken">A token to cancel; a cancelled write commits nothing.</param>
    /// <returns>What applying the delta did.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="delta"/> or <paramref name="strategy"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="strategy"/> has a null label.</exception>
    /// <exception cref="InvalidDeltaException">A field of <paramref name="delta"/> is invalid, or its payload is too large; nothing was written.</exception>
    /// <exception cref="SourceLockedException">Another worker holds the lock of the delta's source; nothing was written.</exception>
    /// <exception cref="MirrorStorageException">PostgreSQL failed; nothing was written.</exception>
    public async Task<AppliedDelta> ApplyAsync(Delta delta, IConflictStrategy strategy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(delta);
        var results = await ApplyPageAsync([delta], strategy, cursor: null, passes: null, cancellationToken).ConfigureAwait(false);
        return results[0];
    }

    /// <summary>
    /// Applies a page — its deltas in order, then for each completed pass the deletes of the records of the cursor's
    /// source that the pass did not list, then the cursor — in one transaction: all of it commits, or none of it. The
    /// write path the <see cref="Syncer"/> writes a page through, with the same semantics as the SQLite store's.
    /// </summary>
    /// <param name="deltas">The changes, applied in order.</param>
    /// <param name="strategy">The conflict strategy that decides whether and how each change applies.</param>
    /// <param name="cursor">A cursor to store in the same transaction, or <see langword="null"/>.</param>
    /// <param name="passes">The full passes the page completes (their unlisted records are deleted), or <see langword="null"/>.</param>
    /// <param name="cancellationToken">A token to cancel; a cancelled page commits nothing.</param>
    /// <returns>What each delta did, in order, followed by what each delete of an unlisted record did.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="deltas"/>, one of its items, or <paramref name="strategy"/> is null.</exception>
    /// <exception cref="ArgumentException">The cursor's source or resource is empty, a value has an unpaired surrogate, passes come without a cursor, or the strategy has a null label.</exception>
    /// <exception cref="InvalidDeltaException">A delta is invalid, or its payload is too large; nothing of the page was written.</exception>
    /// <exception cref="SourceLockedException">Another worker holds the lock of a source the page writes; nothing was written.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; nothing was written.</exception>
    /// <exception cref="MirrorStorageException">PostgreSQL failed; nothing of the page was written.</exception>
    public async Task<IReadOnlyList<AppliedDelta>> ApplyPageAsync(IReadOnlyList<Delta> deltas, IConflictStrategy strategy, CursorUpdate? cursor = null, IReadOnlyList<CompletedPass>? passes = null, CancellationToken cancellationToken = default)
    {
        var outcome = await WritePageAsync(deltas, strategy, cursor, passes, cancellationToken).ConfigureAwait(false);
        return outcome.Results;
    }

    /// <summary>Checks a page, then writes it in one transaction on a pooled connection of its own.</summary>
    internal async Task<PageOutcome> WritePageAsync(IReadOnlyList<Delta> deltas, IConflictStrategy strategy, CursorUpdate? cursor, IReadOnlyList<CompletedPass>? passes, CancellationToken cancellationToken)
    {
        PgPageWriter.Check(deltas, strategy, cursor, passes);
        await using var connection = await OpenConnectionAsync(Doing(deltas, cursor), cancellationToken).ConfigureAwait(false);
        return await WritePageAsync(connection, deltas, strategy, cursor, passes, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stores a source's cursor on its own, in one transaction.</summary>
    /// <param name="source">The source's id.</param>
    /// <param name="cursor">The cursor; <see langword="null"/> clears it so the next sync starts from the beginning.</param>
    /// <param name="resource">The resource the cursor belongs to, or <c>"*"</c> (the default) for the whole source.</param>
    /// <param name="cancellationToken">A token to cancel.</param>
    /// <returns>A task that completes when the cursor is committed.</returns>
    /// <exception cref="ArgumentException"><paramref name="source"/> or <paramref name="resource"/> is empty or white space.</exception>
    /// <exception cref="SourceLockedException">Another worker holds the source's lock; nothing was written.</exception>
    /// <exception cref="MirrorStorageException">PostgreSQL failed; nothing was written.</exception>
    public Task SetCursorAsync(string source, string? cursor, string resource = "*", CancellationToken cancellationToken = default) =>
        ApplyPageAsync([], LastWriteWins.Instance, new CursorUpdate(source, cursor, resource), passes: null, cancellationToken);

    /// <summary>
    /// Takes a source's sync lock for a whole sync: a session-level advisory lock on a connection of its own, held until
    /// the lease is disposed or its connection ends (a crashed worker's lock goes with its connection). While it is held,
    /// only the lease writes the source's pages; every other writer's page of that source is refused.
    /// </summary>
    /// <param name="source">The source's id.</param>
    /// <param name="cancellationToken">A token to cancel.</param>
    /// <returns>The lease; dispose it when the sync ends.</returns>
    /// <exception cref="ArgumentException"><paramref name="source"/> is empty or white space.</exception>
    /// <exception cref="SourceLockedException">Another worker holds the source's lock.</exception>
    /// <exception cref="MirrorStorageException">PostgreSQL could not be reached.</exception>
    public async Task<PostgresSourceLease> LockSourceAsync(string source, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        var connection = await OpenOnAsync(_leases, $"locking source '{source}'", cancellationToken).ConfigureAwait(false);
        try
        {
            var key = PgLocks.SourceKey(_lockScope, source);
            var locked = await PgSql.ScalarAsync(connection, null, "SELECT pg_try_advisory_lock(hashtextextended($1, 0))", cancellationToken, key).ConfigureAwait(false);
            if (locked is not true)
            {
                throw new SourceLockedException(source, Schema);
            }

            return new PostgresSourceLease(this, connection, source, key);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Writes a checked page on <paramref name="connection"/> in one transaction.</summary>
    internal async Task<PageOutcome> WritePageAsync(NpgsqlConnection connection, IReadOnlyList<Delta> deltas, IConflictStrategy strategy, CursorUpdate? cursor, IReadOnlyList<CompletedPass>? passes, CancellationToken cancellationToken)
    {
        using var writer = new PgPageWriter(_options, _lockScope);
        try
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            // The page ends with its tail (commit-ordered log positions and the watchers' NOTIFY, delivered by the commit).
            var outcome = await writer.ApplyAsync(connection, transaction, deltas, strategy, cursor, passes, Now(), cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return outcome;
        }
        catch (PostgresException ex) when (ex.SqlState != "57014")
        {
            throw Failure(ex, Doing(deltas, cursor));
        }
        catch (NpgsqlException ex) when (ex is not PostgresException && !cancellationToken.IsCancellationRequested && connection.FullState != System.Data.ConnectionState.Open)
        {
            throw new MirrorStorageException($"The connection to PostgreSQL was lost while {Doing(deltas, cursor)} in schema '{Schema}' ({ex.Message}); nothing of the page was written. Retry once the server is reachable: a sync resumes from its stored cursor.", MirrorStorageFailure.Other, path: null, ex);
        }
    }

    private static string Doing(IReadOnlyList<Delta> deltas, CursorUpdate? cursor) => (deltas?.Count ?? 0, cursor) switch
    {
        (0, { } c) => $"storing the cursor of source '{c.Source}'",
        (var n, { } c) => string.Create(CultureInfo.InvariantCulture, $"applying a batch of {n} delta(s) with the cursor of source '{c.Source}'"),
        (var n, _) => string.Create(CultureInfo.InvariantCulture, $"applying a batch of {n} delta(s)"),
    };
}
