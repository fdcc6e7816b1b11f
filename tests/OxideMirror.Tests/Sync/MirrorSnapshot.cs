using System.Globalization;
using OxideMirror.CrashHost;

namespace OxideMirror.Tests.Sync;

/// <summary>
/// Everything a mirror file holds that the crash tests compare: the event log in seq order, the live records table,
/// the record history (see MirrorSnapshot.History.cs) and a source's cursor. Read through <see cref="MirrorStore.QueryAsync(string, object?, QueryOptions?, CancellationToken)"/>,
/// which may SELECT from the internal tables.
/// </summary>
internal sealed partial class MirrorSnapshot
{
    private const string RecordsSql = "SELECT resource, record_id, payload, version, deleted_at IS NOT NULL AS deleted, source, confidence, occurred_at FROM mirror_records";

    private static readonly QueryOptions Unbounded = new() { MaxRows = 10_000_000, MaxBytes = 1L << 30, Timeout = TimeSpan.FromMinutes(5) };

    private MirrorSnapshot(IReadOnlyList<LoggedEvent> events, IReadOnlyList<RecordState> records, string? cursor, IReadOnlyList<string> appliedTimes, IReadOnlyList<HistoryRow> history)
    {
        Events = events;
        Records = records;
        Cursor = cursor;
        AppliedTimes = appliedTimes;
        History = history;
    }

    /// <summary>Gets the event log, in seq order.</summary>
    public IReadOnlyList<LoggedEvent> Events { get; }

    /// <summary>Gets the live <c>mirror_records</c> rows (tombstones included), in (resource, record_id) order.</summary>
    public IReadOnlyList<RecordState> Records { get; }

    /// <summary>Gets the source's stored cursor.</summary>
    public string? Cursor { get; }

    /// <summary>Gets how many pages the stored cursor says were committed.</summary>
    public int CommittedPages => GeneratedSource.PagesBefore(Cursor);

    public static async Task<MirrorSnapshot> ReadAsync(MirrorStore store, string sourceId)
    {
        var events = await store.QueryAsync(
            "SELECT seq, resource, record_id, op, payload, merged_payload, source, confidence, occurred_at, applied, decision, strategy, delta_id, version " +
            "FROM mirror_events ORDER BY seq",
            null,
            Unbounded,
            CancellationToken.None);
        events.Truncated.Should().BeFalse("the snapshot must hold the whole event log");

        var records = await store.QueryAsync(RecordsSql, null, Unbounded, CancellationToken.None);
        records.Truncated.Should().BeFalse("the snapshot must hold every record");

        var cursor = await store.GetCursorAsync(sourceId);
        var appliedTimes = await ReadAppliedTimesAsync(store);
        return new MirrorSnapshot(
            events.Rows.Select(LoggedEvent.From).ToList(),
            Sorted(records.Rows.Select(RecordState.From)),
            cursor,
            appliedTimes,
            ReadHistory(store.Path!, appliedTimes));
    }

    /// <summary>Rebuilds the records from the log: per record, the last applied event (by seq) decides payload, version and deletion.</summary>
    /// <param name="events">How many of the first events to replay; all of them when null.</param>
    public IReadOnlyList<RecordState> Replay(int? events = null)
    {
        var state = new Dictionary<(string, string), RecordState>();
        foreach (var e in Events.Take(events ?? Events.Count))
        {
            if (!e.Applied)
            {
                continue;
            }

            var deleted = e.Op == "delete";
            state[(e.Resource, e.RecordId)] = new RecordState(
                e.Resource, e.RecordId, deleted ? null : e.MergedPayload ?? e.Payload, e.Version, deleted, e.Source, e.Confidence, e.OccurredAt);
        }

        return Sorted(state.Values);
    }

    /// <summary>Lists applied events that share (resource, record_id, version), and delta ids logged twice.</summary>
    public IReadOnlyList<string> Duplicates()
    {
        var versions = Events.Where(e => e.Applied)
            .GroupBy(e => (e.Resource, e.RecordId, e.Version))
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key.Resource}/{g.Key.RecordId} v{g.Key.Version} applied {g.Count()} times (decisions {string.Join(", ", g.Select(e => e.Decision))})");
        var ids = Events.Where(e => e.DeltaId is not null)
            .GroupBy(e => (e.Source, e.DeltaId))
            .Where(g => g.Count() > 1)
            .Select(g => $"delta id {g.Key.Source}/{g.Key.DeltaId} logged {g.Count()} times");
        return versions.Concat(ids).Take(10).ToList();
    }

    /// <summary>Describes the first difference between two lists, or returns null when they are equal.</summary>
    public static string? FirstDifference<T>(IReadOnlyList<T> actual, IReadOnlyList<T> expected)
    {
        var common = Math.Min(actual.Count, expected.Count);
        for (var i = 0; i < common; i++)
        {
            if (!EqualityComparer<T>.Default.Equals(actual[i], expected[i]))
            {
                return string.Create(CultureInfo.InvariantCulture, $"item {i} differs: expected {expected[i]}, found {actual[i]}");
            }
        }

        return actual.Count == expected.Count
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"expected {expected.Count} items, found {actual.Count}; the first extra or missing is {(actual.Count > expected.Count ? actual[common] : expected[common])}");
    }

    private static List<RecordState> Sorted(IEnumerable<RecordState> records) =>
        records.OrderBy(r => r.Resource, StringComparer.Ordinal).ThenBy(r => r.RecordId, StringComparer.Ordinal).ToList();

    /// <summary>One row of <c>mirror_events</c>; equality leaves out seq and applied_at, which a rerun may legitimately change.</summary>
    internal sealed record LoggedEvent(
        string Resource, string RecordId, string Op, string? Payload, string? MergedPayload, string Source, double Confidence,
        string OccurredAt, bool Applied, string Decision, string Strategy, string? DeltaId, long Version)
    {
        public long Seq { get; init; }

        public static LoggedEvent From(IReadOnlyDictionary<string, object?> row) => new(
            (string)row["resource"]!,
            (string)row["record_id"]!,
            (string)row["op"]!,
            (string?)row["payload"],
            (string?)row["merged_payload"],
            (string)row["source"]!,
            (double)row["confidence"]!,
            (string)row["occurred_at"]!,
            (long)row["applied"]! == 1,
            (string)row["decision"]!,
            (string)row["strategy"]!,
            (string?)row["delta_id"],
            (long)row["version"]!)
        {
            Seq = (long)row["seq"]!,
        };

        public override string ToString() => $"#{Seq} {Resource}/{RecordId} {Op} {Decision} v{Version} applied={Applied} delta_id={DeltaId}";
    }

    /// <summary>One record's state: payload (null for a tombstone), version, deletion, and where it came from.</summary>
    internal sealed record RecordState(
        string Resource, string RecordId, string? Payload, long Version, bool Deleted, string Source, double Confidence, string OccurredAt)
    {
        public static RecordState From(IReadOnlyDictionary<string, object?> row) => new(
            (string)row["resource"]!,
            (string)row["record_id"]!,
            (string?)row["payload"],
            (long)row["version"]!,
            (long)row["deleted"]! == 1,
            (string)row["source"]!,
            (double)row["confidence"]!,
            (string)row["occurred_at"]!);

        public override string ToString() => $"{Resource}/{RecordId} v{Version}{(Deleted ? " deleted" : string.Empty)} {Payload}";
    }
}
