namespace OxideMirror;

/// <summary>
/// Applies a change only when it is not older than the record's last applied change by event time
/// (<see cref="Delta.OccurredAt"/>), so pages that arrive out of order cannot roll a record back, and an old
/// update cannot bring back a record deleted later. Ties go to the incoming change.
/// </summary>
/// <remarks>
/// The comparison is with the record's last <em>applied</em> change. A re-sent identical payload is logged as
/// unchanged and does not move the record's <see cref="MirroredRecord.OccurredAt"/>, so it does not shield the record
/// from an older change that arrives after it.
/// </remarks>
public sealed class NewestWins : IConflictStrategy
{
    /// <summary>Gets a shared instance.</summary>
    public static NewestWins Instance { get; } = new();

    /// <inheritdoc />
    public string Label => "newest-wins";

    /// <inheritdoc />
    public ConflictResolution Resolve(MirroredRecord? existing, Delta incoming)
    {
        ArgumentNullException.ThrowIfNull(incoming);
        return existing is null || incoming.OccurredAt >= existing.OccurredAt
            ? ConflictResolution.Apply
            : ConflictResolution.Skip;
    }
}
