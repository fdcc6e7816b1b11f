namespace OxideMirror;

/// <summary>Names what an event in the log is; stored, in lower case, in <c>mirror_events.op</c>.</summary>
public enum ChangeOp
{
    /// <summary>A source created or replaced the record (a <see cref="DeltaOp.Upsert"/> delta).</summary>
    Upsert = 0,

    /// <summary>A source deleted the record (a <see cref="DeltaOp.Delete"/> delta).</summary>
    Delete = 1,

    /// <summary>Compaction replaced the record's earlier history with its full state at that point.</summary>
    Snapshot = 2,
}
