using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;

namespace OxideMirror.Benchmarks;

/// <summary>
/// The quick comparison (<c>--quick</c>): every figure measured side by side in one run, printed with a one-line summary
/// that scripts read. Finishes in under two minutes on a 2-core machine.
/// </summary>
internal static class QuickComparison
{
    private const int Deltas = 100_000;
    private const int BatchSize = 1000;
    private const int NaiveDeltas = 10_000;
    private const int Rounds = 3;
    private const int MillionPages = 1000;
    private const int AggregateRecords = 200_000;

    public static async Task<int> RunAsync()
    {
        var c = CultureInfo.InvariantCulture;
        var dir = Path.Combine(Path.GetTempPath(), "oxidemirror-bench-" + Environment.ProcessId.ToString(c));
        Directory.CreateDirectory(dir);
        try
        {
            Console.WriteLine(string.Create(c, $"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}, SQLite {SqliteVersion()}"));
            var batches = Workload.Batches(seed: 1, Deltas, BatchSize);

            // Warm up the JIT and the file system on a small run of each.
            await ApplyAsync(Path.Combine(dir, "warm-apply.db"), batches.Take(5).ToList());
            await BaselineAsync(Path.Combine(dir, "warm-base.db"), batches.Take(5).ToList());

            double apply = 0, baseline = 0;
            for (var round = 0; round < Rounds; round++)
            {
                apply = Math.Max(apply, await ApplyAsync(Path.Combine(dir, $"apply-{round}.db"), batches));
                baseline = Math.Max(baseline, await BaselineAsync(Path.Combine(dir, $"base-{round}.db"), batches));
                Console.WriteLine(string.Create(c, $"round {round + 1}: apply {apply:0} deltas/s, baseline {baseline:0} rows/s (best so far)"));
            }

            double naive = 0;
            for (var round = 0; round < Rounds; round++)
            {
                naive = Math.Max(naive, await NaiveAsync(Path.Combine(dir, $"naive-{round}.db"), batches.Take(NaiveDeltas / BatchSize).ToList()));
            }

            Console.WriteLine(string.Create(c, $"apply:    {apply,10:0} deltas/s  (Syncer into a WAL file store, batches of {BatchSize})"));
            Console.WriteLine(string.Create(c, $"baseline: {baseline,10:0} rows/s    (plain Microsoft.Data.Sqlite: lookup, event insert, record upsert, cursor per batch)"));
            Console.WriteLine(string.Create(c, $"naive:    {naive,10:0} deltas/s  (the Rust crate's design: one transaction per delta, cursor written after it in its own)"));
            Console.WriteLine(string.Create(c, $"apply/baseline = {apply / baseline:0.00} (target >= 0.5), apply/naive = {apply / naive:0.00} (target >= 2.5)"));

            var million = Path.Combine(dir, "million.db");
            var peakMb = SyncMillionInChild(million);
            Console.WriteLine(string.Create(c, $"peak memory of a 1,000,000-delta sync: {peakMb:0} MB (target < 150)"));

            var pointUs = await PointLookupAsync(million);
            Console.WriteLine(string.Create(c, $"point lookup on an indexed payload field over 1M deltas: {pointUs:0.0} us median (target < 100)"));

            var (viewMs, typedMs) = await AggregateAsync(Path.Combine(dir, "aggregate.db"));
            Console.WriteLine(string.Create(c, $"grouped aggregate over {AggregateRecords} records: resource table {viewMs:0.00} ms, plain typed table {typedMs:0.00} ms, ratio {viewMs / typedMs:0.00} (target <= 1.5)"));

            Console.WriteLine(string.Create(
                c,
                $"summary apply_per_s={apply:0} baseline_per_s={baseline:0} naive_per_s={naive:0} apply_vs_baseline={apply / baseline:0.00} apply_vs_naive={apply / naive:0.00} peak_mb={peakMb:0} point_us={pointUs:0.0} agg_vs_typed={viewMs / typedMs:0.00}"));
            return 0;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>Only the write comparison (<c>--apply</c>), for tuning the apply path: apply against baseline, five rounds.</summary>
    public static async Task<int> RunApplyAsync()
    {
        var c = CultureInfo.InvariantCulture;
        var dir = Path.Combine(Path.GetTempPath(), "oxidemirror-bench-" + Environment.ProcessId.ToString(c));
        Directory.CreateDirectory(dir);
        try
        {
            var batches = Workload.Batches(seed: 1, Deltas, BatchSize);
            await ApplyAsync(Path.Combine(dir, "warm-apply.db"), batches.Take(5).ToList());
            await BaselineAsync(Path.Combine(dir, "warm-base.db"), batches.Take(5).ToList());
            for (var round = 0; round < 5; round++)
            {
                var apply = await ApplyAsync(Path.Combine(dir, $"apply-{round}.db"), batches);
                var baseline = await BaselineAsync(Path.Combine(dir, $"base-{round}.db"), batches);
                Console.WriteLine(string.Create(c, $"round {round + 1}: apply {apply:0} deltas/s, baseline {baseline:0} rows/s, ratio {apply / baseline:0.00}"));
            }

            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The child process's job (<c>--sync-million PATH</c>): sync 1,000,000 generated deltas, print the peak working set.</summary>
    public static async Task<int> SyncMillionAsync(string path)
    {
        await using (var store = await MirrorStore.OpenAsync(path))
        {
            var syncer = new Syncer(store);
            await syncer.SyncAsync(new GeneratedSource("bench", seed: 7, MillionPages, BatchSize));
        }

        using var process = Process.GetCurrentProcess();
        process.Refresh();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"peak_mb={process.PeakWorkingSet64 / (1024.0 * 1024.0):0.0}"));
        return 0;
    }

    private static async Task<double> ApplyAsync(string path, List<List<Delta>> batches)
    {
        var pages = batches.Select((b, i) => new PullResult(b, (i + 1).ToString(CultureInfo.InvariantCulture), i < batches.Count - 1)).ToList();
        await using var store = await MirrorStore.OpenAsync(path);
        var syncer = new Syncer(store);
        var source = new StaticSource("bench", pages);
        Collect();
        var watch = Stopwatch.StartNew();
        var report = await syncer.SyncAsync(source);
        watch.Stop();
        return report.Pulled / watch.Elapsed.TotalSeconds;
    }

    private static async Task<double> BaselineAsync(string path, List<List<Delta>> batches)
    {
        await (await MirrorStore.OpenAsync(path)).DisposeAsync();
        using var raw = new RawWriters(path);
        Collect();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < batches.Count; i++)
        {
            raw.Baseline(batches[i], (i + 1).ToString(CultureInfo.InvariantCulture));
        }

        watch.Stop();
        return batches.Sum(b => b.Count) / watch.Elapsed.TotalSeconds;
    }

    private static async Task<double> NaiveAsync(string path, List<List<Delta>> batches)
    {
        await (await MirrorStore.OpenAsync(path)).DisposeAsync();
        using var raw = new RawWriters(path);
        Collect();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < batches.Count; i++)
        {
            raw.Naive(batches[i], (i + 1).ToString(CultureInfo.InvariantCulture));
        }

        watch.Stop();
        return batches.Sum(b => b.Count) / watch.Elapsed.TotalSeconds;
    }

    private static double SyncMillionInChild(string path)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
        var entry = typeof(QuickComparison).Assembly.Location;
        if (Path.GetFileName(Environment.ProcessPath!) is "dotnet" or "dotnet.exe")
        {
            start.ArgumentList.Add(entry);
        }

        start.ArgumentList.Add("--sync-million");
        start.ArgumentList.Add(path);
        using var child = Process.Start(start)!;
        var output = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        var line = output.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith("peak_mb=", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"The 1M-delta child exited with {child.ExitCode} and printed: {output}");
        return double.Parse(line["peak_mb=".Length..], CultureInfo.InvariantCulture);
    }

    private static async Task<double> PointLookupAsync(string path)
    {
        await using var store = await MirrorStore.OpenAsync(path);
        await store.CreateIndexAsync("customers", "email");
        var emails = (await store.QueryAsync("SELECT email FROM customers ORDER BY record_id LIMIT 500")).Rows.Select(r => (string)r["email"]!).ToList();
        var timings = new List<double>();
        for (var i = 0; i < 1500; i++)
        {
            var email = emails[i % emails.Count];
            var start = Stopwatch.GetTimestamp();
            var result = await store.QueryAsync("SELECT record_id, name, country FROM customers WHERE email = @email LIMIT 1", new { email });
            var elapsed = Stopwatch.GetElapsedTime(start);
            if (result.RowCount != 1)
            {
                throw new InvalidOperationException("The point lookup found no row.");
            }

            if (i >= 500)
            {
                timings.Add(elapsed.TotalMicroseconds);
            }
        }

        return Median(timings);
    }

    private static async Task<(double View, double Typed)> AggregateAsync(string path)
    {
        await using var store = await MirrorStore.OpenAsync(path);
        var workload = Workload.OrdersOnly(seed: 3);
        var pages = Enumerable.Range(0, AggregateRecords / BatchSize).Select(i => new PullResult(workload.Next(BatchSize), (i + 1).ToString(CultureInfo.InvariantCulture), true)).ToList();
        await new Syncer(store).SyncAsync(new StaticSource("bench", pages));

        using (var plain = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
        {
            plain.Open();
            using var command = plain.CreateCommand();
            command.CommandText =
                "CREATE TABLE orders_typed (record_id TEXT PRIMARY KEY, customer_id TEXT, status TEXT, amount REAL, currency TEXT, items INTEGER, placed_at TEXT, comment TEXT); " +
                "INSERT INTO orders_typed SELECT record_id, customer_id, status, amount, currency, items, placed_at, comment FROM orders;";
            command.ExecuteNonQuery();
        }

        const string Query = "SELECT status, count(*) AS n, sum(amount) AS total, avg(items) AS items FROM {0} WHERE amount > 100 GROUP BY status";
        var view = new List<double>();
        var typed = new List<double>();
        for (var i = 0; i < 21; i++)
        {
            view.Add(await TimeAsync(store, string.Format(CultureInfo.InvariantCulture, Query, "orders")));
            typed.Add(await TimeAsync(store, string.Format(CultureInfo.InvariantCulture, Query, "orders_typed")));
        }

        return (Median(view.Skip(1).ToList()), Median(typed.Skip(1).ToList()));
    }

    private static async Task<double> TimeAsync(MirrorStore store, string sql)
    {
        var start = Stopwatch.GetTimestamp();
        var result = await store.QueryAsync(sql);
        var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        return result.RowCount > 0 ? elapsed : throw new InvalidOperationException("The aggregate returned no rows.");
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values.Count % 2 == 1 ? values[values.Count / 2] : (values[(values.Count / 2) - 1] + values[values.Count / 2]) / 2;
    }

    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static string SqliteVersion()
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT sqlite_version()";
        return (string)command.ExecuteScalar()!;
    }
}
