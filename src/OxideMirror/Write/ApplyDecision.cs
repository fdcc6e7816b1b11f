namespace OxideMirror;

/// <summary>Names what applying a delta did; stored, in lower case, in <c>mirror_events.decision</c>.</summary>
public enum ApplyDecision
{
    /// <summary>The record did not exist (or was deleted) and was created.</summary>
    Inserted = 0,

    /// <summary>The record's payload was replaced.</summary>
    Updated = 1,

    /// <summary>The record's payload was replaced by the strategy's merge of the old and new payloads.</summary>
    Merged = 2,

    /// <summary>The record was deleted and a tombstone kept.</summary>
    Deleted = 3,

    /// <summary>The strategy kept the record as it was; the delta is logged as skipped.</summary>
    Skipped = 4,

    /// <summary>The delta would not change the record (same payload, or a delete of a deleted record); logged, version kept.</summary>
    Unchanged = 5,

    /// <summary>A delta with the same source and <see cref="Delta.DeltaId"/> was applied before; nothing was logged.</summary>
    Duplicate = 6,

    /// <summary>Compaction replaced the record's earlier events with one carrying its full state; counts as applied.</summary>
    Snapshot = 7,
}
