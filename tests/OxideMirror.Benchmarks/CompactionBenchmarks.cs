using BenchmarkDotNet.Attributes;

namespace OxideMirror.Benchmarks;

/// <summary>
/// Rebuilding the records and resource tables from a 1,000,000-event log (the baseline), and compacting that log to the
/// last 5 versions per record (with and without VACUUM), each on a fresh copy of the same WAL file store.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class CompactionBenchmarks
{
    private string _dir = string.Empty;
    private string _template = string.Empty;
    private string _path = string.Empty;
    private MirrorStore? _store;

    [GlobalSetup]
    public async Task Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), "oxidemirror-bdn-compaction-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        _template = Path.Combine(_dir, "template.db");
        _path = Path.Combine(_dir, "run.db");
        await MillionEventLog.CreateAsync(_template);
    }

    [IterationSetup]
    public void IterationSetup()
    {
        MillionEventLog.Copy(_template, _path);
        _store = MirrorStore.OpenAsync(_path).GetAwaiter().GetResult();
    }

    [IterationCleanup]
    public void IterationCleanup() => _store!.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    [Benchmark(Baseline = true)]
    public async Task<long> Rebuild() => (await _store!.RebuildRecordsAsync()).RecordsRebuilt;

    [Benchmark]
    public async Task<long> CompactKeep5() => (await _store!.CompactAsync(RetentionPolicy.ForVersions(5))).EventsRemoved;

    [Benchmark]
    public async Task<long> CompactKeep5NoVacuum() => (await _store!.CompactAsync(new RetentionPolicy { KeepVersions = 5, ReclaimSpace = false })).EventsRemoved;
}
