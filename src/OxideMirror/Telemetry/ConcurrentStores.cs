using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace OxideMirror;

/// <summary>The open stores one <see cref="MirrorTelemetry"/> observes, and the gauge callbacks that read them. Thread-safe.</summary>
internal sealed class ConcurrentStores
{
    private readonly ConcurrentDictionary<StoreTelemetry, byte> _stores = new();

    /// <summary>Adds a store; disposing the result removes it.</summary>
    public IDisposable Add(StoreTelemetry store)
    {
        _stores[store] = 0;
        return new Removal(this, store);
    }

    /// <summary>Reads each open store's log position, tagged with its <c>db.namespace</c>.</summary>
    public IEnumerable<Measurement<long>> LogPositions()
    {
        var result = new List<Measurement<long>>(_stores.Count);
        foreach (var store in _stores.Keys)
        {
            result.Add(new Measurement<long>(store.LogPosition, new KeyValuePair<string, object?>(TelemetryTags.DbNamespace, store.Name)));
        }

        return result;
    }

    /// <summary>Reads each open store's sources' ages, tagged with the store's <c>db.namespace</c> and the source.</summary>
    public IEnumerable<Measurement<double>> SyncAges()
    {
        var result = new List<Measurement<double>>();
        foreach (var store in _stores.Keys)
        {
            foreach (var (source, seconds) in store.SyncAges())
            {
                result.Add(new Measurement<double>(seconds, new KeyValuePair<string, object?>(TelemetryTags.DbNamespace, store.Name), new KeyValuePair<string, object?>(TelemetryTags.Source, source)));
            }
        }

        return result;
    }

    private sealed class Removal(ConcurrentStores owner, StoreTelemetry store) : IDisposable
    {
        public void Dispose() => owner._stores.TryRemove(store, out _);
    }
}
