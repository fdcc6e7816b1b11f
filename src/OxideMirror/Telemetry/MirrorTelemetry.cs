using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace OxideMirror;

/// <summary>
/// Holds OxideMirror's <see cref="Meter"/>, its instruments and the <see cref="ActivitySource"/>: the one place that
/// names an instrument, gives its unit and tags, and records on it. The owning parts (the syncer, the query entry point,
/// the HTTP source, maintenance) call the methods here; none builds a tag list itself.
/// </summary>
/// <remarks>
/// Thread-safe: instruments and activity sources may be recorded on from any thread, and the store registry is a
/// concurrent dictionary. With nobody listening every method returns after checking <see cref="Instrument.Enabled"/> or
/// <see cref="ActivitySource.HasListeners"/>, before it builds a tag list or an activity.
/// </remarks>
internal sealed partial class MirrorTelemetry
{
    /// <summary>The activity source of every OxideMirror activity (there is no factory for activity sources).</summary>
    public static readonly ActivitySource Activities = new(OxideMirrorTelemetry.ActivitySourceName, Version);

    private static readonly ConditionalWeakTable<IMeterFactory, MirrorTelemetry> ByFactory = [];

    private static readonly Lazy<MirrorTelemetry> SharedInstance = new(() => new MirrorTelemetry(new Meter(OxideMirrorTelemetry.MeterName, Version)));

    /// <summary>Bucket boundaries for durations in seconds: the OpenTelemetry defaults for operations, then minutes for syncs.</summary>
    private static readonly IReadOnlyList<double> SecondsBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60, 120, 300, 600];

    /// <summary>Bucket boundaries for row counts.</summary>
    private static readonly IReadOnlyList<double> RowBuckets = [0, 1, 5, 10, 50, 100, 500, 1000, 5000, 10000];

    private readonly ConcurrentStores _stores = new();

    private MirrorTelemetry(Meter meter)
    {
        Meter = meter;
        SyncDuration = meter.CreateHistogram("oxidemirror.sync.duration", "s", "How long a sync of a source took, from its first pull to its last commit (or its failure).", advice: Seconds);
        SyncPages = meter.CreateCounter<long>("oxidemirror.sync.pages", "{page}", "Pages pulled and committed by syncs.");
        SyncDeltas = meter.CreateCounter<long>("oxidemirror.sync.deltas", "{delta}", "Deltas committed by syncs, by what applying them did (oxidemirror.outcome: applied, skipped, unchanged, duplicate).");
        SyncMissing = meter.CreateCounter<long>("oxidemirror.sync.missing", "{record}", "Records deleted because a completed full pass no longer listed them.");
        SyncFailures = meter.CreateCounter<long>("oxidemirror.sync.failures", "{sync}", "Syncs that stopped with an error, by error.type (a MirrorErrorCodes code, or the exception type).");
        QueryDuration = meter.CreateHistogram("db.client.operation.duration", "s", "How long an agent query took, from its call to its answer or failure.", advice: Seconds);
        QueryRows = meter.CreateHistogram<long>("db.client.response.returned_rows", "{row}", "Rows an agent query returned.", advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = RowBuckets.Select(b => (long)b).ToList() });
        QueryFailures = meter.CreateCounter<long>("oxidemirror.query.failures", "{query}", "Agent queries that failed, by error.type: query_refused (not read-only), query_timeout, query_failed, cancelled, …");
        QueryTruncations = meter.CreateCounter<long>("oxidemirror.query.truncations", "{query}", "Agent queries whose answer a row or byte cap cut short.");
        HttpRequests = meter.CreateCounter<long>("oxidemirror.http.requests", "{request}", "Requests an HTTP source sent (each redirect and retry counts), by http.response.status_code or error.type.");
        HttpRetries = meter.CreateCounter<long>("oxidemirror.http.retries", "{retry}", "Requests an HTTP source sent again after a transient failure, by error.type (the status code, timeout or connection_failed).");
        HttpThrottled = meter.CreateCounter<long>("oxidemirror.http.throttled", "{response}", "HTTP 429 Too Many Requests responses an HTTP source got.");
        HttpWait = meter.CreateHistogram("oxidemirror.http.wait.duration", "s", "How long an HTTP source waited before a retry, by oxidemirror.wait.reason (retry_after or backoff).", advice: Seconds);
        CompactionDuration = meter.CreateHistogram("oxidemirror.compaction.duration", "s", "How long a compaction of the event log took.", advice: Seconds);
        RebuildDuration = meter.CreateHistogram("oxidemirror.rebuild.duration", "s", "How long a rebuild of the records from the event log took.", advice: Seconds);
        meter.CreateObservableGauge("oxidemirror.log.position", _stores.LogPositions, "{event}", "The sequence number of the newest event in each open store's log.");
        meter.CreateObservableGauge("oxidemirror.sync.age", _stores.SyncAges, "s", "Seconds since each source's last successful sync ended (before the first one in this process: since its last committed page).");
    }

    /// <summary>Gets the instance on the process-wide meter, for stores and sources given no <see cref="IMeterFactory"/>.</summary>
    public static MirrorTelemetry Shared => SharedInstance.Value;

    /// <summary>Gets the meter the instruments belong to.</summary>
    public Meter Meter { get; }

    private static string Version { get; } = typeof(MirrorTelemetry).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    private static InstrumentAdvice<double> Seconds { get; } = new() { HistogramBucketBoundaries = SecondsBuckets };

    private Histogram<double> SyncDuration { get; }

    private Counter<long> SyncPages { get; }

    private Counter<long> SyncDeltas { get; }

    private Counter<long> SyncMissing { get; }

    private Counter<long> SyncFailures { get; }

    private Histogram<double> QueryDuration { get; }

    private Histogram<long> QueryRows { get; }

    private Counter<long> QueryFailures { get; }

    private Counter<long> QueryTruncations { get; }

    private Counter<long> HttpRequests { get; }

    private Counter<long> HttpRetries { get; }

    private Counter<long> HttpThrottled { get; }

    private Histogram<double> HttpWait { get; }

    private Histogram<double> CompactionDuration { get; }

    private Histogram<double> RebuildDuration { get; }

    /// <summary>Gets the instance whose meter <paramref name="factory"/> creates (one per factory), or <see cref="Shared"/> without one.</summary>
    public static MirrorTelemetry For(IMeterFactory? factory) =>
        factory is null
            ? Shared
            : ByFactory.GetValue(factory, f => new MirrorTelemetry(f.Create(new MeterOptions(OxideMirrorTelemetry.MeterName) { Version = Version })));

    /// <summary>Registers an open store for the observable gauges; dispose the result when the store closes.</summary>
    public IDisposable Register(StoreTelemetry store) => _stores.Add(store);

    /// <summary>Records the end of a maintenance run (compaction or rebuild) on its duration histogram.</summary>
    public void MaintenanceEnded(bool compaction, string store, long startedTimestamp, Exception? error)
    {
        var histogram = compaction ? CompactionDuration : RebuildDuration;
        if (!histogram.Enabled)
        {
            return;
        }

        var tags = new TagList { { TelemetryTags.DbNamespace, store } };
        if (error is not null)
        {
            tags.Add(TelemetryTags.ErrorType, TelemetryTags.ErrorTypeOf(error));
        }

        histogram.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds, tags);
    }
}
