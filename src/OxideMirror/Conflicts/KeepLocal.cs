namespace OxideMirror;

/// <summary>
/// Applies a change only when the record does not exist (never seen, or deleted): the first version the mirror
/// holds is kept, and later changes are logged as skipped.
/// </summary>
public sealed class KeepLocal : IConflictStrategy
{
    /// <summary>Gets a shared instance.</summary>
    public static KeepLocal Instance { get; } = new();

    /// <inheritdoc />
    public string Label => "keep-local";

    /// <inheritdoc />
    public ConflictResolution Resolve(MirroredRecord? existing, Delta incoming)
    {
        ArgumentNullException.ThrowIfNull(incoming);
        return existing is null || existing.IsDeleted ? ConflictResolution.Apply : ConflictResolution.Skip;
    }
}
