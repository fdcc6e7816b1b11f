using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;

namespace OxideMirror;

/// <summary>
/// Reads the event log for history, changes, live changes and field provenance, on one of the store's read-only
/// connections. Every query is a range scan: on the rowid (<c>seq</c>) for positions, on <c>mirror_events_record</c> for
/// one record.
/// </summary>
internal static class EventReader
{
    private const string Columns =
        "seq AS Seq, resource AS Resource, record_id AS RecordId, op AS Op, payload AS Payload, merged_payload AS MergedPayload, " +
        "source AS Source, confidence AS Confidence, occurred_at AS OccurredAt, applied_at AS AppliedAt, applied AS Applied, " +
        "decision AS Decision, strategy AS Strategy, delta_id AS DeltaId, version AS Version";

    /// <summary>One record's events in order, through the (resource, record_id) index whose entries end with seq.</summary>
    internal const string HistorySql = $"SELECT {Columns} FROM mirror_events WHERE resource = @resource AND record_id = @recordId ORDER BY seq";

    /// <summary>The newest position in the log (the rowid's maximum, one b-tree seek).</summary>
    internal const string HeadSql = "SELECT seq FROM mirror_events ORDER BY seq DESC LIMIT 1";

    /// <summary>The last position applied at or before a time: a backward scan from the head, as long as the events after it.</summary>
    internal const string PositionAtSql = "SELECT seq FROM mirror_events WHERE applied_at <= @at ORDER BY seq DESC LIMIT 1";

    /// <summary>Applied events in a position range, as a rowid range scan.</summary>
    internal const string AppliedSql = $"SELECT {Columns} FROM mirror_events WHERE seq > @after AND seq <= @head AND applied = 1 ORDER BY seq LIMIT @limit";

    /// <summary>
    /// Applied events of one resource in a position range. The unary plus keeps SQLite off the record index (which would
    /// read every event of the resource and sort them) and on the rowid range.
    /// </summary>
    internal const string AppliedForResourceSql = $"SELECT {Columns} FROM mirror_events WHERE seq > @after AND seq <= @head AND applied = 1 AND +resource = @resource ORDER BY seq LIMIT @limit";

    /// <summary>Whether a record was live just before a position: its last applied event before it left a payload.</summary>
    internal const string LiveBeforeSql =
        "SELECT payload IS NOT NULL OR merged_payload IS NOT NULL FROM mirror_events " +
        "WHERE resource = @resource AND record_id = @recordId AND seq < @before AND applied = 1 ORDER BY seq DESC LIMIT 1";

    /// <summary>A page of one record's applied events, newest first, up to a version and before a position.</summary>
    internal const string AppliedNewestFirstSql =
        $"SELECT {Columns} FROM mirror_events WHERE resource = @resource AND record_id = @recordId AND seq < @before AND applied = 1 AND version <= @version " +
        "ORDER BY seq DESC LIMIT @limit";

    /// <summary>How many events the log holds, applied or not.</summary>
    internal const string CountSql = "SELECT count(*) FROM mirror_events";

    /// <summary>How many events the log holds for one resource, applied or not.</summary>
    internal const string CountForResourceSql = "SELECT count(*) FROM mirror_events WHERE resource = @resource";

    /// <summary>The applied time of the newest event (the head of the rowid).</summary>
    internal const string LastAppliedAtSql = "SELECT applied_at FROM mirror_events ORDER BY seq DESC LIMIT 1";

    public static async Task<List<Row>> HistoryAsync(SqliteConnection connection, string resource, string recordId, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(HistorySql, new { resource, recordId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.AsList();
    }

    public static Task<long> CountAsync(SqliteConnection connection, string? resource, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<long>(new CommandDefinition(resource is null ? CountSql : CountForResourceSql, new { resource }, cancellationToken: cancellationToken));

    /// <summary>Reads the applied time of the log's newest event, or the minimum for an empty log.</summary>
    public static DateTimeOffset LastAppliedAt(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = LastAppliedAtSql;
        return command.ExecuteScalar() is string text ? Timestamps.Read(text) : DateTimeOffset.MinValue;
    }

    public static async Task<long> HeadAsync(SqliteConnection connection, CancellationToken cancellationToken) =>
        await connection.ExecuteScalarAsync<long?>(new CommandDefinition(HeadSql, cancellationToken: cancellationToken)).ConfigureAwait(false) ?? 0;

    public static async Task<long> PositionAtAsync(SqliteConnection connection, DateTimeOffset at, CancellationToken cancellationToken) =>
        await connection.ExecuteScalarAsync<long?>(new CommandDefinition(PositionAtSql, new { at = Timestamps.Write(at) }, cancellationToken: cancellationToken)).ConfigureAwait(false) ?? 0;

    /// <summary>
    /// Reads up to <paramref name="limit"/> applied events after <paramref name="after"/>. The head is read first and
    /// bounds the scan, so a batch committed meanwhile is either wholly in a later page or (when the page is not full)
    /// wholly after the returned position; never skipped.
    /// </summary>
    public static async Task<Page> AppliedAfterAsync(SqliteConnection connection, long after, string? resource, int limit, CancellationToken cancellationToken)
    {
        var head = await HeadAsync(connection, cancellationToken).ConfigureAwait(false);
        if (head <= after)
        {
            return new Page([], after, HasMore: false);
        }

        var rows = (await connection.QueryAsync<Row>(new CommandDefinition(
            resource is null ? AppliedSql : AppliedForResourceSql,
            new { after, head, limit = limit + 1, resource },
            cancellationToken: cancellationToken)).ConfigureAwait(false)).AsList();
        if (rows.Count > limit)
        {
            rows.RemoveAt(limit);
            return new Page(rows, rows[^1].Seq, HasMore: true);
        }

        return new Page(rows, head, HasMore: false);
    }

    public static async Task<bool> LiveBeforeAsync(SqliteConnection connection, string resource, string recordId, long before, CancellationToken cancellationToken) =>
        await connection.ExecuteScalarAsync<long?>(new CommandDefinition(LiveBeforeSql, new { resource, recordId, before }, cancellationToken: cancellationToken)).ConfigureAwait(false) == 1;

    public static async Task<List<Row>> AppliedNewestFirstAsync(SqliteConnection connection, string resource, string recordId, long version, long before, int limit, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            AppliedNewestFirstSql, new { resource, recordId, version, before, limit }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.AsList();
    }

    /// <summary>Parses stored JSON text into a detached element; undefined for <see langword="null"/>.</summary>
    public static JsonElement Parse(string? json)
    {
        if (json is null)
        {
            return default;
        }

        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    internal readonly record struct Page(List<Row> Rows, long Position, bool HasMore);

    /// <summary>One row of <c>mirror_events</c>, mapped by Dapper.</summary>
    internal sealed class Row
    {
        public long Seq { get; set; }

        public string Resource { get; set; } = string.Empty;

        public string RecordId { get; set; } = string.Empty;

        public string Op { get; set; } = string.Empty;

        public string? Payload { get; set; }

        public string? MergedPayload { get; set; }

        public string Source { get; set; } = string.Empty;

        public double Confidence { get; set; }

        public string OccurredAt { get; set; } = string.Empty;

        public string AppliedAt { get; set; } = string.Empty;

        public long Applied { get; set; }

        public string Decision { get; set; } = string.Empty;

        public string Strategy { get; set; } = string.Empty;

        public string? DeltaId { get; set; }

        public long Version { get; set; }

        public bool IsApplied => Applied != 0;

        /// <summary>Gets the record's payload after this event, were it applied: the merge, the incoming payload, a snapshot's state, or none after a delete.</summary>
        public string? StateAfter => RecordProjection.StateAfter(Op, Payload, MergedPayload);

        /// <summary>Gets whether this event, applied, replaced the whole record rather than merging into it.</summary>
        public bool ReplacesRecord => Op == LogVocabulary.SnapshotOp || Decision == LogVocabulary.Insert || (Op == LogVocabulary.UpsertOp && MergedPayload is null);

        public RecordChange ToChange(JsonElement state) => new()
        {
            Position = Seq,
            Resource = Resource,
            RecordId = RecordId,
            Op = LogVocabulary.Op(Op),
            Payload = state,
            IncomingPayload = Parse(Payload),
            Source = Source,
            Confidence = Confidence,
            Decision = LogVocabulary.Decision(Decision),
            Applied = IsApplied,
            Strategy = Strategy,
            DeltaId = DeltaId,
            OccurredAt = Timestamps.Read(OccurredAt),
            AppliedAt = Timestamps.Read(AppliedAt),
            Version = Version,
        };
    }
}
