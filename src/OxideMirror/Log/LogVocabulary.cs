namespace OxideMirror;

/// <summary>
/// The text the event log stores for each op (<c>mirror_events.op</c>) and decision (<c>mirror_events.decision</c>), and
/// its parsing back: the file format, written once for the writer that stores it and the readers that read it.
/// </summary>
internal static class LogVocabulary
{
    public const string UpsertOp = "upsert";
    public const string DeleteOp = "delete";
    public const string SnapshotOp = "snapshot";

    public const string Insert = "insert";
    public const string Update = "update";
    public const string Merge = "merge";
    public const string Delete = "delete";
    public const string Skip = "skip";
    public const string Unchanged = "unchanged";
    public const string Duplicate = "duplicate";
    public const string Snapshot = "snapshot";

    /// <summary>Gets the stored text of a decision.</summary>
    public static string Text(ApplyDecision decision) => decision switch
    {
        ApplyDecision.Inserted => Insert,
        ApplyDecision.Updated => Update,
        ApplyDecision.Merged => Merge,
        ApplyDecision.Deleted => Delete,
        ApplyDecision.Skipped => Skip,
        ApplyDecision.Unchanged => Unchanged,
        ApplyDecision.Duplicate => Duplicate,
        ApplyDecision.Snapshot => Snapshot,
        _ => throw new ArgumentOutOfRangeException(nameof(decision), decision, "The value is not an ApplyDecision."),
    };

    /// <summary>Gets the stored text of an event's op.</summary>
    public static string Text(ChangeOp op) => op switch
    {
        ChangeOp.Upsert => UpsertOp,
        ChangeOp.Delete => DeleteOp,
        ChangeOp.Snapshot => SnapshotOp,
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "The value is not a ChangeOp."),
    };

    /// <summary>Gets the stored op text of a delta's op (a delta is an upsert or a delete; only compaction writes snapshots).</summary>
    public static string Text(DeltaOp op) => op == DeltaOp.Upsert ? UpsertOp : DeleteOp;

    /// <summary>Parses a stored decision.</summary>
    /// <exception cref="MirrorException">The text is not one this version writes.</exception>
    public static ApplyDecision Decision(string text) => text switch
    {
        Insert => ApplyDecision.Inserted,
        Update => ApplyDecision.Updated,
        Merge => ApplyDecision.Merged,
        Delete => ApplyDecision.Deleted,
        Skip => ApplyDecision.Skipped,
        Unchanged => ApplyDecision.Unchanged,
        Snapshot => ApplyDecision.Snapshot,
        Duplicate => ApplyDecision.Duplicate,
        _ => throw new MirrorException($"The event log holds the decision '{text}', which this version of OxideMirror does not know. Open the mirror with the version that wrote it."),
    };

    /// <summary>Parses a stored op.</summary>
    /// <exception cref="MirrorException">The text is not one this version writes.</exception>
    public static ChangeOp Op(string text) => text switch
    {
        UpsertOp => ChangeOp.Upsert,
        DeleteOp => ChangeOp.Delete,
        SnapshotOp => ChangeOp.Snapshot,
        _ => throw new MirrorException($"The event log holds the op '{text}', which this version of OxideMirror does not know. Open the mirror with the version that wrote it."),
    };
}
