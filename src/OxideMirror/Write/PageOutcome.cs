namespace OxideMirror;

/// <summary>
/// What one committed write did: the result of each delta, in order, followed by the result of each delete of a record
/// that a completed pass did not list; and those deletes, in the same order.
/// </summary>
internal sealed record PageOutcome(IReadOnlyList<AppliedDelta> Results, IReadOnlyList<Delta> Missing);
