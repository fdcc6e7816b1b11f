namespace OxideMirror.PostgreSql;

/// <summary>
/// Thrown when a page of a source cannot be written because another worker holds that source's sync lock in the shared
/// mirror (<see cref="PostgresMirrorStore.LockSourceAsync"/>, or a page of it being written). Nothing was written; the
/// lock goes with the other worker's connection, so retry once it has finished or gone.
/// </summary>
public sealed class SourceLockedException : MirrorException
{
    /// <summary>Initializes a new instance of the <see cref="SourceLockedException"/> class.</summary>
    /// <param name="source">The source whose lock is held.</param>
    /// <param name="schema">The mirror's schema.</param>
    public SourceLockedException(string source, string schema)
        : base($"Source '{source}' is being synced into the mirror (schema '{schema}') by another worker, which holds its sync lock; nothing was written. Sync each source from one worker at a time: retry once the other worker has finished (its lock goes with its connection, also when it crashes).")
    {
        SourceId = source;
    }

    /// <summary>Gets the id of the source whose lock is held.</summary>
    public string SourceId { get; }

    /// <inheritdoc />
    public override string Code => MirrorErrorCodes.SourceLocked;
}
