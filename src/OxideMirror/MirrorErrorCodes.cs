namespace OxideMirror;

/// <summary>
/// Lists the stable error codes: the <see cref="MirrorException.Code"/> of every OxideMirror failure, and the <c>code</c>
/// field of a <see cref="Kernel.MirrorModule"/>'s <c>.err</c> events. Codes never change once published, so callers (a bus client,
/// an MCP client, a retry policy) may branch on them instead of on messages.
/// </summary>
public static class MirrorErrorCodes
{
    /// <summary>A failure of the mirror with no more specific code (for example, SQLite could not be prepared for agent queries).</summary>
    public const string Failed = "mirror_failed";

    /// <summary>A delta was invalid (<see cref="InvalidDeltaException"/>); nothing of its batch was written.</summary>
    public const string InvalidDelta = "invalid_delta";

    /// <summary>A source returned a page the syncer cannot use (none, no deltas list, a cursor that would repeat or restart the pass, or unusable completed passes); nothing of it was applied.</summary>
    public const string InvalidPage = "invalid_page";

    /// <summary>A source could not get a usable page from its service (<see cref="Http.HttpSourceException"/>); nothing of it was applied.</summary>
    public const string SourceFailed = "source_failed";

    /// <summary>The database cannot be used as a mirror (<see cref="MirrorSchemaException"/>); the file was left as it was.</summary>
    public const string SchemaIncompatible = "schema_incompatible";

    /// <summary>The database file, its folder or its file system cannot be written (<see cref="MirrorStorageFailure.ReadOnly"/>).</summary>
    public const string StorageReadOnly = "storage_read_only";

    /// <summary>The file system holding the mirror is full (<see cref="MirrorStorageFailure.DiskFull"/>); the failed work was rolled back.</summary>
    public const string StorageDiskFull = "storage_disk_full";

    /// <summary>Another process held the write lock past <see cref="MirrorStoreOptions.BusyTimeout"/> (<see cref="MirrorStorageFailure.Busy"/>).</summary>
    public const string StorageBusy = "storage_busy";

    /// <summary>The database file could not be opened, read or written for another reason (<see cref="MirrorStorageFailure.Other"/>).</summary>
    public const string StorageFailed = "storage_failed";

    /// <summary>The payload is not a JSON object, a field is missing, or a field has the wrong type or an out-of-range value.</summary>
    public const string BadRequest = "bad_request";

    /// <summary>The module has no method by that name; <c>capabilities</c> lists them.</summary>
    public const string UnknownMethod = "unknown_method";

    /// <summary>No source with that id was added to the syncer (<see cref="UnknownSourceException"/>).</summary>
    public const string UnknownSource = "unknown_source";

    /// <summary>Another worker holds the sync lock of that source in a shared mirror (OxideMirror.PostgreSql); retry once it has finished. Nothing was written.</summary>
    public const string SourceLocked = "source_locked";

    /// <summary>The query could change the database, reach outside it, or holds more than one statement; nothing ran (<see cref="QueryNotReadOnlyException"/>).</summary>
    public const string QueryRefused = "query_refused";

    /// <summary>The query ran past its time limit and was stopped (<see cref="QueryTimeoutException"/>).</summary>
    public const string QueryTimeout = "query_timeout";

    /// <summary>The SQL is invalid, failed, or broke a limit (<see cref="QueryException"/>); the message quotes SQLite or names the limit.</summary>
    public const string QueryFailed = "query_failed";

    /// <summary>The sync failed: the source threw, or returned an invalid delta or an unusable page.</summary>
    public const string SyncFailed = "sync_failed";

    /// <summary>The command ran past <see cref="Kernel.MirrorModuleOptions.CommandTimeout"/> and was cancelled; a sync kept the pages it had committed.</summary>
    public const string CommandTimeout = "command_timeout";

    /// <summary>The module was stopped before the command finished.</summary>
    public const string Cancelled = "cancelled";

    /// <summary>The store behind a reader does not serve this read (a query plan or a word search); the message says what to use instead.</summary>
    public const string NotSupported = "not_supported";

    /// <summary>An unexpected failure inside the mirror; the message names the exception, and the module keeps serving.</summary>
    public const string Internal = "internal";
}
