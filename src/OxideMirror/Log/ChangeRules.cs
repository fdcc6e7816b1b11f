namespace OxideMirror;

/// <summary>
/// The net-change rule of <see cref="MirrorStore.GetChangesAsync(long, string?, int, CancellationToken)"/>: a record's state
/// at the start of a range against its state at the end. Pure; the log is read by <see cref="EventLog"/>.
/// </summary>
internal static class ChangeRules
{
    /// <summary>
    /// Tells from the stored decision of a record's first event in a range whether the record was live before it:
    /// <see langword="null"/> when the decision cannot tell (a delete may be of a record never seen, and a snapshot says
    /// nothing of before), so the log must be asked.
    /// </summary>
    public static bool? ExistedBefore(string firstDecision) => firstDecision switch
    {
        LogVocabulary.Insert => false,
        LogVocabulary.Update or LogVocabulary.Merge => true,
        _ => null,
    };

    /// <summary>
    /// Gets the net change: absent then live is inserted, live then live is updated, and not live at the end is deleted
    /// (whether or not it existed at the start, which the summary reports apart).
    /// </summary>
    public static ChangeKind Net(bool existedAtStart, bool liveAtEnd) =>
        !liveAtEnd ? ChangeKind.Deleted : existedAtStart ? ChangeKind.Updated : ChangeKind.Inserted;

    /// <summary>Adds one net change to a resource's counts.</summary>
    public static ResourceChangeCounts Add(ResourceChangeCounts counts, ChangeKind kind) => kind switch
    {
        ChangeKind.Inserted => counts with { Inserted = counts.Inserted + 1 },
        ChangeKind.Updated => counts with { Updated = counts.Updated + 1 },
        _ => counts with { Deleted = counts.Deleted + 1 },
    };
}
