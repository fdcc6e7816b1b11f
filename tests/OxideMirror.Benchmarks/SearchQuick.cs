using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace OxideMirror.Benchmarks;

/// <summary>
/// The search quick mode (<c>--search</c>): apply throughput into a file store for a resource with and without a search
/// index on two text fields (title, about 8 words; body, about 60), for new records, for updates that change the body,
/// and for updates that change only a field outside the index; then the time to build an index over the records, a
/// rebuild from the log with and without it, and a ranked search. Best of three rounds, 1,000 deltas per transaction.
/// </summary>
internal static class SearchQuick
{
    private const int Records = 20_000;
    private const int Deltas = 60_000;
    private const int BatchSize = 1_000;
    private const int Rounds = 3;

    private static readonly string[] Vocabulary = MakeVocabulary();

    public static async Task<int> RunAsync()
    {
        var c = CultureInfo.InvariantCulture;
        var dir = Path.Combine(Path.GetTempPath(), "oxidemirror-bench-search-" + Environment.ProcessId.ToString(c));
        Directory.CreateDirectory(dir);
        try
        {
            Console.WriteLine(string.Create(c, $"search: {Deltas} deltas over {Records} records, {BatchSize} per transaction, best of {Rounds}; load average {LoadAverage()}"));
            foreach (var (name, kind) in new[] { ("new records", 0), ("updates changing the body", 1), ("updates changing only status", 2) })
            {
                var plain = 0.0;
                var indexed = 0.0;
                for (var round = 0; round < Rounds; round++)
                {
                    plain = Math.Max(plain, await ApplyAsync(dir, kind, index: false));
                    indexed = Math.Max(indexed, await ApplyAsync(dir, kind, index: true));
                }

                Console.WriteLine(string.Create(c, $"{name}: no index {plain:0} deltas/s, indexed {indexed:0} deltas/s ({indexed / plain:0.00}x)"));
            }

            var path = Path.Combine(dir, "maintenance.db");
            await using (var store = await MirrorStore.OpenAsync(path))
            {
                foreach (var batch in Batches(kind: 0).Take(Records / BatchSize))
                {
                    await store.ApplyBatchAsync(batch, LastWriteWins.Instance);
                }

                var rebuildPlain = await store.RebuildRecordsAsync();
                var watch = Stopwatch.StartNew();
                await store.CreateSearchIndexAsync("tickets", ["title", "body"]);
                var create = watch.Elapsed;
                var rebuildIndexed = await store.RebuildRecordsAsync();
                var times = new List<double>();
                for (var i = 0; i < 200; i++)
                {
                    watch.Restart();
                    await store.SearchAsync("tickets", Vocabulary[i % 50] + " " + Vocabulary[(i * 7) % 300]);
                    times.Add(watch.Elapsed.TotalMicroseconds);
                }

                times.Sort();
                Console.WriteLine(string.Create(c, $"index of {Records} records built in {create.TotalMilliseconds:0} ms; rebuild from the log {rebuildPlain.Duration.TotalMilliseconds:0} ms without the index, {rebuildIndexed.Duration.TotalMilliseconds:0} ms with it; SearchAsync (two words, 20 hits) median {times[times.Count / 2]:0} µs"));
            }

            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<double> ApplyAsync(string dir, int kind, bool index)
    {
        var path = Path.Combine(dir, "apply.db");
        foreach (var file in new[] { path, path + "-wal", path + "-shm" })
        {
            File.Delete(file);
        }

        await using var store = await MirrorStore.OpenAsync(path);
        var batches = Batches(kind);
        if (kind != 0)
        {
            // Updates need the records first (not timed).
            foreach (var batch in Batches(kind: 0).Take(Records / BatchSize))
            {
                await store.ApplyBatchAsync(batch, LastWriteWins.Instance);
            }
        }
        else
        {
            await store.ApplyAsync(Ticket(-1, 0, 0), LastWriteWins.Instance);
        }

        if (index)
        {
            await store.CreateSearchIndexAsync("tickets", ["title", "body"]);
        }

        var watch = Stopwatch.StartNew();
        foreach (var batch in batches)
        {
            await store.ApplyBatchAsync(batch, LastWriteWins.Instance);
        }

        return Deltas / watch.Elapsed.TotalSeconds;
    }

    /// <summary>kind 0: new records (ids 0…); 1: updates of the first <see cref="Records"/> changing the body; 2: updates changing only status.</summary>
    private static List<List<Delta>> Batches(int kind)
    {
        var batches = new List<List<Delta>>();
        var batch = new List<Delta>(BatchSize);
        for (var i = 0; i < Deltas; i++)
        {
            var id = kind == 0 ? i : i % Records;
            batch.Add(Ticket(id, kind == 1 ? i + 1 : 0, kind == 2 ? i + 1 : 0));
            if (batch.Count == BatchSize)
            {
                batches.Add(batch);
                batch = new List<Delta>(BatchSize);
            }
        }

        return batches;
    }

    private static Delta Ticket(int id, int bodyVersion, int statusVersion)
    {
        var random = new Random(id * 31 + bodyVersion);
        var title = Words(random, 8);
        var body = Words(random, 60);
        var payload = JsonSerializer.SerializeToElement(new { title, body, status = "s" + (statusVersion % 5).ToString(CultureInfo.InvariantCulture), priority = id % 4 });
        return Delta.Upsert("tickets", "t" + id.ToString(CultureInfo.InvariantCulture), payload, "tracker");
    }

    private static string Words(Random random, int count) =>
        string.Join(' ', Enumerable.Range(0, count).Select(_ => Vocabulary[(int)Math.Min(Vocabulary.Length - 1, Math.Abs(random.NextDouble() * random.NextDouble() * Vocabulary.Length))]));

    private static string[] MakeVocabulary()
    {
        var random = new Random(7);
        return Enumerable.Range(0, 5000).Select(_ => new string(Enumerable.Range(0, random.Next(3, 10)).Select(_ => (char)('a' + random.Next(26))).ToArray())).ToArray();
    }

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}
