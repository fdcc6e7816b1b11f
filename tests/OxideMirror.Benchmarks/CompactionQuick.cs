using System.Diagnostics;
using System.Globalization;

namespace OxideMirror.Benchmarks;

/// <summary>
/// The compaction quick mode (<c>--compaction</c>): on a 1,000,000-event log, events per second for a rebuild of the
/// records and resource tables, and for a compaction to the last 5 versions per record (VACUUM included), best of three.
/// </summary>
internal static class CompactionQuick
{
    private const int Rounds = 3;

    public static async Task<int> RunAsync()
    {
        var c = CultureInfo.InvariantCulture;
        var dir = Path.Combine(Path.GetTempPath(), "oxidemirror-bench-compaction-" + Environment.ProcessId.ToString(c));
        Directory.CreateDirectory(dir);
        try
        {
            var template = Path.Combine(dir, "template.db");
            var watch = Stopwatch.StartNew();
            await MillionEventLog.CreateAsync(template);
            Console.WriteLine(string.Create(c, $"generated {MillionEventLog.Events} events in {watch.Elapsed.TotalSeconds:0.0} s, file {new FileInfo(template).Length} bytes"));

            double rebuild = 0, compact = 0;
            for (var round = 0; round < Rounds; round++)
            {
                var path = Path.Combine(dir, "run.db");
                MillionEventLog.Copy(template, path);
                await using (var store = await MirrorStore.OpenAsync(path))
                {
                    var rebuilt = await store.RebuildRecordsAsync();
                    rebuild = Math.Max(rebuild, MillionEventLog.Events / rebuilt.Duration.TotalSeconds);
                    var compacted = await store.CompactAsync(RetentionPolicy.ForVersions(5));
                    compact = Math.Max(compact, MillionEventLog.Events / compacted.Duration.TotalSeconds);
                    Console.WriteLine(string.Create(c, $"round {round + 1}: rebuild {rebuilt.Duration.TotalMilliseconds:0} ms, compaction {compacted}"));
                }
            }

            Console.WriteLine(string.Create(c, $"compaction: rebuild {rebuild:0} events/s, compact {compact:0} events/s (1M events, best of {Rounds})"));
            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
