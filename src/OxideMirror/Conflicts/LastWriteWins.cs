namespace OxideMirror;

/// <summary>
/// Applies every change in arrival order: the last change to arrive wins. This is the default strategy.
/// </summary>
public sealed class LastWriteWins : IConflictStrategy
{
    /// <summary>Gets a shared instance.</summary>
    public static LastWriteWins Instance { get; } = new();

    /// <inheritdoc />
    public string Label => "last-write-wins";

    /// <inheritdoc />
    public ConflictResolution Resolve(MirroredRecord? existing, Delta incoming)
    {
        ArgumentNullException.ThrowIfNull(incoming);
        return ConflictResolution.Apply;
    }
}
