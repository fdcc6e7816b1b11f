// OxideMirror shared mirror: one PostgreSQL mirror, two sync workers in two processes writing into it at once (a CRM
// and a billing service), and an agent in this process asking across both while they sync — then reading the log to
// see the other processes' commits. Set OXIDEMIRROR_POSTGRES to a Npgsql connection string to use your own server;
// without it the sample starts a throwaway cluster from the local PostgreSQL binaries and removes it at the end.
using System.Diagnostics;
using System.Globalization;
using Npgsql;
using OxideMirror;
using OxideMirror.Http;
using OxideMirror.PostgreSql;

const string ServerVariable = "OXIDEMIRROR_POSTGRES";
const string Schema = "shared_mirror";
var mirrorOptions = new PostgresMirrorStoreOptions { Schema = Schema, AgentRole = "shared_mirror_agent", AgentPassword = "agent-secret" };

// A worker (the sample started again with --worker): sync one service into the shared mirror, holding its source's
// lock for the whole sync, and print the report. Section 4 below starts two of them.
if (args is ["--worker", var sourceId, var resource, var address])
{
    await using var workerStore = await PostgresMirrorStore.OpenAsync(Environment.GetEnvironmentVariable(ServerVariable)!, mirrorOptions);
    var sourceOptions = new HttpSourceOptions { Id = sourceId, BaseAddress = new Uri(address) };
    sourceOptions.Resources.Add(new HttpResourceOptions
    {
        Name = resource,
        Path = resource,
        RecordsPath = "data",
        EventTimeField = "updated_at",
        Paginator = HttpPaginator.LinkHeader,
    });
    using var source = new HttpSource(sourceOptions);
    await using var lease = await workerStore.LockSourceAsync(sourceId);
    var report = await new Syncer(lease.Writer).SyncAsync(source);
    Console.WriteLine($"   [{sourceId} worker, pid {Environment.ProcessId}] synced {report.Pages} pages: {report.Applied} {resource} applied{(report.Error is null ? "" : ", failed: " + report.Error.Message)}");
    return report.Error is null ? 0 : 1;
}

// 1. Find a PostgreSQL server: the one OXIDEMIRROR_POSTGRES names, or a throwaway cluster of our own.
var connectionString = Environment.GetEnvironmentVariable(ServerVariable);
LocalPostgres? local = null;
if (string.IsNullOrWhiteSpace(connectionString))
{
    if (LocalPostgres.FindBinaries() is not { } bin)
    {
        Console.Error.WriteLine($"No PostgreSQL server: {ServerVariable} is not set and no PostgreSQL server binaries (initdb, pg_ctl) were found.");
        Console.Error.WriteLine(LocalPostgres.InstallHint);
        return 2;
    }

    local = LocalPostgres.Start(bin);
    connectionString = local.ConnectionString;
    Console.WriteLine($"1. Started a throwaway PostgreSQL cluster from {bin} on {new NpgsqlConnectionStringBuilder(connectionString).Port}");
}
else
{
    Console.WriteLine($"1. Using the PostgreSQL server {ServerVariable} names");
}

try
{
    return await RunAsync(connectionString);
}
finally
{
    local?.Dispose();
}

async Task<int> RunAsync(string connectionString)
{
    // 2. Open the shared mirror (a fresh schema each run) and create the read-only role the agent's SQL runs as.
    await using (var connection = new NpgsqlConnection(connectionString))
    {
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {Schema} CASCADE", connection);
        await drop.ExecuteNonQueryAsync();
    }

    await using var store = await PostgresMirrorStore.OpenAsync(connectionString, mirrorOptions);
    await store.EnsureAgentRoleAsync();
    var start = await store.GetPositionAsync();
    Console.WriteLine($"2. Opened the mirror in schema '{store.Schema}'; the agent queries as role '{store.AgentRole}'");

    // 3. Start the two services on loopback.
    await using var services = await DemoServices.StartAsync();
    Console.WriteLine($"3. CRM on {services.CrmAddress} ({DemoServices.CustomerCount} customers), billing on {services.BillingAddress} ({DemoServices.InvoiceCount} invoices)");

    // The agent watches the log from here: every change any process commits arrives, in log order.
    var watched = new Dictionary<string, int>(StringComparer.Ordinal);
    long lastWatched = start;
    using var stopWatching = new CancellationTokenSource();
    var watch = WatchAsync(stopWatching.Token);

    // 4. Two sync workers, one process each, syncing at the same time; the agent asks while they sync.
    var workers = new[]
    {
        StartWorker("crm", "customers", services.CrmAddress),
        StartWorker("billing", "invoices", services.BillingAddress),
    };
    Console.WriteLine($"4. Started sync workers crm (pid {workers[0].Id}) and billing (pid {workers[1].Id}); the agent asks every 0.5 s:");
    var clock = Stopwatch.StartNew();
    var lastAnswer = string.Empty;
    while (workers.Any(w => !w.HasExited))
    {
        await Task.Delay(500);
        var answer = await AskAsync();
        if (answer != lastAnswer)
        {
            Console.WriteLine($"   agent at {clock.Elapsed.TotalSeconds,4:0.0} s: {answer}");
            lastAnswer = answer;
        }
    }

    foreach (var worker in workers)
    {
        await worker.WaitForExitAsync();
    }

    if (workers.Any(w => w.ExitCode != 0))
    {
        Console.Error.WriteLine("A sync worker failed; see its output above.");
        return 1;
    }

    // 5. The final answer: who owes the most, a join of the CRM's customers and the billing service's invoices.
    var final = await store.QueryAsync(
        """
        SELECT c.name, c.region, count(*) AS overdue, sum(i.amount) AS amount
        FROM invoices i JOIN customers c ON c.record_id = i.customer_id
        WHERE i.status = 'overdue'
        GROUP BY c.name, c.region
        ORDER BY amount DESC, c.name
        LIMIT 3
        """);
    Console.WriteLine($"5. {await AskAsync()}. Most overdue:");
    foreach (var row in final.Rows)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"   {row["name"],-18} {row["region"]}  {row["overdue"]} invoices  {row["amount"],5}"));
    }

    // 6. The log: the net changes since the mirror was opened, and what the watch saw arrive from the other processes.
    var changes = await store.GetChangesAsync(start);
    var expected = DemoServices.CustomerCount + DemoServices.InvoiceCount;
    for (var waited = 0; Volatile.Read(ref lastWatched) < changes.Position && waited < 100; waited++)
    {
        await Task.Delay(100); // the watch is woken by NOTIFY; give it a moment to catch up
    }

    await stopWatching.CancelAsync();
    await watch;
    var counts = string.Join(", ", changes.Counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} +{c.Value.Inserted}"));
    string seen;
    lock (watched)
    {
        seen = string.Join(", ", watched.OrderBy(w => w.Key, StringComparer.Ordinal).Select(w => $"{w.Value} from {w.Key}"));
    }

    Console.WriteLine($"6. GetChangesAsync({start}): {changes.Changes.Count} records changed ({counts}), log now at {changes.Position}");
    Console.WriteLine($"   WatchAsync({start}) in this process saw {seen}, committed by the worker processes");

    var ok = changes.Changes.Count == expected && watched.Values.Sum() == expected && final.RowCount > 0;
    Console.WriteLine(ok ? "Done: both workers' commits are in the one mirror, and the agent saw them." : $"Unexpected: {expected} changes were expected.");
    return ok ? 0 : 1;

    async Task WatchAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var change in store.WatchAsync(start, null, cancellationToken))
            {
                lock (watched)
                {
                    watched[change.Source] = watched.GetValueOrDefault(change.Source) + 1;
                }

                Volatile.Write(ref lastWatched, change.Position);
            }
        }
        catch (OperationCanceledException)
        {
            // Section 6 stops the watch.
        }
    }

    // The agent's question, as read-only SQL across both services' tables, once both are mirrored (mirror_resources
    // lists the resources the mirror has seen).
    async Task<string> AskAsync()
    {
        var mirrored = await store.QueryAsync("SELECT count(*) AS n FROM mirror_resources WHERE name IN ('customers', 'invoices')");
        if (Convert.ToInt64(mirrored.Rows[0]["n"], System.Globalization.CultureInfo.InvariantCulture) < 2)
        {
            return "customers and invoices are not both mirrored yet";
        }

        var result = await store.QueryAsync(
            """
            SELECT (SELECT count(*) FROM customers) AS customers,
                   (SELECT count(*) FROM invoices) AS invoices,
                   (SELECT count(*) FROM invoices i JOIN customers c ON c.record_id = i.customer_id) AS matched
            """);
        var row = result.Rows[0];
        return $"{row["customers"]} customers, {row["invoices"]} invoices, {row["matched"]} invoices matched to a customer";
    }
}

Process StartWorker(string sourceId, string resource, Uri address)
{
    // Run this same program again, as `--worker`; under `dotnet SharedMirror.dll` the process is dotnet itself.
    var self = Environment.ProcessPath!;
    var info = new ProcessStartInfo(self);
    if (Path.GetFileNameWithoutExtension(self) == "dotnet")
    {
        info.ArgumentList.Add(typeof(DemoServices).Assembly.Location);
    }

    foreach (var argument in new[] { "--worker", sourceId, resource, address.ToString() })
    {
        info.ArgumentList.Add(argument);
    }

    info.Environment[ServerVariable] = connectionString;
    return Process.Start(info)!;
}
