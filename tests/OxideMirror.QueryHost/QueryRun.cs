using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace OxideMirror.QueryHost;

/// <summary>Opens the store, warms it up, runs the spec's queries and measures them.</summary>
internal static class QueryRun
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static async Task<QueryReport> RunAsync(QuerySpec spec)
    {
        var timeout = TimeSpan.FromMilliseconds(spec.TimeoutMs);
        await using var store = await MirrorStore.OpenAsync(spec.Store, new MirrorStoreOptions { MaxReaders = spec.MaxReaders, QueryTimeout = timeout });

        // Warm up every reader and both query paths before measuring (a refused query is measured like any other).
        try
        {
            await Task.WhenAll(Enumerable.Range(0, spec.MaxReaders).Select(_ => Task.Run(() => store.QueryAsync("SELECT count(*) FROM sqlite_schema"))));
            await store.QueryAsync<long>("SELECT 1");
        }
        catch (QueryException)
        {
        }

        if (spec.AtOnce)
        {
            var baseline = ResetPeak();
            using var gate = new ManualResetEventSlim();
            var runs = spec.Queries.Select(query => Task.Run(() =>
            {
                gate.Wait();
                return RunOneAsync(store, spec, query, timeout);
            })).ToList();
            gate.Set();
            var ended = await Task.WhenAll(runs);
            var growth = Status("VmHWM") - baseline;
            return new QueryReport([.. ended.Select(e => e with { GrowthBytes = growth })]);
        }

        var outcomes = new QueryOutcome[spec.Queries.Count];
        for (var i = 0; i < outcomes.Length; i++)
        {
            var baseline = ResetPeak();
            var ended = await RunOneAsync(store, spec, spec.Queries[i], timeout);
            outcomes[i] = ended with { GrowthBytes = Status("VmHWM") - baseline };
        }

        return new QueryReport(outcomes);
    }

    private static async Task<QueryOutcome> RunOneAsync(MirrorStore store, QuerySpec spec, QueryCase query, TimeSpan timeout)
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

    /// <summary>Collects garbage and resets the kernel's peak-RSS mark (VmHWM), so that the next reading measures what follows.</summary>
    private static long ResetPeak()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        File.WriteAllText("/proc/self/clear_refs", "5");
        return Status("VmRSS");
    }

    private static long Status(string field)
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
}
