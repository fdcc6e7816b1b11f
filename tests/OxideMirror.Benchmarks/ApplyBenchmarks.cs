using System.Globalization;
using BenchmarkDotNet.Attributes;

namespace OxideMirror.Benchmarks;

/// <summary>
/// Applying 10 batches of 1,000 deltas (3 resources, 150–400-byte payloads, 40% updates) into a fresh WAL file store,
/// through <see cref="Syncer"/> with each built-in strategy, against the raw Microsoft.Data.Sqlite floor (the baseline).
/// </summary>
[MemoryDiagnoser]
public class ApplyBenchmarks
{
    private const int BatchSize = 1000;
    private List<List<Delta>> _batches = [];
    private string _dir = string.Empty;
    private int _run;

    [ParamsAllValues]
    public StrategyKind Strategy { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _batches = Workload.Batches(seed: 1, count: 10 * BatchSize, BatchSize);
        _dir = Path.Combine(Path.GetTempPath(), "oxidemirror-bdn-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    [Benchmark(Baseline = true)]
    public async Task RawBaseline()
    {
        var path = NextPath();
        await (await MirrorStore.OpenAsync(path)).DisposeAsync();
        using var raw = new RawWriters(path);
        for (var i = 0; i < _batches.Count; i++)
        {
            raw.Baseline(_batches[i], (i + 1).ToString(CultureInfo.InvariantCulture));
        }
    }

    [Benchmark]
    public async Task<long> Syncer()
    {
        await using var store = await MirrorStore.OpenAsync(NextPath());
        var pages = _batches.Select((b, i) => new PullResult(b, (i + 1).ToString(CultureInfo.InvariantCulture), i < _batches.Count - 1));
        var report = await new Syncer(store, Create(Strategy)).SyncAsync(new StaticSource("bench", pages));
        return report.Applied;
    }

    private static IConflictStrategy Create(StrategyKind kind) => kind switch
    {
        StrategyKind.LastWriteWins => LastWriteWins.Instance,
        StrategyKind.HighestConfidence => HighestConfidence.Instance,
        StrategyKind.KeepLocal => KeepLocal.Instance,
        StrategyKind.MergeJson => MergeJson.Instance,
        _ => NewestWins.Instance,
    };

    private string NextPath() => Path.Combine(_dir, (_run++).ToString(CultureInfo.InvariantCulture) + ".db");
}

/// <summary>The built-in conflict strategies, as a benchmark parameter.</summary>
public enum StrategyKind
{
    /// <summary><see cref="OxideMirror.LastWriteWins"/>.</summary>
    LastWriteWins,

    /// <summary><see cref="OxideMirror.HighestConfidence"/>.</summary>
    HighestConfidence,

    /// <summary><see cref="OxideMirror.KeepLocal"/>.</summary>
    KeepLocal,

    /// <summary><see cref="OxideMirror.MergeJson"/>.</summary>
    MergeJson,

    /// <summary><see cref="OxideMirror.NewestWins"/>.</summary>
    NewestWins,
}
