namespace OxideMirror;

/// <summary>Says why a <see cref="MirrorStorageException"/> was thrown, so that a caller can tell a wait from a fix.</summary>
public enum MirrorStorageFailure
{
    /// <summary>SQLite failed in another way: the file could not be opened, an I/O error, or damage. The message quotes SQLite.</summary>
    Other = 0,

    /// <summary>The file cannot be written by this process: it, or its folder, is write-protected or immutable, or its file system is mounted read-only.</summary>
    ReadOnly = 1,

    /// <summary>The file system holding the mirror (and its <c>-wal</c> file) is full.</summary>
    DiskFull = 2,

    /// <summary>Another connection or process held the database's lock for longer than <see cref="MirrorStoreOptions.BusyTimeout"/>.</summary>
    Busy = 3,
}
