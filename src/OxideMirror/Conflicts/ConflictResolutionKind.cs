namespace OxideMirror;

/// <summary>Names a conflict strategy's decision.</summary>
public enum ConflictResolutionKind
{
    /// <summary>Apply the incoming change as it is.</summary>
    Apply = 0,

    /// <summary>Keep the record as it is; the change is logged as skipped.</summary>
    Skip = 1,

    /// <summary>Apply the incoming change with a payload the strategy computed.</summary>
    ApplyMerged = 2,
}
