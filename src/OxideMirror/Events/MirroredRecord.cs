using System.Text.Json;

namespace OxideMirror;

/// <summary>
/// Holds the mirror's current state of one record: its payload and where it came from.
/// </summary>
public sealed record MirroredRecord
{
    /// <summary>Gets the resource the record belongs to.</summary>
    public required string Resource { get; init; }

    /// <summary>Gets the record's id within its resource.</summary>
    public required string RecordId { get; init; }

    private JsonElement _payload;
    private string? _rawPayload;
    private byte[]? _rawUtf8;

    /// <summary>Gets the record's payload, a JSON object; undefined when <see cref="IsDeleted"/> is true.</summary>
    public JsonElement Payload
    {
        get
        {
            if (_payload.ValueKind == JsonValueKind.Undefined && (_rawUtf8 is not null || _rawPayload is not null))
            {
                using var document = _rawUtf8 is { } utf8 ? JsonDocument.Parse(utf8) : JsonDocument.Parse(_rawPayload!);
                _payload = document.RootElement.Clone();
            }

            return _payload;
        }

        init
        {
            _payload = value.ValueKind == JsonValueKind.Undefined ? value : value.Clone();
            _rawPayload = null;
            _rawUtf8 = null;
        }
    }

    /// <summary>Gets the source that last changed the record.</summary>
    public required string Source { get; init; }

    /// <summary>Gets when the mirror last applied a change to the record.</summary>
    public DateTimeOffset LastSyncedAt { get; init; }

    /// <summary>Gets when the last applied change happened at its source (event time).</summary>
    public DateTimeOffset OccurredAt { get; init; }

    /// <summary>Gets the confidence of the last applied change.</summary>
    public double Confidence { get; init; }

    /// <summary>Gets the record's version: 1 when first applied, one more for each applied change (deletes included).</summary>
    public long Version { get; init; }

    /// <summary>
    /// Gets a value indicating whether the record was deleted. The store never returns deleted records from
    /// its readers; a conflict strategy sees one (a tombstone) when a change arrives for a deleted record.
    /// </summary>
    public bool IsDeleted { get; init; }

    /// <summary>Gets or initializes the payload as the compact JSON text the store holds; parsed on first use of <see cref="Payload"/>.</summary>
    internal string? RawPayload
    {
        get => _rawPayload ?? (_rawUtf8 is { } utf8 ? System.Text.Encoding.UTF8.GetString(utf8) : _payload.ValueKind == JsonValueKind.Undefined ? null : _payload.GetRawText());
        init => _rawPayload = value;
    }

    /// <summary>Gets or initializes the payload as the compact UTF-8 JSON the store holds, when it was read that way.</summary>
    internal byte[]? RawUtf8
    {
        get => _rawUtf8;
        init => _rawUtf8 = value;
    }

    /// <summary>Compares two records by value, payloads included (as JSON, ignoring formatting).</summary>
    /// <param name="other">The record to compare with.</param>
    /// <returns>Whether the two records hold the same state.</returns>
    public bool Equals(MirroredRecord? other) =>
        other is not null
        && Resource == other.Resource
        && RecordId == other.RecordId
        && Source == other.Source
        && LastSyncedAt == other.LastSyncedAt
        && OccurredAt == other.OccurredAt
        && Confidence.Equals(other.Confidence)
        && Version == other.Version
        && IsDeleted == other.IsDeleted
        && PayloadEquals(Payload, other.Payload);

    private static bool PayloadEquals(JsonElement a, JsonElement b) =>
        a.ValueKind == JsonValueKind.Undefined || b.ValueKind == JsonValueKind.Undefined
            ? a.ValueKind == b.ValueKind
            : JsonElement.DeepEquals(a, b);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Resource, RecordId, Version);
}
