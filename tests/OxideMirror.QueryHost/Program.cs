using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OxideMirror;
using OxideMirror.QueryHost;

// Usage: OxideMirror.QueryHost <spec.json>. Prints one JSON QueryReport line on stdout.
var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
var spec = JsonSerializer.Deserialize<QuerySpec>(File.ReadAllText(args[0]), json)!;
var timeout = TimeSpan.FromMilliseconds(spec.TimeoutMs);
await using var store = await MirrorStore.OpenAsync(spec.Store, new MirrorStoreOptions { MaxReaders = spec.MaxReaders, QueryTimeout = timeout });

// Warm up every reader and both query paths before measuring.
await Task.WhenAll(Enumerable.Range(0, spec.MaxReaders).Select(_ => Task.Run(() => store.QueryAsync("SELECT count(*) FROM sqlite_schema"))));
await store.QueryAsync<long>("SELECT 1");

QueryOutcome[] outcomes;
if (spec.AtOnce)
{
    var baseline = ResetPeak();
    using var gate = new ManualResetEventSlim();
    var runs = spec.Queries.Select(query => Task.Run(() =>
    {
        gate.Wait();
        return RunAsync(query);
    })).ToList();
    gate.Set();
    var ended = await Task.WhenAll(runs);
    var growth = Status("VmHWM") - baseline;
    outcomes = [.. ended.Select(e => new QueryOutcome(e.Outcome, e.Message, e.ElapsedMs, growth))];
}
else
{
    outcomes = new QueryOutcome[spec.Queries.Count];
    for (var i = 0; i < outcomes.Length; i++)
    {
        var baseline = ResetPeak();
        var ended = await RunAsync(spec.Queries[i]);
        outcomes[i] = ended with { GrowthBytes = Status("VmHWM") - baseline };
    }
}

Console.WriteLine(JsonSerializer.Serialize(new QueryReport(outcomes), json));

async Task<QueryOutcome> RunAsync(QueryCase query)
{
    using var cancel = new CancellationTokenSource();
    if (spec.CancelAfterMs is { } after)
    {
        cancel.CancelAfter(after);
    }

    var started = Stopwatch.GetTimestamp();
    string outcome;
    string? message = null;
    try
    {
        if (query.Typed)
        {
            var typed = await store.QueryAsync<object>(query.Sql, null, cancel.Token);
            outcome = typed.Truncated ? "truncated" : "answered";
        }
        else
        {
            var result = await store.QueryAsync(query.Sql, null, new QueryOptions { AsOf = query.AsOf, Timeout = timeout }, cancel.Token);
            outcome = result.Truncated ? "truncated" : "answered";
        }
    }
    catch (Exception ex)
    {
        outcome = ex.GetType().Name;
        message = ex.Message;
    }

    return new QueryOutcome(outcome, message, Stopwatch.GetElapsedTime(started).TotalMilliseconds, 0);
}

// Collects garbage and resets the kernel's peak-RSS mark (VmHWM), so that the next reading measures what follows.
static long ResetPeak()
{
    GC.Collect();
    GC.WaitForPendingFinalizers();
    GC.Collect();
    File.WriteAllText("/proc/self/clear_refs", "5");
    return Status("VmRSS");
}

static long Status(string field)
{
    foreach (var line in File.ReadLines("/proc/self/status"))
    {
        if (line.StartsWith(field + ":", StringComparison.Ordinal))
        {
            return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        }
    }

    throw new InvalidOperationException($"/proc/self/status has no {field}.");
}
