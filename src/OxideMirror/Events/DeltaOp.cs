namespace OxideMirror;

/// <summary>Names what a <see cref="Delta"/> does to a record.</summary>
public enum DeltaOp
{
    /// <summary>Creates the record or replaces its payload.</summary>
    Upsert = 0,

    /// <summary>Deletes the record, leaving a tombstone.</summary>
    Delete = 1,
}
