using System.Text.Json;
using Npgsql;

namespace OxideMirror.PostgreSql;

/// <summary>One row of <c>mirror_events</c> as the log's reads select it (<see cref="Columns"/>).</summary>
internal sealed class PgEventRow
{
    /// <summary>The columns every read of events selects, in the order <see cref="Read"/> takes them.</summary>
    public const string Columns =
        "position, resource, record_id, op, payload::text, merged_payload::text, source, confidence, occurred_at, applied_at, applied, decision, strategy, delta_id, version";

    public long Position { get; init; }

    public required string Resource { get; init; }

    public required string RecordId { get; init; }

    public required string Op { get; init; }

    public string? Payload { get; init; }

    public string? MergedPayload { get; init; }

    public required string Source { get; init; }

    public double Confidence { get; init; }

    public DateTimeOffset OccurredAt { get; init; }

    public DateTimeOffset AppliedAt { get; init; }

    public bool Applied { get; init; }

    public required string Decision { get; init; }

    public required string Strategy { get; init; }

    public string? DeltaId { get; init; }

    public long Version { get; init; }

    /// <summary>Gets the record's payload after this event, were it applied: the merge, the incoming payload, or none after a delete.</summary>
    public string? StateAfter => Op == PgLogVocabulary.DeleteOp ? null : MergedPayload ?? Payload;

    public static PgEventRow Read(NpgsqlDataReader reader) => new()
    {
        Position = reader.GetInt64(0),
        Resource = reader.GetString(1),
        RecordId = reader.GetString(2),
        Op = reader.GetString(3),
        Payload = reader.IsDBNull(4) ? null : reader.GetString(4),
        MergedPayload = reader.IsDBNull(5) ? null : reader.GetString(5),
        Source = reader.GetString(6),
        Confidence = reader.GetDouble(7),
        OccurredAt = reader.GetFieldValue<DateTimeOffset>(8),
        AppliedAt = reader.GetFieldValue<DateTimeOffset>(9),
        Applied = reader.GetBoolean(10),
        Decision = reader.GetString(11),
        Strategy = reader.GetString(12),
        DeltaId = reader.IsDBNull(13) ? null : reader.GetString(13),
        Version = reader.GetInt64(14),
    };

    public RecordChange ToChange(JsonElement state) => new()
    {
        Position = Position,
        Resource = Resource,
        RecordId = RecordId,
        Op = PgLogVocabulary.Op(Op),
        Payload = state,
        IncomingPayload = Parse(Payload),
        Source = Source,
        Confidence = Confidence,
        Decision = PgLogVocabulary.Decision(Decision),
        Applied = Applied,
        Strategy = Strategy,
        DeltaId = DeltaId,
        OccurredAt = OccurredAt,
        AppliedAt = AppliedAt,
        Version = Version,
    };

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
}
