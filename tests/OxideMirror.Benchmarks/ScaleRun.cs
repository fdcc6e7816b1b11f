using System.Diagnostics;
using System.Globalization;

namespace OxideMirror.Benchmarks;

/// <summary>
/// The scale mode (<c>--scale [--events N] [--records R]</c>, by default 10,000,000 upserts over 2,000,000 records in
/// three resources): a file store synced in a child process (throughput per million, first against last, and peak
/// memory), then, in a second child process, side by side: live against as-of time for a grouped aggregate and an
/// indexed point lookup at three moments (first query and repeated, and what each first aggregate read from the disk),
/// peak memory during the as-of queries, <c>DescribeAsync</c> time, and rebuild and compaction rates. Prints one
/// <c>scale …</c> summary line.
/// </summary>
internal static class ScaleRun
{
    private const int PageSize = 5_000;
    private const string Aggregate = "SELECT status, count(*) AS n, sum(amount) AS total FROM orders GROUP BY status";
    private const string Point = "SELECT record_id, name, country FROM customers WHERE email = @email";

    public static async Task<int> RunAsync(string[] args)
    {
        var c = CultureInfo.InvariantCulture;
        var events = Option(args, "--events", 10_000_000);
        var records = Option(args, "--records", 2_000_000);
        if (records < 3 || records > events)
        {
            Console.Error.WriteLine("--records must be at least 3 and at most --events.");
            return 2;
        }

        var dir = Path.Combine(Path.GetTempPath(), "oxidemirror-bench-scale-" + Environment.ProcessId.ToString(c));
        Directory.CreateDirectory(dir);
        try
        {
            var path = Path.Combine(dir, "scale.db");
            Console.WriteLine(string.Create(c, $"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}"));
            Console.WriteLine(string.Create(c, $"syncing {events} upserts over {records} records (three resources, pages of {PageSize}) into {path}"));
            var sync = Child(["--scale-sync", path, events.ToString(c), records.ToString(c)]);
            var bytes = new FileInfo(path).Length + FileLength(path + "-wal");
            var perMillion = sync.Where(l => l.Key.StartsWith("million_", StringComparison.Ordinal)).Select(l => double.Parse(l.Value, c)).ToList();
            var moments = sync.Where(l => l.Key.StartsWith("moment_", StringComparison.Ordinal)).Select(l => l.Value).ToList();
            var syncPeak = double.Parse(sync["peak_mb"], c);
            var first = perMillion.Count > 0 ? perMillion[0] : double.Parse(sync["events_per_s"], c);
            var last = perMillion.Count > 0 ? perMillion[^1] : first;
            Console.WriteLine(string.Create(c, $"sync: {sync["events_per_s"]} events/s overall; per million: {string.Join(", ", perMillion.Select(v => v.ToString("0", c)))}; last/first {last / first:0.00} (target >= 0.8)"));
            Console.WriteLine(string.Create(c, $"sync peak memory {syncPeak:0} MB (target < 150); file {bytes / (1024.0 * 1024.0):0} MB, {bytes / (double)events:0} bytes per event"));

            var query = Child(["--scale-query", path, .. moments]);
            foreach (var (key, value) in query)
            {
                Console.WriteLine($"{key}: {value}");
            }

            Console.WriteLine(string.Create(
                c,
                $"scale events={events} records={records} sync_per_s={sync["events_per_s"]} last_vs_first={last / first:0.00} sync_peak_mb={syncPeak:0} bytes_per_event={bytes / (double)events:0} " +
                $"agg_live_ms={query["agg_live_ms"]} agg_asof_first_ms={query["agg_asof_first_ms"]} agg_asof_again_ms={query["agg_asof_again_ms"]} agg_asof_first_disk_mb={query["agg_asof_first_disk_mb"]} " +
                $"point_live_us={query["point_live_us"]} point_live_first_us={query["point_live_first_us"]} point_asof_first_us={query["point_asof_first_us"]} point_asof_again_us={query["point_asof_again_us"]} " +
                $"asof_added_mb={query["asof_added_mb"]} describe_ms={query["describe_ms"]} rebuild_per_s={query["rebuild_per_s"]} compact_per_s={query["compact_per_s"]}"));
            return 0;
        }
        finally
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>The sync child (<c>--scale-sync PATH EVENTS RECORDS</c>): prints events/s per million, three moments and the peak working set.</summary>
    public static async Task<int> SyncAsync(string path, int events, int records)
    {
        var c = CultureInfo.InvariantCulture;
        var source = new ScaleSource(events, records);
        var started = Stopwatch.GetTimestamp();
        var millionStarted = started;
        var nextMillion = 1_000_000;
        var moments = new[] { events / 4, events / 2, events * 3 / 4 };
        var nextMoment = 0;
        await using (var store = await MirrorStore.OpenAsync(path))
        {
            var syncer = new Syncer(store);
            var progress = new Inline(p =>
            {
                var pulled = p.Pulled;
                while (pulled >= nextMillion)
                {
                    Console.WriteLine(string.Create(c, $"million_{nextMillion / 1_000_000}={1_000_000 / Stopwatch.GetElapsedTime(millionStarted).TotalSeconds:0}"));
                    millionStarted = Stopwatch.GetTimestamp();
                    nextMillion += 1_000_000;
                }

                while (nextMoment < moments.Length && pulled >= moments[nextMoment])
                {
                    Console.WriteLine(string.Create(c, $"moment_{nextMoment + 1}={DateTimeOffset.UtcNow:O}"));
                    nextMoment++;
                }
            });
            await syncer.SyncAsync(source, progress);
        }

        Console.WriteLine(string.Create(c, $"events_per_s={events / Stopwatch.GetElapsedTime(started).TotalSeconds:0}"));
        Console.WriteLine(string.Create(c, $"peak_mb={PeakMb():0.0}"));
        return 0;
    }

    /// <summary>The query child (<c>--scale-query PATH MOMENT…</c>): prints each measurement as <c>key=value</c>.</summary>
    public static async Task<int> QueryAsync(string path, string[] moments)
    {
        var c = CultureInfo.InvariantCulture;
        var options = new MirrorStoreOptions { QueryTimeout = TimeSpan.FromMinutes(30), QueryMemoryBudget = 8L * 1024 * 1024 * 1024, MaxQueryBytes = 64L * 1024 * 1024 };
        await using var store = await MirrorStore.OpenAsync(path, options);
        await store.CreateIndexAsync("customers", "email");

        var describe = Stopwatch.StartNew();
        await store.DescribeAsync();
        Print("describe_ms", describe.Elapsed.TotalMilliseconds.ToString("0", c));
        var describeAgain = Stopwatch.StartNew();
        await store.DescribeAsync();
        Print("describe_again_ms", describeAgain.Elapsed.TotalMilliseconds.ToString("0", c));

        var emails = (await store.QueryAsync("SELECT email FROM customers ORDER BY record_id LIMIT 200")).Rows.Select(r => (string)r["email"]!).ToList();
        var aggLive = Median(await RepeatAsync(3, () => store.QueryAsync(Aggregate)));
        var pointLive = Median(await RepeatAsync(200, i => store.QueryAsync(Point, new { email = emails[i % emails.Count] }))) * 1000;
        Print("agg_live_ms", aggLive.ToString("0", c));
        Print("point_live_us", pointLive.ToString("0", c));

        // The as-of "first" point lookup at each moment follows an aggregate, which leaves the connection's page cache
        // holding other pages: the live lookup measured the same way, for a like-for-like ratio.
        double pointLiveFirst = 0;
        for (var i = 0; i < 3; i++)
        {
            await store.QueryAsync(Aggregate);
            pointLiveFirst = Math.Max(pointLiveFirst, await TimeAsync(() => store.QueryAsync(Point, new { email = emails[(i * 7) + 1] })) * 1000);
        }

        Print("point_live_first_us", pointLiveFirst.ToString("0", c));

        // The live lookup's statement was compiled, and the code it runs warmed, by the repeats before its first-query
        // measurement; the as-of lookup gets the same, with another email at a moment before the log (no row), so that
        // each moment's first lookup below measures the moment, not the process's first as-of lookup.
        await store.QueryAsync(Point, new { email = emails[^1] }, new QueryOptions { AsOf = DateTimeOffset.UnixEpoch });

        var before = WorkingSetMb();
        var peakBefore = PeakMb();
        double aggFirst = 0, aggAgain = 0, pointFirst = 0, pointAgain = 0, diskFirst = 0;
        foreach (var moment in moments)
        {
            var asOf = new QueryOptions { AsOf = DateTimeOffset.Parse(moment, c) };

            // The point lookups ask a moment of their own (a millisecond later), so that their first query is a first one too.
            var asOfPoint = new QueryOptions { AsOf = asOf.AsOf!.Value.AddMilliseconds(1) };
            try
            {
                var disk = DiskReadMb();
                var first = await TimeAsync(() => store.QueryAsync(Aggregate, null, asOf));
                var firstDisk = DiskReadMb() - disk;
                var again = await TimeAsync(() => store.QueryAsync(Aggregate, null, asOf));
                // A record's email changes with its updates, so as of an earlier moment a lookup may find no row.
                var pointFirstHere = await TimeAsync(() => store.QueryAsync(Point, new { email = emails[0] }, asOfPoint), requireRows: false) * 1000;
                var pointAgainHere = Median(await RepeatAsync(50, i => store.QueryAsync(Point, new { email = emails[i % emails.Count] }, asOfPoint), requireRows: false)) * 1000;
                Print($"asof_{moment}", string.Create(c, $"aggregate first {first:0} ms ({firstDisk:0} MB read from the disk), again {again:0} ms; point first {pointFirstHere:0} us, again {pointAgainHere:0} us"));
                (aggFirst, aggAgain, pointFirst, pointAgain, diskFirst) = (Math.Max(aggFirst, first), Math.Max(aggAgain, again), Math.Max(pointFirst, pointFirstHere), Math.Max(pointAgain, pointAgainHere), Math.Max(diskFirst, firstDisk));
            }
            catch (MirrorException ex)
            {
                Print($"asof_{moment}", $"failed ({ex.Code}): {ex.Message}");
            }
        }

        Print("agg_asof_first_ms", aggFirst.ToString("0", c));
        Print("agg_asof_again_ms", aggAgain.ToString("0", c));
        Print("agg_asof_first_disk_mb", diskFirst.ToString("0", c));
        Print("point_asof_first_us", pointFirst.ToString("0", c));
        Print("point_asof_again_us", pointAgain.ToString("0", c));
        Print("asof_added_mb", (PeakMb() - Math.Max(peakBefore, before)).ToString("0", c));

        var eventCount = await store.EventCountAsync();
        var rebuilt = await store.RebuildRecordsAsync();
        Print("rebuild_per_s", (eventCount / rebuilt.Duration.TotalSeconds).ToString("0", c));
        var compacted = await store.CompactAsync(RetentionPolicy.ForVersions(2));
        Print("compact_per_s", (eventCount / compacted.Duration.TotalSeconds).ToString("0", c));
        Print("compaction", compacted.ToString());
        return 0;
    }

    private static void Print(string key, string value) => Console.WriteLine($"{key}={value}");

    private static async Task<List<double>> RepeatAsync(int times, Func<Task<QueryResult>> run) => await RepeatAsync(times, _ => run());

    private static async Task<List<double>> RepeatAsync(int times, Func<int, Task<QueryResult>> run, bool requireRows = true)
    {
        var timings = new List<double>(times);
        for (var i = 0; i < times; i++)
        {
            timings.Add(await TimeAsync(() => run(i), requireRows));
        }

        return timings;
    }

    private static async Task<double> TimeAsync(Func<Task<QueryResult>> run, bool requireRows = true)
    {
        var start = Stopwatch.GetTimestamp();
        var result = await run();
        var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        return result.RowCount > 0 || !requireRows ? elapsed : throw new InvalidOperationException("A scale query returned no rows.");
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    private static double PeakMb()
    {
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return process.PeakWorkingSet64 / (1024.0 * 1024.0);
    }

    /// <summary>
    /// The bytes this process has read from the storage device so far, in MB (Linux's <c>/proc/self/io</c>
    /// <c>read_bytes</c>; NaN elsewhere): what a query read that the page cache did not hold.
    /// </summary>
    private static double DiskReadMb()
    {
        const string Io = "/proc/self/io";
        if (!File.Exists(Io))
        {
            return double.NaN;
        }

        var line = File.ReadLines(Io).FirstOrDefault(l => l.StartsWith("read_bytes:", StringComparison.Ordinal));
        return line is null ? double.NaN : long.Parse(line["read_bytes:".Length..].Trim(), CultureInfo.InvariantCulture) / (1024.0 * 1024.0);
    }

    private static double WorkingSetMb()
    {
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return process.WorkingSet64 / (1024.0 * 1024.0);
    }

    private static long FileLength(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;

    private static int Option(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static Dictionary<string, string> Child(string[] arguments)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileName(Environment.ProcessPath!) is "dotnet" or "dotnet.exe")
        {
            start.ArgumentList.Add(typeof(ScaleRun).Assembly.Location);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var child = Process.Start(start)!;
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        string? line;
        while ((line = child.StandardOutput.ReadLine()) is not null)
        {
            Console.WriteLine("  " + line);
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                values[line[..equals]] = line[(equals + 1)..];
            }
        }

        child.WaitForExit();
        return child.ExitCode == 0 ? values : throw new InvalidOperationException($"The scale child {arguments[0]} exited with {child.ExitCode}.");
    }

    /// <summary>Reports progress on the syncing thread, in order (<see cref="Progress{T}"/> would post to the thread pool).</summary>
    private sealed class Inline(Action<SyncProgress> report) : IProgress<SyncProgress>
    {
        public void Report(SyncProgress value) => report(value);
    }

    /// <summary>
    /// Generates the scale workload a page at a time: event i is of resource i mod 3, and every fifth event creates a new
    /// record, the others update a random earlier record of their resource, so that the mix stays the same from the first
    /// million to the last and the sync ends with exactly the records asked for.
    /// </summary>
    private sealed class ScaleSource(int events, int records) : ISyncSource
    {
        private readonly Workload _workload = new(seed: 11);
        private readonly int _createEvery = Math.Max(1, events / records);
        private int _served;
        private int _created;

        public string Id => "bench";

        public Task<PullResult> PullAsync(string? cursor, CancellationToken cancellationToken = default)
        {
            var count = Math.Min(PageSize, events - _served);
            var deltas = new List<Delta>(count);
            for (var k = 0; k < count; k++, _served++)
            {
                var create = _created < records && (_served % _createEvery == 0 || events - _served <= records - _created);
                if (create)
                {
                    _created++;
                }

                deltas.Add(_workload.Next(_served % 3, create));
            }

            return Task.FromResult(new PullResult(deltas, _served.ToString(CultureInfo.InvariantCulture), _served < events));
        }
    }
}
