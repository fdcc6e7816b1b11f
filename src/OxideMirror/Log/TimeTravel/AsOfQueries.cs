using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace OxideMirror;

/// <summary>
/// Runs agent queries as of a moment for <see cref="AgentQueries"/>: owns the cache of as-of snapshots, finds or builds
/// the snapshot of a moment, and runs the query on one of its readers through the same <see cref="QueryRunner"/>.
/// </summary>
/// <remarks>Thread-safe: the cache is, and each query runs on its own snapshot reader.</remarks>
internal sealed class AsOfQueries : IDisposable
{
    private readonly StoreReaders _readers;
    private readonly StoreWriter _write;
    private readonly Catalog _catalog;
    private readonly MirrorStoreOptions _options;
    private readonly ILogger _logger;
    private AsOfCache? _cache;

    public AsOfQueries(StoreReaders readers, StoreWriter write, Catalog catalog, MirrorStoreOptions options, ILogger logger)
    {
        _readers = readers;
        _write = write;
        _catalog = catalog;
        _options = options;
        _logger = logger;
    }

    private AsOfCache Snapshots =>
        Volatile.Read(ref _cache) ?? Interlocked.CompareExchange(ref _cache, new AsOfCache(_options.AsOfCacheSize), null) ?? _cache!;

    /// <summary>
    /// Runs an agent query, typed or not, against the mirror as it was at <paramref name="asOf"/>: finds or builds the
    /// snapshot while the caller holds a store reader (which, for an in-memory store, also holds writes off), then runs the
    /// SQL on a hardened read-only connection to the snapshot through the same <see cref="QueryRunner.Run{TResult}"/>.
    /// </summary>
    public TResult Run<TResult>(ReaderPool.Reader storeReader, DateTimeOffset asOf, QueryRequest request, QueryRunner.Answer<TResult> answer)
    {
        var (mode, timeout, cancellationToken) = (request.AsOfMode, request.Timeout, request.CancellationToken);
        var at = Timestamps.Write(asOf);
        var generation = _catalog.SchemaGeneration;
        var compactions = _write.Compactions;
        var position = AsOfSnapshot.ReadLogPosition(storeReader.Connection);
        var cache = Snapshots;
        var snapshot = cache.Acquire(at, mode, position, generation, compactions);
        if (snapshot is null)
        {
            var started = Stopwatch.GetTimestamp();
            var dataSource = new SqliteConnectionStringBuilder(_readers.ConnectionString).DataSource;
            var maxValueBytes = (int)Math.Min(int.MaxValue, Math.Max(_options.MaxQueryBytes, 1_000_000));
            snapshot = AsOfSnapshot.Build(dataSource, at, mode, generation, compactions, maxValueBytes, _readers.Memory, timeout, cancellationToken);
            cache.Add(snapshot);
            if (_logger.IsEnabled(LogLevel.Debug))
            {
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                StoreLog.AsOfSnapshotBuilt(_logger, at, mode, snapshot.Records, elapsed);
            }
        }

        try
        {
            var reader = snapshot.Rent();
            var healthy = true;
            try
            {
                return QueryRunner.Run(reader, _catalog, request, answer);
            }
            catch (QueryException ex) when (ex is not QueryTimeoutException)
            {
                // Decided by construction, not by the message: the SQL prepares on the live store and, as the live
                // authorizer saw it, reads an internal table a snapshot does not hold, so that is why it failed here.
                if (QueryRunner.TablesReadWhenPrepared(storeReader, request.Sql, timeout, cancellationToken) is { } tables
                    && tables.Exists(AsOfSnapshot.LacksInternalTable))
                {
                    throw new QueryException(
                        ex.Message + " An as-of query sees the resource tables and mirror_records as they were at that moment, and no other internal table; read the log (mirror_events) without AsOf, filtering on applied_at.",
                        ex.InnerException);
                }

                throw;
            }
            catch (Exception ex) when (ex is not (QueryException or OperationCanceledException or ArgumentException))
            {
                healthy = false;
                throw;
            }
            finally
            {
                snapshot.Return(reader, healthy);
            }
        }
        finally
        {
            snapshot.Release();
        }
    }

    /// <summary>Drops cached moments, least recently used first, while <paramref name="crowded"/> says memory is short.</summary>
    public void Trim(Func<bool> crowded) => Volatile.Read(ref _cache)?.Trim(crowded);

    public void Dispose() => Volatile.Read(ref _cache)?.Dispose();
}
