namespace OxideMirror;

/// <summary>
/// Describes one record whose state would differ under another conflict strategy: its current state, its what-if state,
/// and where the two histories diverged.
/// </summary>
/// <remarks>A record that does not exist (no applied change) has a <see langword="null"/> payload and is not deleted.</remarks>
public sealed class ReplayDifference
{
    internal ReplayDifference(string resource, string recordId, string? currentPayload, bool currentDeleted, string? whatIfPayload, bool whatIfDeleted, long divergedAtSeq, string loggedDecision, string whatIfDecision)
    {
        Resource = resource;
        RecordId = recordId;
        CurrentPayload = currentPayload;
        CurrentDeleted = currentDeleted;
        WhatIfPayload = whatIfPayload;
        WhatIfDeleted = whatIfDeleted;
        DivergedAtSeq = divergedAtSeq;
        LoggedDecision = loggedDecision;
        WhatIfDecision = whatIfDecision;
    }

    /// <summary>Gets the record's resource.</summary>
    public string Resource { get; }

    /// <summary>Gets the record's id.</summary>
    public string RecordId { get; }

    /// <summary>Gets the record's current payload as compact JSON, or <see langword="null"/> when it is deleted or does not exist.</summary>
    public string? CurrentPayload { get; }

    /// <summary>Gets a value indicating whether the record is currently deleted.</summary>
    public bool CurrentDeleted { get; }

    /// <summary>Gets the payload the record would have under the other strategy, or <see langword="null"/> when it would be deleted or would not exist.</summary>
    public string? WhatIfPayload { get; }

    /// <summary>Gets a value indicating whether the record would be deleted under the other strategy.</summary>
    public bool WhatIfDeleted { get; }

    /// <summary>Gets the seq of the event after which the two states last became different.</summary>
    public long DivergedAtSeq { get; }

    /// <summary>Gets the decision the log holds for that event, for example <c>update</c> or <c>skip</c>.</summary>
    public string LoggedDecision { get; }

    /// <summary>Gets the decision the other strategy makes for that event, for example <c>skip</c>.</summary>
    public string WhatIfDecision { get; }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Resource}/{RecordId}: {(CurrentDeleted ? "deleted" : CurrentPayload ?? "absent")} -> {(WhatIfDeleted ? "deleted" : WhatIfPayload ?? "absent")} (diverged at seq {DivergedAtSeq}: logged {LoggedDecision}, what-if {WhatIfDecision})";
}
