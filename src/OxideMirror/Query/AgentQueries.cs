using System.Diagnostics;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace OxideMirror;

/// <summary>
/// The one entry point of agent SQL: untyped, typed and as-of queries all resolve their request here, lease a reader,
/// and run through <see cref="QueryRunner.Run{TResult}"/> under the same guard, limits and memory share.
/// </summary>
/// <remarks>Thread-safe: each query runs on its own leased reader.</remarks>
internal sealed class AgentQueries
{
    private readonly StoreReaders _readers;
    private readonly StoreWriter _write;
    private readonly Catalog _catalog;
    private readonly MirrorStoreOptions _options;
    private readonly AsOfQueries _asOf;
    private readonly ILogger _logger;
    private readonly StoreTelemetry _telemetry;

    public AgentQueries(StoreReaders readers, StoreWriter write, Catalog catalog, MirrorStoreOptions options, AsOfQueries asOf, ILogger logger, StoreTelemetry telemetry)
    {
        _telemetry = telemetry;
        _readers = readers;
        _write = write;
        _catalog = catalog;
        _options = options;
        _asOf = asOf;
        _logger = logger;
    }

    /// <summary>
    /// The one entry of every agent query: resolves the options over the store's limits, takes a store reader, runs the
    /// query on it (live, or through the views of the mirror as of <see cref="QueryOptions.AsOf"/>)
    /// through <see cref="QueryRunner.Run{TResult}"/> with <paramref name="answer"/> reading the rows, and logs and
    /// measures the outcome (see <see cref="MirrorTelemetry.QueryEnded"/>).
    /// </summary>
    public async Task<TResult> RunAsync<TResult>(string sql, object? parameters, QueryOptions? options, QueryRunner.Answer<TResult> answer, CancellationToken cancellationToken)
        where TResult : IQueryAnswer
    {
        var started = Stopwatch.GetTimestamp();
        using var activity = MirrorTelemetry.StartQuery(_telemetry.Name, sql, _options);
        try
        {
            var result = await RunCoreAsync(sql, parameters, options, answer, cancellationToken).ConfigureAwait(false);
            _telemetry.Instruments.QueryEnded(_telemetry.Name, started, result, null, activity, _options.RecordQueryText);
            return result;
        }
        catch (Exception ex)
        {
            _telemetry.Instruments.QueryEnded(_telemetry.Name, started, null, ex, activity, _options.RecordQueryText);
            throw;
        }
    }

    private async Task<TResult> RunCoreAsync<TResult>(string sql, object? parameters, QueryOptions? options, QueryRunner.Answer<TResult> answer, CancellationToken cancellationToken)
        where TResult : IQueryAnswer
    {
        var request = QueryRequest.Resolve(sql, parameters, options, _options, cancellationToken);
        _write.ThrowIfClosed();
        cancellationToken.ThrowIfCancellationRequested();
        using var lease = await _readers.LeaseAsync(asOf: request.AsOf is not null, cancellationToken).ConfigureAwait(false);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = request.AsOf is { } asOf
                ? _asOf.Run(lease.Reader, asOf, request, answer)
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
    public static QueryResult<T> MapRows<T>(ReaderPool.Reader reader, SQLitePCL.sqlite3_stmt statement, Catalog catalog, QueryRequest request)
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
}
