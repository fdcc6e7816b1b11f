using System.Diagnostics;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace OxideMirror;

public sealed partial class MirrorStore
{
    /// <summary>
    /// Runs one read-only SQL statement written by an agent under the store's limits, as
    /// <see cref="QueryAsync(string, object?, QueryOptions?, CancellationToken)"/> does without options; this overload takes
    /// the token third, <c>QueryAsync(sql, parameters, cancellationToken)</c>.
    /// </summary>
    /// <param name="sql">One SELECT (or WITH … SELECT) statement. Parameters are written <c>@name</c>.</param>
    /// <param name="parameters">The parameters' values: an anonymous object (<c>new { id = 42 }</c>), a dictionary, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">A token that interrupts the query inside SQLite.</param>
    /// <returns>The rows, with <see cref="QueryResult.Truncated"/> set when a cap cut them short.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is empty or holds a NUL character, or a parameter value cannot be bound.</exception>
    /// <exception cref="QueryNotReadOnlyException">The SQL could change the database, reach outside it, or holds more than one statement; nothing ran.</exception>
    /// <exception cref="QueryTimeoutException">The query ran past its time limit and was stopped.</exception>
    /// <exception cref="QueryException">The SQL is invalid or failed (SQLite's message is quoted), or two parameters bind the same SQL parameter (names differing only in case or prefix).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public Task<QueryResult> QueryAsync(string sql, object? parameters, CancellationToken cancellationToken) =>
        QueryAsync(sql, parameters, null, cancellationToken);

    /// <summary>
    /// Runs one read-only SQL statement without parameters under the store's limits, as
    /// <see cref="QueryAsync(string, object?, QueryOptions?, CancellationToken)"/> does; this overload takes the token
    /// second, <c>QueryAsync(sql, cancellationToken)</c>.
    /// </summary>
    /// <param name="sql">One SELECT (or WITH … SELECT) statement.</param>
    /// <param name="cancellationToken">A token that interrupts the query inside SQLite.</param>
    /// <returns>The rows, with <see cref="QueryResult.Truncated"/> set when a cap cut them short.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is empty or holds a NUL character.</exception>
    /// <exception cref="QueryNotReadOnlyException">The SQL could change the database, reach outside it, or holds more than one statement; nothing ran.</exception>
    /// <exception cref="QueryTimeoutException">The query ran past its time limit and was stopped.</exception>
    /// <exception cref="QueryException">The SQL is invalid or failed (SQLite's message is quoted).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public Task<QueryResult> QueryAsync(string sql, CancellationToken cancellationToken) =>
        QueryAsync(sql, null, null, cancellationToken);

    /// <summary>
    /// Runs one read-only SQL statement written by an agent, safely and within limits: on a separate read-only
    /// connection, refused unless SQLite judges it read-only and an allow-list authorizer passes every table, function
    /// and pragma it touches, one statement per call, stopped at the time limit, and cut at the row and byte caps.
    /// </summary>
    /// <param name="sql">One SELECT (or WITH … SELECT) statement. Parameters are written <c>@name</c>.</param>
    /// <param name="parameters">The parameters' values: an anonymous object (<c>new { id = 42 }</c>), a dictionary, or <see langword="null"/>.</param>
    /// <param name="options">Limits for this call (unset values take the store's), and the moment to query at (<see cref="QueryOptions.AsOf"/>); <see langword="null"/> for the store's limits, now.</param>
    /// <param name="cancellationToken">A token that interrupts the query inside SQLite.</param>
    /// <returns>The rows, with <see cref="QueryResult.Truncated"/> set when a cap cut them short.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is empty or holds a NUL character, a parameter value cannot be bound, <paramref name="parameters"/> is a <see cref="QueryOptions"/> or a <see cref="CancellationToken"/> (pass it by name), or <see cref="QueryOptions.AsOfMode"/> is set without <see cref="QueryOptions.AsOf"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A limit or the <see cref="QueryOptions.AsOfMode"/> in <paramref name="options"/> is out of range.</exception>
    /// <exception cref="QueryNotReadOnlyException">The SQL could change the database, reach outside it, or holds more than one statement; nothing ran.</exception>
    /// <exception cref="QueryTimeoutException">The query, or the rebuild of the mirror as of <see cref="QueryOptions.AsOf"/>, ran past its time limit and was stopped.</exception>
    /// <exception cref="QueryException">The SQL is invalid or failed (SQLite's message is quoted), or two parameters bind the same SQL parameter (names differing only in case or prefix).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public Task<QueryResult> QueryAsync(string sql, object? parameters = null, QueryOptions? options = null, CancellationToken cancellationToken = default) =>
        RunQueryAsync(sql, parameters, options, QueryRunner.Rows, cancellationToken);

    /// <summary>
    /// Runs one read-only SQL statement written by an agent under the store's limits and maps its rows to
    /// <typeparamref name="T"/>, as <see cref="QueryAsync{T}(string, object?, QueryOptions?, CancellationToken)"/> does
    /// without options; this overload takes the token third, <c>QueryAsync&lt;T&gt;(sql, parameters, cancellationToken)</c>.
    /// </summary>
    /// <typeparam name="T">The row type, or a scalar type for a single-column result.</typeparam>
    /// <param name="sql">One SELECT (or WITH … SELECT) statement. Parameters are written <c>@name</c>.</param>
    /// <param name="parameters">The parameters' values: an anonymous object, a dictionary, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">A token that interrupts the query inside SQLite.</param>
    /// <returns>The rows, with <see cref="QueryResult{T}.Truncated"/> set when the row cap or the byte cap cut them short.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is empty or holds a NUL character, or a parameter value cannot be bound.</exception>
    /// <exception cref="QueryNotReadOnlyException">The SQL could change the database, reach outside it, or holds more than one statement; nothing ran.</exception>
    /// <exception cref="QueryTimeoutException">The query ran past its time limit and was stopped.</exception>
    /// <exception cref="QueryException">The SQL is invalid or failed, two parameters bind the same SQL parameter, or a value could not be mapped to <typeparamref name="T"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public Task<QueryResult<T>> QueryAsync<T>(string sql, object? parameters, CancellationToken cancellationToken) =>
        QueryAsync<T>(sql, parameters, null, cancellationToken);

    /// <summary>
    /// Runs one read-only SQL statement without parameters on the same safe path and under the store's limits, mapping rows
    /// to <typeparamref name="T"/>, as <see cref="QueryAsync{T}(string, object?, QueryOptions?, CancellationToken)"/> does;
    /// this overload takes the token second, <c>QueryAsync&lt;T&gt;(sql, cancellationToken)</c>.
    /// </summary>
    /// <typeparam name="T">The row type: a class or record with properties named like the columns, or a scalar for one column.</typeparam>
    /// <param name="sql">One SELECT (or WITH … SELECT) statement.</param>
    /// <param name="cancellationToken">A token that interrupts the query inside SQLite.</param>
    /// <returns>The rows, with <see cref="QueryResult{T}.Truncated"/> set when the row cap or the byte cap cut them short.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is empty or holds a NUL character.</exception>
    /// <exception cref="QueryNotReadOnlyException">The SQL could change the database, reach outside it, or holds more than one statement; nothing ran.</exception>
    /// <exception cref="QueryTimeoutException">The query ran past its time limit and was stopped.</exception>
    /// <exception cref="QueryException">The SQL is invalid or failed, or a value could not be mapped to <typeparamref name="T"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public Task<QueryResult<T>> QueryAsync<T>(string sql, CancellationToken cancellationToken) =>
        QueryAsync<T>(sql, null, null, cancellationToken);

    /// <summary>
    /// Runs one read-only SQL statement written by an agent on the same safe path as
    /// <see cref="QueryAsync(string, object?, QueryOptions?, CancellationToken)"/>, with the same checks, the same time limit
    /// and the same <see cref="QueryOptions"/> (limits and <see cref="QueryOptions.AsOf"/>), mapping rows to
    /// <typeparamref name="T"/> with Dapper (columns to properties or constructor parameters by name), and binding the
    /// parameters by the same rule and conversions. The row cap applies
    /// as it does there. The byte cap (<see cref="QueryOptions.MaxBytes"/>, by default
    /// <see cref="MirrorStoreOptions.MaxQueryBytes"/>) counts the managed memory that reading and mapping the rows
    /// allocates, in which text takes up to twice its UTF-8 size, so it allows twice the cap plus 1 MiB for mapping; and,
    /// because rows written as objects repeat the column names, the names as JSON writes them (quoted, escaped) times the
    /// rows stay within the cap.
    /// </summary>
    /// <typeparam name="T">The row type, or a scalar type for a single-column result.</typeparam>
    /// <param name="sql">One SELECT (or WITH … SELECT) statement. Parameters are written <c>@name</c>.</param>
    /// <param name="parameters">The parameters' values: an anonymous object, a dictionary, or <see langword="null"/>.</param>
    /// <param name="options">Limits for this call (unset values take the store's), and the moment to query at (<see cref="QueryOptions.AsOf"/>); <see langword="null"/> for the store's limits, now.</param>
    /// <param name="cancellationToken">A token that interrupts the query inside SQLite.</param>
    /// <returns>The rows, with <see cref="QueryResult{T}.Truncated"/> set when the row cap or the byte cap cut them short.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is empty or holds a NUL character, a parameter value cannot be bound, <paramref name="parameters"/> is a <see cref="QueryOptions"/> or a <see cref="CancellationToken"/> (pass it by name), or <see cref="QueryOptions.AsOfMode"/> is set without <see cref="QueryOptions.AsOf"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A limit or the <see cref="QueryOptions.AsOfMode"/> in <paramref name="options"/> is out of range.</exception>
    /// <exception cref="QueryNotReadOnlyException">The SQL could change the database, reach outside it, or holds more than one statement; nothing ran.</exception>
    /// <exception cref="QueryTimeoutException">The query, or the rebuild of the mirror as of <see cref="QueryOptions.AsOf"/>, ran past its time limit and was stopped.</exception>
    /// <exception cref="QueryException">The SQL is invalid or failed, two parameters bind the same SQL parameter, or a value could not be mapped to <typeparamref name="T"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public Task<QueryResult<T>> QueryAsync<T>(string sql, object? parameters = null, QueryOptions? options = null, CancellationToken cancellationToken = default) =>
        RunQueryAsync<QueryResult<T>>(sql, parameters, options, MapRows<T>, cancellationToken);

    /// <summary>
    /// Returns how SQLite would run one agent query, without running it: the query goes through the same entry point,
    /// checks and guard as <see cref="QueryAsync(string, object?, QueryOptions?, CancellationToken)"/> (so nothing that
    /// would be refused there can be explained), then its <c>EXPLAIN QUERY PLAN</c> is read, with a hint wherever a join
    /// or a filter reads a whole resource table because no index serves it.
    /// </summary>
    /// <param name="sql">One SELECT (or WITH … SELECT) statement, as it would be sent to <c>QueryAsync</c>; parameters (<c>@name</c>) need no values.</param>
    /// <param name="cancellationToken">A token that interrupts the planning inside SQLite.</param>
    /// <returns>The plan's steps and hints.</returns>
    /// <exception cref="ArgumentException"><paramref name="sql"/> is empty or holds a NUL character.</exception>
    /// <exception cref="QueryNotReadOnlyException">The SQL could change the database, reach outside it, or holds more than one statement; nothing ran.</exception>
    /// <exception cref="QueryTimeoutException">Planning ran past the store's time limit.</exception>
    /// <exception cref="QueryException">The SQL is invalid (SQLite's message is quoted), or is already an <c>EXPLAIN</c>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    /// <remarks>Thread-safe; runs on a store reader like any agent query, and reads the live mirror.</remarks>
    public Task<QueryPlan> ExplainQueryAsync(string sql, CancellationToken cancellationToken = default) =>
        RunQueryAsync(sql, null, null, QueryPlanner.Explain, cancellationToken);

    /// <summary>
    /// The one entry of every agent query: resolves the options over the store's limits, takes a store reader, chooses the
    /// connection (that reader, or a reader of the snapshot as of <see cref="QueryOptions.AsOf"/>), runs the query there
    /// through <see cref="QueryRunner.Run{TResult}"/> with <paramref name="answer"/> reading the rows, and logs the outcome.
    /// </summary>
    private async Task<TResult> RunQueryAsync<TResult>(string sql, object? parameters, QueryOptions? options, QueryRunner.Answer<TResult> answer, CancellationToken cancellationToken)
        where TResult : IQueryAnswer
    {
        var request = QueryRequest.Resolve(sql, parameters, options, _options, cancellationToken);
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        using var lease = await LeaseReaderAsync(cancellationToken).ConfigureAwait(false);
        MakeRoomInQueryMemory();
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = request.AsOf is { } asOf
                ? RunAsOf(lease.Reader, asOf, request, answer)
                : QueryRunner.Run(lease.Reader, _catalog, request, answer);
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
            StoreLog.QueryTimedOut(_logger, request.Timeout.TotalMilliseconds);
            throw;
        }
        catch (Exception ex) when (ex is not (QueryException or OperationCanceledException or ArgumentException))
        {
            lease.Healthy = false;
            throw;
        }
    }

    /// <summary>
    /// The typed answer: runs the checked SQL through Dapper on the reader's connection, with the guard still armed, and
    /// keeps rows while they fit the row cap and the typed byte cap. The parameters are bound as the untyped answer binds
    /// them (<see cref="QueryParameters"/>), under the names SQLite reports, so that both paths take and refuse the same.
    /// </summary>
    private static QueryResult<T> MapRows<T>(ReaderPool.Reader reader, SQLitePCL.sqlite3_stmt statement, Catalog catalog, QueryRequest request)
    {
        var (sql, cancellationToken) = (request.Sql, request.CancellationToken);
        var parameters = new BoundParameters(statement, QueryParameters.Read(request.Parameters));
        var columns = QueryRunner.ColumnNames(statement);
        var rowNames = QueryRunner.RowNames(columns);
        var tables = reader.Guard.TablesRead.ToList();
        var maxAllocated = request.MaxBytes >= long.MaxValue / 4 ? long.MaxValue : (2 * request.MaxBytes) + (1024 * 1024);
        try
        {
            var rows = new List<T>();
            var truncated = false;

            // Dapper materialises each row before we see it, so the values are measured as what this thread allocates:
            // reading is synchronous, and every string and array a row holds is allocated here. The column names are
            // allocated once but written once per row by whoever serializes rows as objects, so they count per row.
            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            foreach (var row in reader.Connection.Query<T>(new CommandDefinition(sql, parameters, flags: CommandFlags.None, cancellationToken: cancellationToken)))
            {
                if (rows.Count >= request.MaxRows || (rows.Count + 1) * rowNames > request.MaxBytes || GC.GetAllocatedBytesForCurrentThread() - allocatedBefore > maxAllocated)
                {
                    truncated = true;
                    break;
                }

                rows.Add(row);
            }

            return new QueryResult<T>(rows, truncated, catalog.Freshness(tables));
        }
        catch (SqliteException ex)
        {
            throw QueryRunner.Translate(ex, reader.Guard, sql, request.Timeout, cancellationToken);
        }
        catch (Exception ex) when (ex is (InvalidCastException or FormatException or OverflowException or ArgumentException or InvalidOperationException or System.Data.DataException) and not ObjectDisposedException)
        {
            // Dapper's type conversions throw these for a value that does not fit the type (a char from 'abc' is an ArgumentException).
            throw new QueryException($"A row of the query could not be mapped to {typeof(T).Name} ({ex.Message}); its columns are {QueryRunner.Columns(columns)}. Alias the columns to match the type's properties and select values that convert to their types (a char takes a one-character text), or query into QueryResult with QueryAsync(sql).", ex);
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
