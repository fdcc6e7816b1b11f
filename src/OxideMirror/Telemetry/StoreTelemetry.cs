using System.Collections.Concurrent;

namespace OxideMirror;

/// <summary>
/// One open store's side of the telemetry: the <c>db.namespace</c> it is tagged with, the instance it records on, and
/// what its observable gauges read — the log position and when each source last synced successfully.
/// </summary>
/// <remarks>Thread-safe: the gauges read it on the exporter's thread while syncs update it.</remarks>
internal sealed class StoreTelemetry : IDisposable
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastSuccess = new(StringComparer.Ordinal);
    private readonly Func<long> _logPosition;
    private readonly TimeProvider _time;
    private readonly IDisposable _registration;

    /// <summary>Registers an open store for the gauges.</summary>
    /// <param name="name">The store's file path, or its in-memory name.</param>
    /// <param name="options">The store's options: its meter factory, clock and query-text choice.</param>
    /// <param name="logPosition">Reads the newest committed event's sequence number, without touching the database.</param>
    /// <param name="syncedAt">When each source last committed a page, as the store read it at open: the age before the first sync here.</param>
    public StoreTelemetry(string name, MirrorStoreOptions options, Func<long> logPosition, IEnumerable<KeyValuePair<string, DateTimeOffset>> syncedAt)
    {
        Name = name;
        Options = options;
        Instruments = MirrorTelemetry.For(options.MeterFactory);
        _logPosition = logPosition;
        _time = options.TimeProvider;
        foreach (var (source, at) in syncedAt)
        {
            _lastSuccess[source] = at;
        }

        _registration = Instruments.Register(this);
    }

    /// <summary>Gets the store's <c>db.namespace</c>.</summary>
    public string Name { get; }

    /// <summary>Gets the store's options.</summary>
    public MirrorStoreOptions Options { get; }

    /// <summary>Gets the instruments the store and its syncers record on.</summary>
    public MirrorTelemetry Instruments { get; }

    /// <summary>Gets the newest committed event's sequence number.</summary>
    public long LogPosition => _logPosition();

    /// <summary>Notes that a sync of <paramref name="source"/> ended without error, now.</summary>
    public void SyncSucceeded(string source) => _lastSuccess[source] = _time.GetUtcNow();

    /// <summary>Lists each source's seconds since its last successful sync.</summary>
    public IEnumerable<(string Source, double Seconds)> SyncAges()
    {
        var now = _time.GetUtcNow();
        foreach (var (source, at) in _lastSuccess)
        {
            yield return (source, Math.Max(0, (now - at).TotalSeconds));
        }
    }

    /// <summary>Removes the store from the gauges.</summary>
    public void Dispose() => _registration.Dispose();
}
