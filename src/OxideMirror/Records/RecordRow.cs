namespace OxideMirror;

/// <summary>A row of <c>mirror_records</c> as <see cref="RecordReader"/> reads it, live or deleted.</summary>
internal sealed class RecordRow
{
    public string Resource { get; set; } = string.Empty;

    public string RecordId { get; set; } = string.Empty;

    public string? Payload { get; set; }

    public string Source { get; set; } = string.Empty;

    public string LastSyncedAt { get; set; } = string.Empty;

    public string OccurredAt { get; set; } = string.Empty;

    public double Confidence { get; set; }

    public long Version { get; set; }

    public string? DeletedAt { get; set; }

    /// <summary>Gets the record, or null when the row is a tombstone.</summary>
    public MirroredRecord? Live => DeletedAt is null ? ToRecord() : null;

    /// <summary>Gets the tombstone, or null when the row is live.</summary>
    public Tombstone? Tombstone => DeletedAt is { } deletedAt
        ? new Tombstone(Resource, RecordId, Timestamps.Read(deletedAt), Timestamps.Read(OccurredAt), Source, Version)
        : null;

    public MirroredRecord ToRecord() => new()
    {
        Resource = Resource,
        RecordId = RecordId,
        RawPayload = Payload,
        Source = Source,
        LastSyncedAt = Timestamps.Read(LastSyncedAt),
        OccurredAt = Timestamps.Read(OccurredAt),
        Confidence = Confidence,
        Version = Version,
        IsDeleted = DeletedAt is not null,
    };
}
