using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace OxideMirror;

/// <summary>
/// Replays the logged deltas, in seq order, through another conflict strategy against an in-memory state map, with the
/// store's own rules (<see cref="ApplyRules"/>, which <see cref="RecordWriter.Apply"/> follows too). A
/// <c>snapshot</c> event is taken as given, for both histories. Alongside, it follows the logged history (each record's
/// last applied event) so that the two can be compared without reading the records table.
/// </summary>
/// <remarks>
/// Memory: one entry per record seen, holding the record's current payload (compact UTF-8) and, only while the two
/// histories disagree, a second payload for the what-if state (equal payloads share one array), plus about 200 bytes of
/// keys and fields. So the cost is about (records × (payload size + 200 bytes)) plus the payloads of diverged records;
/// the log itself is streamed a page at a time and never held. Not thread-safe.
/// </remarks>
internal sealed class WhatIfReplayer : IDisposable
{
    private readonly IConflictStrategy _strategy;
    private readonly Dictionary<(string Resource, string RecordId), State> _states = [];
    private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);
    private readonly JsonCompactor _merged = new(JsonDepth.Default);

    public WhatIfReplayer(IConflictStrategy strategy)
    {
        _strategy = strategy;
    }

    public long EventsReplayed { get; private set; }

    /// <summary>
    /// Replays the whole log, as maintenance (no rebuild or compaction runs meanwhile), a page at a time on leased read
    /// connections up to the position it had when the replay began, and reports where the two histories differ.
    /// </summary>
    public static Task<ReplayReport> RunAsync(StoreWriter writer, StoreReaders readers, IConflictStrategy other, ILogger logger, CancellationToken cancellationToken) =>
        writer.MaintainAsync(
            async () =>
            {
                var started = Stopwatch.GetTimestamp();
                var last = await readers.ReadAsync((connection, _) => Task.FromResult(ReplayReader.LastPosition(connection)), cancellationToken).ConfigureAwait(false);
                using var replayer = new WhatIfReplayer(other);
                var after = 0L;
                while (after < last)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var from = after;
                    var page = await readers.ReadAsync((connection, _) => Task.FromResult(ReplayReader.ReadEvents(connection, from, last)), cancellationToken).ConfigureAwait(false);
                    if (page.Count == 0)
                    {
                        break;
                    }

                    foreach (var e in page)
                    {
                        replayer.Replay(e);
                    }

                    after = page[^1].Seq;
                }

                var differences = replayer.Differences();
                var elapsed = Stopwatch.GetElapsedTime(started);
                MaintenanceLog.Replayed(logger, replayer.EventsReplayed, other.Label, differences.Count, elapsed.TotalMilliseconds);
                return new ReplayReport(other.Label, replayer.EventsReplayed, replayer.Records, differences, elapsed);
            },
            cancellationToken);

    public int Records => _states.Count;

    public void Replay(in LoggedEvent e)
    {
        EventsReplayed++;
        var key = (Intern(e.Resource), e.RecordId);
        if (!_states.TryGetValue(key, out var state))
        {
            state = new State();
            _states[key] = state;
        }

        if (e.Op == LogVocabulary.SnapshotOp)
        {
            state.Actual = RecordProjection.StateAfter(e.Op, e.Payload, e.MergedPayload);
            var deleted = state.Actual is null;
            state.ActualDeleted = deleted;
            state.ActualExists = true;
            state.Payload = e.Payload;
            state.Deleted = deleted;
            state.Exists = true;
            state.Source = Intern(e.Source);
            state.Confidence = e.Confidence;
            state.OccurredAt = e.OccurredAt;
            state.SyncedAt = e.AppliedAt;
            state.Version = e.Version;
            state.DivergedAt = 0;
            return;
        }

        if (e.Applied)
        {
            state.ActualExists = true;
            state.Actual = RecordProjection.StateAfter(e.Op, e.Payload, e.MergedPayload);
            state.ActualDeleted = state.Actual is null;
        }

        var whatIf = Resolve(key, state, e);
        if (StateEquals(state))
        {
            state.Payload = state.Actual; // share one array while the histories agree
            state.DivergedAt = 0;
        }
        else if (state.DivergedAt == 0)
        {
            state.DivergedAt = e.Seq;
            state.LoggedDecision = Intern(e.Decision);
            state.WhatIfDecision = LogVocabulary.Text(whatIf);
        }
    }

    public List<ReplayDifference> Differences()
    {
        var differences = new List<ReplayDifference>();
        foreach (var ((resource, recordId), state) in _states)
        {
            if (StateEquals(state))
            {
                continue;
            }

            differences.Add(new ReplayDifference(
                resource,
                recordId,
                Text(state.ActualDeleted ? null : state.Actual),
                state.ActualDeleted,
                Text(state.Deleted ? null : state.Payload),
                state.Deleted,
                state.DivergedAt,
                state.LoggedDecision ?? string.Empty,
                state.WhatIfDecision ?? string.Empty));
        }

        differences.Sort(static (a, b) =>
        {
            var byResource = string.CompareOrdinal(a.Resource, b.Resource);
            return byResource != 0 ? byResource : string.CompareOrdinal(a.RecordId, b.RecordId);
        });
        return differences;
    }

    public void Dispose() => _merged.Dispose();

    private ApplyDecision Resolve((string Resource, string RecordId) key, State state, in LoggedEvent e)
    {
        var isUpsert = e.Op == LogVocabulary.UpsertOp;
        using var document = isUpsert && e.Payload is not null ? JsonDocument.Parse(e.Payload) : null;
        var delta = new Delta
        {
            Resource = key.Resource,
            RecordId = key.RecordId,
            Op = isUpsert ? DeltaOp.Upsert : DeltaOp.Delete,
            Payload = document?.RootElement ?? default,
            OccurredAt = Timestamps.Read(e.OccurredAt),
            Provenance = new Provenance(e.Source, e.Confidence),
            DeltaId = e.DeltaId,
        };
        var existing = state.Exists
            ? new MirroredRecord
            {
                Resource = key.Resource,
                RecordId = key.RecordId,
                RawUtf8 = state.Deleted ? null : state.Payload,
                Source = state.Source!,
                LastSyncedAt = Timestamps.Read(state.SyncedAt!),
                OccurredAt = Timestamps.Read(state.OccurredAt!),
                Confidence = state.Confidence,
                Version = state.Version,
                IsDeleted = state.Deleted,
            }
            : null;
        var resolution = ApplyRules.Resolve(_strategy, existing, delta);
        var isMerged = isUpsert && resolution.Kind == ConflictResolutionKind.ApplyMerged;
        var result = isMerged ? _merged.Write(resolution.MergedPayload).ToArray() : e.Payload;
        var before = !state.Exists ? RecordState.None
            : state.Deleted ? RecordState.Tombstone(state.Version)
            : RecordState.Live(state.Payload, state.Version);
        var outcome = ApplyRules.Decide(before, delta.Op, resolution.Kind, result);
        if (outcome.Applied)
        {
            state.Exists = true;
            state.Deleted = outcome.After.IsDeleted;
            state.Payload = state.Deleted ? null : result;
            state.Source = Intern(e.Source);
            state.Confidence = e.Confidence;
            state.OccurredAt = e.OccurredAt;
            state.SyncedAt = e.AppliedAt;
            state.Version = outcome.After.Version;
        }

        return outcome.Decision;
    }

    private static bool StateEquals(State state)
    {
        if (state.Exists != state.ActualExists)
        {
            return false;
        }

        if (!state.Exists)
        {
            return true;
        }

        // Equal payloads share one array while the two histories agree, so the common case is one reference check.
        return state.Deleted == state.ActualDeleted
            && (state.Deleted || ReferenceEquals(state.Actual, state.Payload)
                || (state.Actual is not null && state.Payload is not null && ApplyRules.SamePayload(state.Actual, state.Payload)));
    }

    private static string? Text(byte[]? utf8) => utf8 is null ? null : Encoding.UTF8.GetString(utf8);

    private string Intern(string value)
    {
        if (_strings.TryGetValue(value, out var interned))
        {
            return interned;
        }

        if (_strings.Count < 10_000)
        {
            _strings[value] = value;
        }

        return value;
    }

    /// <summary>One row of <c>mirror_events</c> as the replay reads it; payloads stay UTF-8.</summary>
    internal readonly record struct LoggedEvent(
        long Seq, string Resource, string RecordId, string Op, byte[]? Payload, byte[]? MergedPayload, string Source, double Confidence,
        string OccurredAt, string AppliedAt, bool Applied, string Decision, string? DeltaId, long Version);

    private sealed class State
    {
        public byte[]? Actual;
        public bool ActualDeleted;
        public bool ActualExists;
        public byte[]? Payload;
        public bool Deleted;
        public bool Exists;
        public string? Source;
        public double Confidence;
        public string? OccurredAt;
        public string? SyncedAt;
        public long Version;
        public long DivergedAt;
        public string? LoggedDecision;
        public string? WhatIfDecision;
    }
}
