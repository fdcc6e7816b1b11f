using System.Globalization;
using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;

namespace OxideMirror.Benchmarks;

/// <summary>
/// Agent queries through <see cref="MirrorStore.QueryAsync(string, object?, CancellationToken)"/> over 100,000 orders:
/// a grouped aggregate through the resource's table (against the same query on a plain typed table holding the same
/// data, the baseline) and a point lookup on an indexed payload field.
/// </summary>
[MemoryDiagnoser]
public class QueryBenchmarks
{
    private const string AggregateTyped = "SELECT status, count(*) AS n, sum(amount) AS total, avg(items) AS items FROM orders_typed WHERE amount > 100 GROUP BY status";
    private const string AggregateResource = "SELECT status, count(*) AS n, sum(amount) AS total, avg(items) AS items FROM orders WHERE amount > 100 GROUP BY status";
    private string _dir = string.Empty;
    private MirrorStore _store = null!;
    private string _customer = string.Empty;

    [GlobalSetup]
    public async Task Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), "oxidemirror-bdn-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        var path = Path.Combine(_dir, "query.db");
        _store = await MirrorStore.OpenAsync(path);
        var workload = Workload.OrdersOnly(seed: 3);
        var pages = Enumerable.Range(0, 100).Select(i => new PullResult(workload.Next(1000), (i + 1).ToString(CultureInfo.InvariantCulture), i < 99)).ToList();
        await new Syncer(_store).SyncAsync(new StaticSource("bench", pages));
        await _store.CreateIndexAsync("orders", "customer_id");
        using (var plain = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
        {
            plain.Open();
            using var command = plain.CreateCommand();
            command.CommandText =
                "CREATE TABLE orders_typed (record_id TEXT PRIMARY KEY, customer_id TEXT, status TEXT, amount REAL, currency TEXT, items INTEGER, placed_at TEXT, comment TEXT); " +
                "INSERT INTO orders_typed SELECT record_id, customer_id, status, amount, currency, items, placed_at, comment FROM orders;";
            command.ExecuteNonQuery();
        }

        _customer = (string)(await _store.QueryAsync("SELECT customer_id FROM orders LIMIT 1")).Rows[0]["customer_id"]!;
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _store.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Benchmark(Baseline = true)]
    public Task<QueryResult> AggregateTypedTable() => _store.QueryAsync(AggregateTyped);

    [Benchmark]
    public Task<QueryResult> AggregateResourceTable() => _store.QueryAsync(AggregateResource);

    [Benchmark]
    public Task<QueryResult> PointLookupIndexed() => _store.QueryAsync("SELECT record_id, status, amount FROM orders WHERE customer_id = @customer LIMIT 5", new { customer = _customer });
}
