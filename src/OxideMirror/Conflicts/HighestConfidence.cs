namespace OxideMirror;

/// <summary>
/// Applies a change when its confidence is at least the record's: a less trusted source cannot overwrite a
/// more trusted one. Ties go to the incoming change. A delete keeps its confidence in the tombstone.
/// </summary>
public sealed class HighestConfidence : IConflictStrategy
{
    /// <summary>Gets a shared instance.</summary>
    public static HighestConfidence Instance { get; } = new();

    /// <inheritdoc />
    public string Label => "highest-confidence";

    /// <inheritdoc />
    public ConflictResolution Resolve(MirroredRecord? existing, Delta incoming)
    {
        ArgumentNullException.ThrowIfNull(incoming);
        return existing is null || incoming.Provenance.Confidence >= existing.Confidence
            ? ConflictResolution.Apply
            : ConflictResolution.Skip;
    }
}
