namespace OxideMirror;

/// <summary>Explains a record's current payload field by field: which source and event set each top-level field.</summary>
public sealed record RecordExplanation
{
    /// <summary>Gets the resource the record belongs to.</summary>
    public required string Resource { get; init; }

    /// <summary>Gets the record's id within its resource.</summary>
    public required string RecordId { get; init; }

    /// <summary>Gets the record's current version.</summary>
    public long Version { get; init; }

    /// <summary>Gets one entry per top-level field of the current payload, in the payload's key order.</summary>
    public required IReadOnlyList<FieldProvenance> Fields { get; init; }
}
