using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace OxideMirror;

public sealed partial class MirrorStore
{
    /// <summary>
    /// Runs one read-only SQL statement written by an agent, safely and within limits: on a separate read-only
    /// connection, refused unless SQLite judges it read-only and an allow-list authorizer passes every table, function
    /// and pragma it touches, one statement per call, stopped at the time limit, and cut at the row and byte caps.
    /// </summary>
    /// <param name="sql">One SELECT (or WITH … SELECT) statement. Parameters are written <c>@name</c>.</param>
    /// <param name="parameters">The parameters' values: an anonymous object (<c>new { id = 42 }</c>), a dictionary, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">A token that interrupts the query inside SQLite.</param>
    /// <returns>The rows, with <see cref="QueryResult.Truncated"/> set when a cap cut them short.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is empty or holds a NUL character, or a parameter value cannot be bound.</exception>
    /// <exception cref="QueryNotReadOnlyException">The SQL could change the database, reach outside it, or holds more than one statement; nothing ran.</exception>
    /// <exception cref="QueryTimeoutException">The query ran past its time limit and was stopped.</exception>
    /// <exception cref="QueryException">The SQL is invalid or failed (SQLite's message is quoted).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
#pragma warning disable RS0027 // The short form is the one agents call; per-call limits are the longer overload.
    public Task<QueryResult> QueryAsync(string sql, object? parameters = null, CancellationToken cancellationToken = default) =>
        QueryAsync(sql, parameters, null, cancellationToken);
#pragma warning restore RS0027

    /// <summary>Runs one read-only SQL statement written by an agent, with limits for this call.</summary>
    /// <param name="sql">One SELECT (or WITH … SELECT) statement. Parameters are written <c>@name</c>.</param>
    /// <param name="parameters">The parameters' values: an anonymous object, a dictionary, or <see langword="null"/>.</param>
    /// <param name="options">Limits for this call; unset values take the store's.</param>
    /// <param name="cancellationToken">A token that interrupts the query inside SQLite.</param>
    /// <returns>The rows, with <see cref="QueryResult.Truncated"/> set when a cap cut them short.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is empty or holds a NUL character, or a parameter value cannot be bound.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A limit in <paramref name="options"/> is out of range.</exception>
    /// <exception cref="QueryNotReadOnlyException">The SQL could change the database, reach outside it, or holds more than one statement; nothing ran.</exception>
    /// <exception cref="QueryTimeoutException">The query ran past its time limit and was stopped.</exception>
    /// <exception cref="QueryException">The SQL is invalid or failed (SQLite's message is quoted).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public async Task<QueryResult> QueryAsync(string sql, object? parameters, QueryOptions? options, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        if (sql.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("The SQL holds a NUL character, which SQLite would treat as the end of the text. Remove it.", nameof(sql));
        }

        var timeout = options?.Timeout ?? _options.QueryTimeout;
        var maxRows = options?.MaxRows ?? _options.MaxQueryRows;
        var maxBytes = options?.MaxBytes ?? _options.MaxQueryBytes;
        if (timeout <= TimeSpan.Zero || timeout > TimeSpan.FromHours(1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), timeout, "QueryOptions.Timeout must be more than zero and at most one hour.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(maxRows, 1, "options.MaxRows");
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1024, "options.MaxBytes");
        var values = QueryParameters.Read(parameters);

        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        using var lease = await LeaseReaderAsync(cancellationToken).ConfigureAwait(false);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = QueryRunner.Run(lease.Reader, sql, values, timeout, maxRows, maxBytes, cancellationToken);
            if (_logger.IsEnabled(LogLevel.Debug))
            {
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                StoreLog.QueryCompleted(_logger, result.RowCount, result.Truncated, elapsed);
            }
            return result;
        }
        catch (QueryNotReadOnlyException ex)
        {
            StoreLog.QueryRefused(_logger, ex.Message);
            throw;
        }
        catch (QueryTimeoutException)
        {
            StoreLog.QueryTimedOut(_logger, timeout.TotalMilliseconds);
            throw;
        }
        catch (Exception ex) when (ex is not (QueryException or OperationCanceledException or ArgumentException))
        {
            lease.Healthy = false;
            throw;
        }
    }
}
