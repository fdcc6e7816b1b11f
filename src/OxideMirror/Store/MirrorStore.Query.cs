using System.Diagnostics;
using Dapper;
using Microsoft.Data.Sqlite;
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
    /// <param name="options">Limits for this call (unset values take the store's), and the moment to query at (<see cref="QueryOptions.AsOf"/>).</param>
    /// <param name="cancellationToken">A token that interrupts the query inside SQLite.</param>
    /// <returns>The rows, with <see cref="QueryResult.Truncated"/> set when a cap cut them short.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is empty or holds a NUL character, a parameter value cannot be bound, or <see cref="QueryOptions.AsOfMode"/> is set without <see cref="QueryOptions.AsOf"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A limit or the <see cref="QueryOptions.AsOfMode"/> in <paramref name="options"/> is out of range.</exception>
    /// <exception cref="QueryNotReadOnlyException">The SQL could change the database, reach outside it, or holds more than one statement; nothing ran.</exception>
    /// <exception cref="QueryTimeoutException">The query, or the rebuild of the mirror as of <see cref="QueryOptions.AsOf"/>, ran past its time limit and was stopped.</exception>
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
        ValidateAsOf(options);
        var values = QueryParameters.Read(parameters);

        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        using var lease = await LeaseReaderAsync(cancellationToken).ConfigureAwait(false);
        MakeRoomInQueryMemory();
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = options?.AsOf is { } asOf
                ? RunAsOf(lease.Reader, sql, values, asOf, options.AsOfMode, timeout, maxRows, maxBytes, cancellationToken)
                : QueryRunner.Run(lease.Reader, _catalog, sql, values, timeout, maxRows, maxBytes, cancellationToken);
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

    /// <summary>
    /// Runs one read-only SQL statement written by an agent on the same safe path as
    /// <see cref="QueryAsync(string, object?, CancellationToken)"/>, mapping rows to <typeparamref name="T"/> with Dapper
    /// (columns to properties or constructor parameters by name). The time limit, the row cap and the byte cap apply; the
    /// byte cap counts the managed memory that reading and mapping the rows allocates, in which text takes up to twice its
    /// UTF-8 size, so it allows twice <see cref="MirrorStoreOptions.MaxQueryBytes"/> plus 1 MiB for mapping; and, because
    /// rows written as objects repeat the column names, the names as JSON writes them (quoted, escaped) times the rows
    /// stay within <see cref="MirrorStoreOptions.MaxQueryBytes"/>.
    /// </summary>
    /// <typeparam name="T">The row type, or a scalar type for a single-column result.</typeparam>
    /// <param name="sql">One SELECT (or WITH … SELECT) statement. Parameters are written <c>@name</c>.</param>
    /// <param name="parameters">The parameters' values: an anonymous object, a dictionary, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">A token that interrupts the query inside SQLite.</param>
    /// <returns>The rows, with <see cref="QueryResult{T}.Truncated"/> set when the row cap or the byte cap cut them short.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is empty or holds a NUL character.</exception>
    /// <exception cref="QueryNotReadOnlyException">The SQL could change the database, reach outside it, or holds more than one statement; nothing ran.</exception>
    /// <exception cref="QueryTimeoutException">The query ran past its time limit and was stopped.</exception>
    /// <exception cref="QueryException">The SQL is invalid or failed, or a row could not be mapped to <typeparamref name="T"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
#pragma warning disable RS0027 // Typed queries mirror the short form of QueryAsync.
    public async Task<QueryResult<T>> QueryAsync<T>(string sql, object? parameters = null, CancellationToken cancellationToken = default)
#pragma warning restore RS0027
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        if (sql.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("The SQL holds a NUL character, which SQLite would treat as the end of the text. Remove it.", nameof(sql));
        }

        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        var timeout = _options.QueryTimeout;
        var maxRows = _options.MaxQueryRows;
        var maxAllocated = (2 * _options.MaxQueryBytes) + (1024 * 1024);
        using var lease = await LeaseReaderAsync(cancellationToken).ConfigureAwait(false);
        MakeRoomInQueryMemory();
        var reader = lease.Reader;
        var db = reader.Connection.Handle!;
        reader.Guard.Arm(db, timeout, cancellationToken);
        try
        {
            var rowNames = QueryRunner.Check(reader, sql);
            var tables = reader.Guard.TablesRead.ToList();
            var rows = new List<T>();
            var truncated = false;

            // Dapper materialises each row before we see it, so the values are measured as what this thread allocates:
            // reading is synchronous, and every string and array a row holds is allocated here. The column names are
            // allocated once but written once per row by whoever serializes rows as objects, so they count per row.
            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            foreach (var row in reader.Connection.Query<T>(new CommandDefinition(sql, parameters, flags: CommandFlags.None, cancellationToken: cancellationToken)))
            {
                if (rows.Count >= maxRows || (rows.Count + 1) * rowNames > _options.MaxQueryBytes || GC.GetAllocatedBytesForCurrentThread() - allocatedBefore > maxAllocated)
                {
                    truncated = true;
                    break;
                }

                rows.Add(row);
            }

            return new QueryResult<T>(rows, truncated, _catalog.Freshness(tables));
        }
        catch (SqliteException ex)
        {
            throw QueryRunner.Translate(ex, reader.Guard, sql, timeout, cancellationToken);
        }
        catch (Exception ex) when (ex is InvalidCastException or FormatException or InvalidOperationException or System.Data.DataException)
        {
            throw new QueryException($"A row of the query could not be mapped to {typeof(T).Name} ({ex.Message}). Alias the columns to match its properties, or query into QueryResult with QueryAsync(sql).", ex);
        }
        finally
        {
            reader.Guard.Disarm(db);
        }
    }

    /// <summary>
    /// Drops cached as-of moments while they hold the pool of query memory more than half full, so that a moment cached
    /// for reuse does not starve the next query: its memory is charged to the same pool.
    /// </summary>
    private void MakeRoomInQueryMemory()
    {
        var memory = _readers.Memory;
        if (_asOfCache is { } cache && memory.Used > memory.Limit / 2)
        {
            cache.Trim(() => memory.Used > memory.Limit / 2);
        }
    }
}
