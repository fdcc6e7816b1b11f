namespace OxideMirror;

/// <summary>
/// Decides what happens when a change arrives for a record: apply it, skip it, or apply a merged payload.
/// </summary>
/// <remarks>
/// Implementations must be pure and thread-safe: the decision may depend only on the two arguments, so that
/// replaying the event log gives the same result. The store logs every decision in <c>mirror_events</c>.
/// </remarks>
public interface IConflictStrategy
{
    /// <summary>Gets the strategy's name, stored with every event it decided, for example <c>last-write-wins</c>.</summary>
    string Label { get; }

    /// <summary>Decides what to do with <paramref name="incoming"/>.</summary>
    /// <param name="existing">
    /// The record as the mirror holds it, <see langword="null"/> when it was never seen, or a tombstone
    /// (<see cref="MirroredRecord.IsDeleted"/> true, payload undefined) when it was deleted.
    /// </param>
    /// <param name="incoming">The change, already validated.</param>
    /// <returns>The decision.</returns>
    ConflictResolution Resolve(MirroredRecord? existing, Delta incoming);
}
