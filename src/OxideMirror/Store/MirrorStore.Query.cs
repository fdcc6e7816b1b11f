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
    /// <exception cref="QueryTimeoutException">The query ran past its time limit and was stopped.</exception>
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
    /// <exception cref="QueryTimeoutException">The query ran past its time limit and was stopped.</exception>
    /// <exception cref="QueryException">The SQL is invalid or failed, two parameters bind the same SQL parameter, or a value could not be mapped to <typeparamref name="T"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public Task<QueryResult<T>> QueryAsync<T>(string sql, object? parameters = null, QueryOptions? options = null, CancellationToken cancellationToken = default) =>
        RunQueryAsync<QueryResult<T>>(sql, parameters, options, AgentQueries.MapRows<T>, cancellationToken);

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

    /// <summary>Runs an agent query through the one entry point (<see cref="AgentQueries.RunAsync{TResult}"/>).</summary>
    private Task<TResult> RunQueryAsync<TResult>(string sql, object? parameters, QueryOptions? options, QueryRunner.Answer<TResult> answer, CancellationToken cancellationToken)
        where TResult : IQueryAnswer =>
        _queries.RunAsync(sql, parameters, options, answer, cancellationToken);
}
