using System.Data;
using Npgsql;

namespace OxideMirror.PostgreSql;

public sealed partial class PostgresMirrorStore
{
    /// <summary>Gets the current end of the event log: the position of the newest committed event, or 0 when the log is empty.</summary>
    /// <param name="cancellationToken">A token to cancel the read.</param>
    /// <returns>The position; pass it to <see cref="GetChangesAsync(long, string?, int, CancellationToken)"/> or <see cref="WatchAsync"/> to start from now.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    /// <exception cref="MirrorStorageException">PostgreSQL failed or could not be reached.</exception>
    /// <remarks>
    /// Thread-safe. Positions follow commit order: every event at or before the returned position is committed and
    /// readable, and every event committed later gets a greater position.
    /// </remarks>
    public Task<long> GetPositionAsync(CancellationToken cancellationToken = default) =>
        ReadLogAsync("reading the log's position", (connection, transaction, token) => _log.PositionAsync(connection, transaction, token), cancellationToken);

    /// <summary>
    /// Gets every event logged for a record, in log order: applied, skipped and unchanged deltas and deletes, each with
    /// the incoming payload, the decision and the record's state afterwards.
    /// </summary>
    /// <param name="resource">The resource, for example <c>customers</c>.</param>
    /// <param name="recordId">The record's id.</param>
    /// <param name="cancellationToken">A token to cancel the read.</param>
    /// <returns>The record's history, oldest first; empty when the record was never seen.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="resource"/> or <paramref name="recordId"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="resource"/> or <paramref name="recordId"/> is empty or white space.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    /// <exception cref="MirrorStorageException">PostgreSQL failed or could not be reached.</exception>
    /// <remarks>Thread-safe. One statement through the log's <c>(resource, record_id, position)</c> index, so it sees one committed state of the log.</remarks>
    public Task<IReadOnlyList<RecordChange>> GetHistoryAsync(string resource, string recordId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(resource);
        ArgumentException.ThrowIfNullOrWhiteSpace(recordId);
        return ReadLogAsync($"reading the history of record {resource}/{recordId}", (connection, _, token) => _log.HistoryAsync(connection, resource, recordId, token), cancellationToken);
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
    /// <exception cref="MirrorStorageException">PostgreSQL failed or could not be reached.</exception>
    /// <remarks>
    /// <para>
    /// Thread-safe. Reads applied events by position (a range scan on the position index) in one read-only, repeatable
    /// read transaction; skipped and unchanged deltas are passed over. Positions are handed out in commit order, so a
    /// reader that polls from each page's <see cref="ChangeSet.Position"/> sees every event exactly once, however many
    /// workers commit concurrently: no page can commit later with a lower position.
    /// </para>
    /// <para>The net rule is the SQLite store's (<see cref="MirrorStore.GetChangesAsync(long, string?, int, CancellationToken)"/>).</para>
    /// </remarks>
    public Task<ChangeSet> GetChangesAsync(long sincePosition, string? resource = null, int limit = 1000, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sincePosition);
        ValidateChangesArguments(resource, limit);
        return ReadLogAsync("reading the changes after a position", (connection, transaction, token) => _log.ChangesAsync(connection, transaction!, sincePosition, resource, limit, token), cancellationToken);
    }

    /// <summary>
    /// Gets what changed after a time, as one page: the net change to each record applied after <paramref name="since"/>,
    /// and the position to pass to <see cref="GetChangesAsync(long, string?, int, CancellationToken)"/> next time.
    /// </summary>
    /// <param name="since">The applied time to report changes after.</param>
    /// <param name="resource">A resource to report on, or <see langword="null"/> for all.</param>
    /// <param name="cancellationToken">A token to cancel the read.</param>
    /// <returns>The page; continue by position from its <see cref="ChangeSet.Position"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="resource"/> is empty or white space.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    /// <exception cref="MirrorStorageException">PostgreSQL failed or could not be reached.</exception>
    /// <remarks>
    /// Thread-safe. The page covers at most 1,000 applied events. The time is turned into the position of the last event
    /// applied at or before it. Applied times follow positions: a page whose worker's clock reads earlier than the log's
    /// last applied time is logged with that time, so the answer holds across workers whose clocks differ.
    /// </remarks>
    public Task<ChangeSet> GetChangesAsync(DateTimeOffset since, string? resource, CancellationToken cancellationToken)
    {
        ValidateChangesArguments(resource, PgEventLog.DefaultChangesLimit);
        return ReadLogAsync("reading the changes after a time", (connection, transaction, token) => _log.ChangesSinceAsync(connection, transaction!, since, resource, PgEventLog.DefaultChangesLimit, token), cancellationToken);
    }

    private static void ValidateChangesArguments(string? resource, int limit)
    {
        if (resource is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(resource);
        }

        if (limit is < 1 or > PgEventLog.MaxChangesLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, "The limit must be between 1 and 100,000 events per page; read a larger backlog page by page.");
        }
    }

    /// <summary>Runs a read of the log in one read-only, repeatable read transaction on a pooled connection, with the store's errors.</summary>
    private async Task<T> ReadLogAsync<T>(string doing, Func<NpgsqlConnection, NpgsqlTransaction?, CancellationToken, Task<T>> read, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(doing, cancellationToken).ConfigureAwait(false);
        try
        {
            await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
            await PgSql.ExecuteAsync(connection, transaction, "SET TRANSACTION READ ONLY", cancellationToken).ConfigureAwait(false);
            var result = await read(connection, transaction, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return result;
        }
        catch (PostgresException ex) when (ex.SqlState != "57014")
        {
            throw Failure(ex, doing);
        }
        catch (NpgsqlException ex) when (ex is not PostgresException && !cancellationToken.IsCancellationRequested)
        {
            throw new MirrorStorageException($"The connection to PostgreSQL was lost while {doing} in schema '{Schema}' ({ex.Message}). Retry once the server is reachable.", MirrorStorageFailure.Other, path: null, ex);
        }
    }
}
