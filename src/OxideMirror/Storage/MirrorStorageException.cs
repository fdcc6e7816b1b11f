namespace OxideMirror;

/// <summary>
/// Thrown when the database file cannot be read or written: it is read-only, its disk is full, another process held its
/// lock past <see cref="MirrorStoreOptions.BusyTimeout"/>, or SQLite failed otherwise. The operation that failed was
/// rolled back, so the mirror is as it was before it and the store stays usable; retry once the cause is fixed.
/// </summary>
public sealed class MirrorStorageException : MirrorException
{
    /// <summary>Initializes a new instance of the <see cref="MirrorStorageException"/> class.</summary>
    /// <param name="message">A full sentence that names the file, says what failed and what to do.</param>
    /// <param name="failure">Why the storage failed.</param>
    /// <param name="path">The database file's full path, or <see langword="null"/> for an in-memory store.</param>
    /// <param name="innerException">The SQLite exception that caused this one, if any.</param>
    public MirrorStorageException(string message, MirrorStorageFailure failure, string? path, Exception? innerException = null)
        : base(message, innerException)
    {
        Failure = failure;
        Path = path;
    }

    /// <summary>Gets why the storage failed.</summary>
    public MirrorStorageFailure Failure { get; }

    /// <summary>Gets the database file's full path, or <see langword="null"/> for an in-memory store.</summary>
    public string? Path { get; }

    /// <inheritdoc />
    public override string Code => Failure switch
    {
        MirrorStorageFailure.ReadOnly => MirrorErrorCodes.StorageReadOnly,
        MirrorStorageFailure.DiskFull => MirrorErrorCodes.StorageDiskFull,
        MirrorStorageFailure.Busy => MirrorErrorCodes.StorageBusy,
        _ => MirrorErrorCodes.StorageFailed,
    };
}
