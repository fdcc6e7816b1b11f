using System.Diagnostics;
using System.Globalization;
using Npgsql;
using OxideMirror.PostgreSql;
using OxideMirror.PostgreSql.Tests;

namespace OxideMirror.Benchmarks;

/// <summary>
/// The PostgreSQL comparison (<c>--postgres</c>): starts a throwaway cluster (the PostgreSQL tests' fixture), then
/// measures side by side on it, each part in a database of its own: the <see cref="Syncer"/> over
/// <c>PostgresMirrorStore.Writer</c> against the fastest plain Npgsql code doing the same writes (<see cref="PgRawWriter"/>);
/// two worker processes syncing two sources against one worker syncing both; an agent point lookup and a grouped
/// aggregate through <c>QueryAsync</c> against the same SQL on plain typed tables through plain Npgsql. Prints one
/// <c>postgres …</c> summary line.
/// </summary>
internal static class PostgresRun
{
    private const int Deltas = 60_000;
    private const int PageSize = 2_000;
    private const int Rounds = 3;
    private const int WorkerPages = 30;
    private const int WorkerPageSize = 1_000;
    private const int AggregateRecords = 200_000;
    private const int Customers = 50_000;

    public static async Task<int> RunAsync(string[] args)
    {
        var only = Array.IndexOf(args, "--only") is var at and >= 0 && at + 1 < args.Length ? args[at + 1] : null; // "--only workers", for tuning that part
        var c = CultureInfo.InvariantCulture;
        if (PostgresBinaries.BinDir is null)
        {
            Console.Error.WriteLine("--postgres needs the PostgreSQL server binaries (initdb, pg_ctl). " + PostgresBinaries.InstallHint);
            return 1;
        }

        var server = new PostgresServer();
        await server.InitializeAsync();
        try
        {
            var version = await ScalarAsync(server.AdminConnectionString, "SHOW server_version");
            Console.WriteLine(string.Create(c, $"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}, PostgreSQL {version} ({PostgresBinaries.BinDir}; fsync=off, synchronous_commit=off)"));

            if (only is "workers")
            {
                var w1 = await WorkersAsync(server, workers: 1);
                var w2 = await WorkersAsync(server, workers: 2);
                Console.WriteLine(string.Create(c, $"workers: one {w1:0} events/s, two {w2:0} events/s, two/one = {w2 / w1:0.00}"));
                return 0;
            }

            // 1. Apply through the Syncer against the raw floor.
            var batches = Workload.Batches(seed: 1, Deltas, PageSize);
            await ApplyAsync(server, batches.Take(3).ToList());
            await RawAsync(server, batches.Take(3).ToList(), copy: false);
            await RawAsync(server, batches.Take(3).ToList(), copy: true);
            double apply = 0, rawInsert = 0, rawCopy = 0;
            for (var round = 0; round < Rounds; round++)
            {
                apply = Math.Max(apply, await ApplyAsync(server, batches));
                rawInsert = Math.Max(rawInsert, await RawAsync(server, batches, copy: false));
                rawCopy = Math.Max(rawCopy, await RawAsync(server, batches, copy: true));
                Console.WriteLine(string.Create(c, $"round {round + 1}: apply {apply:0} events/s, raw (unnest) {rawInsert:0}/s, raw (COPY events) {rawCopy:0}/s (best so far)"));
            }

            var raw = Math.Max(rawInsert, rawCopy);
            Console.WriteLine(string.Create(c, $"apply:  {apply,10:0} events/s  (Syncer over PostgresMirrorStore.Writer, {Deltas} deltas, pages of {PageSize}, 40% updates)"));
            Console.WriteLine(string.Create(c, $"raw:    {raw,10:0} events/s  (plain Npgsql: lookup, events, records, typed tables, cursor; one transaction and two round trips a page; {(rawCopy > rawInsert ? "COPY" : "unnest")} won)"));
            Console.WriteLine(string.Create(c, $"apply/raw = {apply / raw:0.00} (target >= 0.5)"));

            // 2. Two workers on two sources against one worker syncing both.
            var one = await WorkersAsync(server, workers: 1);
            var two = await WorkersAsync(server, workers: 2);
            Console.WriteLine(string.Create(c, $"workers: one {one:0} events/s, two {two:0} events/s (two processes, one source each, {WorkerPages} pages of {WorkerPageSize} per source), two/one = {two / one:0.00} (target >= 1.5)"));

            // 3. Agent queries against plain typed tables.
            var (pointUs, pointRawUs, aggMs, aggTypedMs, aggQueryTypedMs) = await QueriesAsync(server);
            Console.WriteLine(string.Create(c, $"point lookup (indexed email): QueryAsync {pointUs:0} us, plain Npgsql on a typed table {pointRawUs:0} us, ratio {pointUs / pointRawUs:0.0}"));
            Console.WriteLine(string.Create(c, $"grouped aggregate over {AggregateRecords} orders: QueryAsync {aggMs:0.0} ms, plain Npgsql on a typed table {aggTypedMs:0.0} ms, ratio {aggMs / aggTypedMs:0.00} (target <= 1.5); QueryAsync on the typed table {aggQueryTypedMs:0.0} ms"));

            Console.WriteLine(string.Create(
                c,
                $"postgres apply_per_s={apply:0} raw_per_s={raw:0} raw_unnest_per_s={rawInsert:0} raw_copy_per_s={rawCopy:0} apply_vs_raw={apply / raw:0.00} (>=0.5) one_worker_per_s={one:0} two_workers_per_s={two:0} two_vs_one={two / one:0.00} (>=1.5) point_us={pointUs:0} point_raw_us={pointRawUs:0} point_vs_raw={pointUs / pointRawUs:0.0} agg_ms={aggMs:0.0} agg_typed_ms={aggTypedMs:0.0} agg_vs_typed={aggMs / aggTypedMs:0.00} (<=1.5)"));
            return 0;
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    /// <summary>
    /// The child process's job (<c>--postgres-worker CS SOURCES BARRIER</c>): warm up, say so (<c>BARRIER.ready.SOURCES</c>),
    /// wait for the parent's go (<c>BARRIER.go</c>), then sync the sources one after the other and print the window.
    /// </summary>
    public static async Task<int> WorkerAsync(string connectionString, string sources, string barrier)
    {
        await using var store = await PostgresMirrorStore.OpenAsync(connectionString);
        var ids = sources.Split(',');
        // Warm up to the steady state the window measures (the parent starts the child without tiered compilation, so
        // every method is compiled once, optimised, here): pool, JIT, every path of a page.
        await new Syncer(store.Writer).SyncAsync(new WorkerSource("warm-" + ids[0], seed: 99, pages: 40, pageSize: 50));
        await JitSettledAsync();
        await File.WriteAllTextAsync(barrier + ".ready." + sources, "ready");
        while (!File.Exists(barrier + ".go"))
        {
            await Task.Delay(5);
        }

        var start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var cpu = Environment.CpuUsage.TotalTime;
        var jitted = System.Runtime.JitInfo.GetCompiledMethodCount();
        var jitTime = System.Runtime.JitInfo.GetCompilationTime();
        long events = 0;
        foreach (var (id, i) in ids.Select((id, i) => (id, i)))
        {
            events += (await new Syncer(store.Writer).SyncAsync(new WorkerSource(id, seed: 20 + i, WorkerPages, WorkerPageSize))).Pulled;
        }

        var end = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var cpuMs = (Environment.CpuUsage.TotalTime - cpu).TotalMilliseconds;
        var jitMs = (System.Runtime.JitInfo.GetCompilationTime() - jitTime).TotalMilliseconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"events={events} start_ms={start} end_ms={end} cpu_ms={cpuMs:0} jit_methods={System.Runtime.JitInfo.GetCompiledMethodCount() - jitted} jit_ms={jitMs:0}"));
        return 0;
    }

    /// <summary>Waits until the JIT compiled no method for half a second (at most 10 s): the background tier-1 recompiles are done.</summary>
    private static async Task JitSettledAsync()
    {
        var watch = Stopwatch.StartNew();
        var count = System.Runtime.JitInfo.GetCompiledMethodCount();
        while (watch.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(500);
            var now = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (now == count)
            {
                return;
            }

            count = now;
        }
    }

    private static async Task<double> ApplyAsync(PostgresServer server, List<List<Delta>> batches)
    {
        var pages = batches.Select((b, i) => new PullResult(b, (i + 1).ToString(CultureInfo.InvariantCulture), i < batches.Count - 1)).ToList();
        await using var store = await PostgresMirrorStore.OpenAsync(await server.CreateDatabaseAsync());
        var syncer = new Syncer(store.Writer);
        Collect();
        var watch = Stopwatch.StartNew();
        var report = await syncer.SyncAsync(new StaticSource("bench", pages));
        watch.Stop();
        return report.Pulled / watch.Elapsed.TotalSeconds;
    }

    private static async Task<double> RawAsync(PostgresServer server, List<List<Delta>> batches, bool copy)
    {
        var cs = await server.CreateDatabaseAsync();
        await (await PostgresMirrorStore.OpenAsync(cs)).DisposeAsync();
        var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        await PgRawWriter.CreateTablesAsync(connection);
        await using var raw = new PgRawWriter(connection, copy);
        Collect();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < batches.Count; i++)
        {
            await raw.WritePageAsync(batches[i], (i + 1).ToString(CultureInfo.InvariantCulture));
        }

        watch.Stop();
        return batches.Sum(b => b.Count) / watch.Elapsed.TotalSeconds;
    }

    /// <summary>Syncs two sources' pages with one worker process (both sources) or two (one each), from one agreed start; events/s over the whole window.</summary>
    private static async Task<double> WorkersAsync(PostgresServer server, int workers)
    {
        var cs = await server.CreateDatabaseAsync();
        await (await PostgresMirrorStore.OpenAsync(cs)).DisposeAsync();
        var barrier = Path.Combine(Path.GetTempPath(), "oxidemirror-pgbench-" + Guid.NewGuid().ToString("N"));
        var jobs = workers == 1 ? new[] { "crm,billing" } : ["crm", "billing"];
        var children = jobs.Select(sources => Task.Run(() => Child(["--postgres-worker", cs, sources, barrier]))).ToList();
        while (!jobs.All(j => File.Exists(barrier + ".ready." + j)) && !children.Any(c => c.IsCompleted))
        {
            await Task.Delay(5);
        }

        await File.WriteAllTextAsync(barrier + ".go", "go");
        var (waits, backendCpuMs) = await SampleWaitsAsync(cs, Task.WhenAll(children));
        var results = await Task.WhenAll(children);
        Console.WriteLine("  the workers' backends, sampled every 20 ms: " + string.Join(", ", waits.OrderByDescending(w => w.Value).Select(w => w.Key + " " + w.Value.ToString(CultureInfo.InvariantCulture))));
        foreach (var file in Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(barrier) + ".*"))
        {
            File.Delete(file);
        }

        foreach (var (r, i) in results.Select((r, i) => (r, i)))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  worker {i + 1} of {workers} ({jobs[i]}): {r["events"]} events in {long.Parse(r["end_ms"], CultureInfo.InvariantCulture) - long.Parse(r["start_ms"], CultureInfo.InvariantCulture)} ms, {r["cpu_ms"]} ms of the worker's CPU ({r["jit_methods"]} methods JIT-compiled in {r["jit_ms"]} ms)"));
        }

        var events = results.Sum(r => long.Parse(r["events"], CultureInfo.InvariantCulture));
        var start = results.Min(r => long.Parse(r["start_ms"], CultureInfo.InvariantCulture));
        var end = results.Max(r => long.Parse(r["end_ms"], CultureInfo.InvariantCulture));
        var clientMs = results.Sum(r => double.Parse(r["cpu_ms"], CultureInfo.InvariantCulture));
        var clientUs = clientMs * 1000 / events;
        var serverUs = backendCpuMs * 1000 / events;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  CPU per event: client {clientUs:0} us, server backends {serverUs:0} us; {(clientMs + backendCpuMs) / (end - start):0.00} of {Environment.ProcessorCount} cores used over the window; all cores busy with nothing else would allow {Environment.ProcessorCount * 1_000_000 / (clientUs + serverUs):0} events/s"));
        return events / ((end - start) / 1000.0);
    }

    /// <summary>
    /// Counts what the database's client backends are doing (active on CPU or waiting for a core, or their wait event)
    /// until <paramref name="done"/> completes, and how much CPU they used meanwhile (user + system time from
    /// <c>/proc/PID/stat</c>, the server running on this machine): the time of those seen at the first sample counts from
    /// there, of those that start later from their start.
    /// </summary>
    private static async Task<(Dictionary<string, int> Waits, double BackendCpuMs)> SampleWaitsAsync(string connectionString, Task done)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var first = new Dictionary<int, long>();
        var last = new Dictionary<int, long>();
        var firstSample = true;
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var sample = new NpgsqlCommand(
            "SELECT pid, CASE WHEN state = 'active' THEN coalesce(wait_event_type || ':' || wait_event, 'cpu') END FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'", connection);
        while (!done.IsCompleted)
        {
            await using (var reader = await sample.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    var pid = reader.GetInt32(0);
                    if (CpuTicks(pid) is { } ticks)
                    {
                        if (!first.ContainsKey(pid))
                        {
                            first[pid] = firstSample ? ticks : 0;
                        }

                        last[pid] = ticks;
                    }

                    if (!reader.IsDBNull(1))
                    {
                        var key = reader.GetString(1);
                        counts[key] = counts.GetValueOrDefault(key) + 1;
                    }
                }
            }

            firstSample = false;
            await Task.WhenAny(done, Task.Delay(20));
        }

        return (counts, last.Sum(p => p.Value - first[p.Key]) * 10.0); // USER_HZ is 100 on Linux
    }

    /// <summary>Gets a local process's user + system CPU time in clock ticks, or null when it is gone (or not local).</summary>
    private static long? CpuTicks(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture); // utime, stime (fields 14 and 15)
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static async Task<(double PointUs, double PointRawUs, double AggMs, double AggTypedMs, double AggQueryTypedMs)> QueriesAsync(PostgresServer server)
    {
        var cs = await server.CreateDatabaseAsync();
        var database = new NpgsqlConnectionStringBuilder(cs).Database!;
        var options = new PostgresMirrorStoreOptions { AgentRole = "agent_" + database, AgentPassword = "bench-agent" };
        await using var store = await PostgresMirrorStore.OpenAsync(cs, options);
        await store.EnsureAgentRoleAsync();
        var orders = Workload.OrdersOnly(seed: 3);
        var orderPages = Enumerable.Range(0, AggregateRecords / WorkerPageSize).Select(i => new PullResult(Own(orders.Next(WorkerPageSize), "shop"), (i + 1).ToString(CultureInfo.InvariantCulture), true)).ToList();
        await new Syncer(store.Writer).SyncAsync(new StaticSource("shop", orderPages));
        var customers = new Workload(seed: 5, updateShare: 0, only: 0);
        var customerPages = Enumerable.Range(0, Customers / WorkerPageSize).Select(i => new PullResult(Own(customers.Next(WorkerPageSize), "crm"), (i + 1).ToString(CultureInfo.InvariantCulture), true)).ToList();
        await new Syncer(store.Writer).SyncAsync(new StaticSource("crm", customerPages));

        await using var plain = new NpgsqlConnection(cs);
        await plain.OpenAsync();
        await using (var setup = new NpgsqlCommand(
            "CREATE INDEX ON oxidemirror.customers (email); " +
            "CREATE TABLE oxidemirror.orders_typed AS SELECT record_id, customer_id, status, amount::float8 AS amount, currency, items::int AS items, placed_at, comment FROM oxidemirror.orders; " +
            "ALTER TABLE oxidemirror.orders_typed ADD PRIMARY KEY (record_id); " +
            "CREATE TABLE oxidemirror.customers_typed AS SELECT record_id, name, email, country, tier::int AS tier, balance::float8 AS balance, active, notes FROM oxidemirror.customers; " +
            "ALTER TABLE oxidemirror.customers_typed ADD PRIMARY KEY (record_id); CREATE INDEX ON oxidemirror.customers_typed (email); " +
            $"GRANT SELECT ON oxidemirror.orders_typed, oxidemirror.customers_typed TO \"{options.AgentRole}\"",
            plain))
        {
            await setup.ExecuteNonQueryAsync();
        }

        foreach (var table in new[] { "orders", "customers", "orders_typed", "customers_typed" })
        {
            await using var vacuum = new NpgsqlCommand($"VACUUM ANALYZE oxidemirror.{table}", plain);
            await vacuum.ExecuteNonQueryAsync();
        }

        var emails = new List<string>();
        await using (var list = new NpgsqlCommand("SELECT email FROM oxidemirror.customers ORDER BY record_id LIMIT 200", plain))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                emails.Add(reader.GetString(0));
            }
        }

        var point = new List<double>();
        var pointRaw = new List<double>();
        await using var lookup = new NpgsqlCommand("SELECT record_id, name, country FROM oxidemirror.customers_typed WHERE email = $1 LIMIT 1", plain);
        lookup.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        await lookup.PrepareAsync();
        for (var i = 0; i < 600; i++)
        {
            var email = emails[i % emails.Count];
            var start = Stopwatch.GetTimestamp();
            var result = await store.QueryAsync("SELECT record_id, name, country FROM customers WHERE email = @email LIMIT 1", new { email });
            var elapsed = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            if (result.RowCount != 1)
            {
                throw new InvalidOperationException("The point lookup found no row.");
            }

            lookup.Parameters[0].Value = email;
            start = Stopwatch.GetTimestamp();
            await using (var reader = await lookup.ExecuteReaderAsync())
            {
                if (!await reader.ReadAsync())
                {
                    throw new InvalidOperationException("The typed point lookup found no row.");
                }

                _ = (reader.GetString(0), reader.GetString(1), reader.GetString(2));
            }

            var rawElapsed = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            if (i >= 100)
            {
                point.Add(elapsed);
                pointRaw.Add(rawElapsed);
            }
        }

        const string Query = "SELECT status, count(*) AS n, sum(amount) AS total, avg(items) AS items FROM {0} WHERE amount > 100 GROUP BY status";
        var agg = new List<double>();
        var aggTyped = new List<double>();
        var aggQueryTyped = new List<double>();
        await using var typed = new NpgsqlCommand(string.Format(CultureInfo.InvariantCulture, Query, "oxidemirror.orders_typed"), plain);
        await typed.PrepareAsync();
        for (var i = 0; i < 16; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var result = await store.QueryAsync(string.Format(CultureInfo.InvariantCulture, Query, "orders"));
            agg.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            if (result.RowCount == 0)
            {
                throw new InvalidOperationException("The aggregate returned no rows.");
            }

            start = Stopwatch.GetTimestamp();
            var rows = 0;
            await using (var reader = await typed.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    rows++;
                    _ = (reader.GetString(0), reader.GetInt64(1), reader.GetDouble(2), reader.GetDecimal(3));
                }
            }

            aggTyped.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            start = Stopwatch.GetTimestamp();
            await store.QueryAsync(string.Format(CultureInfo.InvariantCulture, Query, "orders_typed"));
            aggQueryTyped.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        return (Median(point), Median(pointRaw), Median(agg.Skip(1).ToList()), Median(aggTyped.Skip(1).ToList()), Median(aggQueryTyped.Skip(1).ToList()));
    }

    private static Dictionary<string, string> Child(string[] arguments)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };

        // A worker runs for hours and reaches its tier-1 code; a child measured for seconds would spend most of its CPU
        // in the JIT's background recompiles instead (with default tiering, 1,000–2,700 methods and 1–3 s of JIT inside
        // a 60,000-event window, after any warm-up tried), and two children pay that twice on two cores. Without tiered
        // compilation every method is compiled optimised once, in the warm-up; the child prints what the window JIT-compiled.
        start.Environment["DOTNET_TieredCompilation"] = Environment.GetEnvironmentVariable("OXIDEMIRROR_BENCH_TIERED") is "1" ? "1" : "0";
        if (Path.GetFileName(Environment.ProcessPath!) is "dotnet" or "dotnet.exe")
        {
            start.ArgumentList.Add(typeof(PostgresRun).Assembly.Location);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var child = Process.Start(start)!;
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var output = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        foreach (var pair in output.Split((char[])['\n', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                values[pair[..equals]] = pair[(equals + 1)..];
            }
        }

        return child.ExitCode == 0 && values.ContainsKey("events") ? values : throw new InvalidOperationException($"The worker child ({arguments[2]}) exited with {child.ExitCode} and printed: {output}");
    }

    private static List<Delta> Own(List<Delta> deltas, string source) => deltas.Select(d => d with { Provenance = new Provenance(source, d.Provenance.Confidence) }).ToList();

    private static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
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

    /// <summary>A source of generated pages whose deltas carry its own id as their source and in their record ids, so two sources never share a record.</summary>
    private sealed class WorkerSource(string id, int seed, int pages, int pageSize) : ISyncSource
    {
        private readonly Workload _workload = new(seed);

        public string Id { get; } = id;

        public Task<PullResult> PullAsync(string? cursor, CancellationToken cancellationToken = default)
        {
            var page = cursor is null ? 0 : int.Parse(cursor, CultureInfo.InvariantCulture);
            var deltas = _workload.Next(pageSize).Select(d => d with { RecordId = Id + "-" + d.RecordId, Provenance = new Provenance(Id, d.Provenance.Confidence) }).ToList();
            return Task.FromResult(new PullResult(deltas, (page + 1).ToString(CultureInfo.InvariantCulture), page + 1 < pages));
        }
    }
}
