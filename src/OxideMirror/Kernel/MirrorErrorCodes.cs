namespace OxideMirror;

/// <summary>Lists the stable error codes a <see cref="MirrorModule"/> puts in the <c>code</c> field of its <c>.err</c> events.</summary>
public static class MirrorErrorCodes
{
    /// <summary>The payload is not a JSON object, a field is missing, or a field has the wrong type or an out-of-range value.</summary>
    public const string BadRequest = "bad_request";

    /// <summary>The module has no method by that name; <c>capabilities</c> lists them.</summary>
    public const string UnknownMethod = "unknown_method";

    /// <summary>No source with that id was added to the syncer.</summary>
    public const string UnknownSource = "unknown_source";

    /// <summary>The query could change the database, reach outside it, or holds more than one statement; nothing ran.</summary>
    public const string QueryRefused = "query_refused";

    /// <summary>The query ran past its time limit and was stopped.</summary>
    public const string QueryTimeout = "query_timeout";

    /// <summary>The SQL is invalid or failed; the message quotes SQLite.</summary>
    public const string QueryFailed = "query_failed";

    /// <summary>The sync failed: the source threw, or returned an invalid delta or an unusable page.</summary>
    public const string SyncFailed = "sync_failed";

    /// <summary>The command ran past <see cref="MirrorModuleOptions.CommandTimeout"/> and was cancelled; a sync kept the pages it had committed.</summary>
    public const string CommandTimeout = "command_timeout";

    /// <summary>The module was stopped before the command finished.</summary>
    public const string Cancelled = "cancelled";

    /// <summary>An unexpected failure inside the mirror; the message names the exception, and the module keeps serving.</summary>
    public const string Internal = "internal";
}
