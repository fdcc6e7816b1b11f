namespace OxideMirror;

/// <summary>Names the net effect of the changes to one record between two log positions.</summary>
public enum ChangeKind
{
    /// <summary>The record did not exist (or was deleted) at the start and exists at the end.</summary>
    Inserted = 0,

    /// <summary>The record existed at the start and at the end, and at least one change was applied in between.</summary>
    Updated = 1,

    /// <summary>
    /// The record does not exist at the end. <see cref="RecordChangeSummary.ExistedAtStart"/> tells a record that was
    /// live at the start from one that was created and deleted in between (or deleted without ever being seen).
    /// </summary>
    Deleted = 2,
}
