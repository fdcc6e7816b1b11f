using System.Globalization;
using Microsoft.Data.Sqlite;

namespace OxideMirror;

/// <summary>
/// Turns the SQLite failures of the store's own work (a write, a read, opening the file) into the store's exceptions,
/// each naming the file, what failed and the fix, so that no raw <see cref="SqliteException"/> reaches a caller.
/// </summary>
internal static class StorageErrors
{
    public const int SqliteBusy = 5;
    public const int SqliteLocked = 6;
    public const int SqliteReadOnly = 8;
    public const int SqliteCorrupt = 11;
    public const int SqliteFull = 13;
    public const int SqliteCantOpen = 14;
    public const int SqliteNotADatabase = 26;

    /// <summary>Says whether a failure comes from the storage (the file, its disk, its lock) rather than from the SQL.</summary>
    public static bool IsStorage(SqliteException ex) =>
        ex.SqliteErrorCode is SqliteBusy or SqliteLocked or SqliteReadOnly or SqliteFull or SqliteCantOpen or 10 /* SQLITE_IOERR */ or 3 /* SQLITE_PERM */;

    /// <summary>Builds the exception for a failure of <paramref name="doing"/> (for example "applying a batch of 3 deltas").</summary>
    public static MirrorException Translate(SqliteException ex, string? path, string doing, TimeSpan busyTimeout)
    {
        var where = Where(path);
        return ex.SqliteErrorCode switch
        {
            SqliteBusy or SqliteLocked => new MirrorStorageException(
                $"The mirror at {where} stayed locked by another connection or process for longer than MirrorStoreOptions.BusyTimeout ({Seconds(busyTimeout)}), so {doing} gave up and wrote nothing. Retry later, let the other writer finish first (a mirror file has one writer at a time), or raise MirrorStoreOptions.BusyTimeout.",
                MirrorStorageFailure.Busy,
                path,
                ex),
            SqliteReadOnly => ReadOnly(path, doing, ex),
            SqliteFull => new MirrorStorageException(
                $"The file system holding the mirror at {where} is full (SQLite said: {ex.Message}), so {doing} failed and was rolled back: the mirror is as it was before it. Free space there (the mirror also needs room for its -wal file beside it; a rebuild, an index build or a compaction also writes SQLite's temporary files, in the folder SQLITE_TMPDIR or TMPDIR names, else /var/tmp or /tmp), then retry; a sync resumes from its last committed page.",
                MirrorStorageFailure.DiskFull,
                path,
                ex),
            SqliteNotADatabase or SqliteCorrupt => new MirrorStorageException(
                $"The mirror at {where} is damaged (SQLite said: {ex.Message}), so {doing} failed. Restore the file from a backup, or move it aside and sync again into a new file.",
                MirrorStorageFailure.Other,
                path,
                ex),
            SqliteCantOpen => new MirrorStorageException(
                $"SQLite could not open the mirror's files at {where} ({ex.Message}), so {doing} failed. Check that the folder exists, and that this process may read and write it and the -wal and -shm files beside the mirror.",
                MirrorStorageFailure.Other,
                path,
                ex),
            _ => new MirrorStorageException(
                string.Create(CultureInfo.InvariantCulture, $"The mirror at {where} failed while {doing} (SQLite said: {ex.Message}; error {ex.SqliteExtendedErrorCode}), and what it had begun was rolled back. Check the file, its folder and the file system it is on, then retry."),
                MirrorStorageFailure.Other,
                path,
                ex),
        };
    }

    /// <summary>Builds the exception for a mirror this process cannot write.</summary>
    public static MirrorStorageException ReadOnly(string? path, string doing, SqliteException? ex) => new(
        $"The mirror at {Where(path)} cannot be written by this process, so {doing} failed and wrote nothing: SQLite could open the file only for reading, because it or its folder is write-protected, it is immutable (chattr +i), or its file system is mounted read-only. Make the file and its folder writable by this process (chmod, chattr -i, or remount the file system read-write), or copy the mirror to a writable path and open that.",
        MirrorStorageFailure.ReadOnly,
        path,
        ex);

    /// <summary>Builds the exception for a path that names a directory, where SQLite would only say it cannot open the file.</summary>
    public static MirrorStorageException Directory(string path) => new(
        $"The path {path} is a directory, not a file, so no mirror can be opened there. Pass the path of a file, for example {System.IO.Path.Combine(path, "mirror.db")}: it is created if it does not exist.",
        MirrorStorageFailure.Other,
        path,
        null);

    /// <summary>Writes a wait as the options are written: whole seconds, or seconds with up to three decimals.</summary>
    public static string Seconds(TimeSpan wait) => wait.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";

    private static string Where(string? path) => path ?? "an in-memory database";
}
