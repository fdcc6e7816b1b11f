namespace OxideMirror;

/// <summary>
/// Chooses which clock <see cref="QueryOptions.AsOf"/> reads: when the mirror applied each change, or when the change
/// happened at its source.
/// </summary>
public enum AsOfMode
{
    /// <summary>
    /// The mirror as it held the data at the moment: each record in the state set by the last change applied at or before
    /// it (<c>mirror_events.applied_at</c>, in log order). What an agent querying at that moment saw.
    /// </summary>
    Applied = 0,

    /// <summary>
    /// The world as the mirror now knows it was at the moment: each record in the state set by the applied change that
    /// occurred latest at or before it (<c>mirror_events.occurred_at</c>, ties in log order), including changes that
    /// arrived later.
    /// </summary>
    Occurred = 1,
}
