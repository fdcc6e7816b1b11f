using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace OxideMirror.Tests.Telemetry;

/// <summary>One measurement an OxideMirror instrument recorded: the instrument, its unit, the value and the tags.</summary>
internal sealed record Recorded(string Instrument, string? Unit, double Value, IReadOnlyDictionary<string, object?> Tags, Meter Meter)
{
    public object? Tag(string name) => Tags.GetValueOrDefault(name);
}

/// <summary>
/// Listens to the OxideMirror meter and activity source for one test. Listeners are process-wide and test classes run
/// in parallel, so the test passes a filter that keeps only what its own store or source recorded (by a unique tag).
/// </summary>
internal sealed class TelemetryCapture : IDisposable
{
    private readonly MeterListener _meters = new();
    private readonly ActivityListener _activities;
    private readonly Func<IReadOnlyDictionary<string, object?>, bool> _mine;
    private readonly ConcurrentQueue<Recorded> _recorded = new();
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly List<Recorded> _observed = [];
    private readonly Lock _observing = new();

    public TelemetryCapture(Func<IReadOnlyDictionary<string, object?>, bool> mine)
    {
        _mine = mine;
        _meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == OxideMirrorTelemetry.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _meters.SetMeasurementEventCallback<long>((i, v, t, _) => Add(i, v, t));
        _meters.SetMeasurementEventCallback<double>((i, v, t, _) => Add(i, v, t));
        _meters.Start();
        _activities = new ActivityListener
        {
            ShouldListenTo = s => s.Name == OxideMirrorTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                if (_mine(a.TagObjects.ToDictionary(t => t.Key, t => t.Value)))
                {
                    _stopped.Enqueue(a);
                }
            },
        };
        ActivitySource.AddActivityListener(_activities);
    }

    public static TelemetryCapture ForSource(string source) => new(t => Equals(t.GetValueOrDefault("oxidemirror.source"), source));

    public static TelemetryCapture ForStore(string path) => new(t => Equals(t.GetValueOrDefault("db.namespace"), path));

    public IReadOnlyList<Activity> Activities => [.. _stopped];

    /// <summary>Lists what an instrument recorded for this test.</summary>
    public IReadOnlyList<Recorded> Of(string instrument) => _recorded.Where(r => r.Instrument == instrument).ToList();

    /// <summary>Reads the observable instruments once and lists what <paramref name="instrument"/> reported in that reading.</summary>
    public IReadOnlyList<Recorded> Observe(string instrument)
    {
        lock (_observing)
        {
            _observed.Clear();
            _meters.RecordObservableInstruments();
            return _observed.Where(r => r.Instrument == instrument).ToList();
        }
    }

    public double Sum(string instrument, Func<Recorded, bool>? where = null) => Of(instrument).Where(where ?? (_ => true)).Sum(r => r.Value);

    public void Dispose()
    {
        _meters.Dispose();
        _activities.Dispose();
    }

    private void Add<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        where T : struct
    {
        var dictionary = new Dictionary<string, object?>();
        foreach (var (key, tagValue) in tags)
        {
            dictionary[key] = tagValue;
        }

        if (_mine(dictionary))
        {
            var recorded = new Recorded(instrument.Name, instrument.Unit, Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture), dictionary, instrument.Meter);
            if (instrument.IsObservable)
            {
                // Observable instruments report only inside RecordObservableInstruments, on the thread of Observe, which holds the lock.
                _observed.Add(recorded);
            }
            else
            {
                _recorded.Enqueue(recorded);
            }
        }
    }
}
