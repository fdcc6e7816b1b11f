namespace OxideMirror.AI;

/// <summary>
/// Lists the names of the agent tools that <see cref="MirrorTools.CreateAITools(MirrorStore, MirrorToolOptions?)"/> returns.
/// The names are a contract: a model, a prompt or an MCP client may name them, and they never change.
/// </summary>
public static class MirrorToolNames
{
    /// <summary>The cheap first call: every resource with its rows, columns, sources and freshness, and the query limits.</summary>
    public const string Overview = "mirror_overview";

    /// <summary>Describes chosen resources' columns, types, null rates, examples, indexes and join keys, at a chosen detail.</summary>
    public const string DescribeResources = "describe_resources";

    /// <summary>Runs one read-only, bounded SQL statement, optionally as of a past moment.</summary>
    public const string Query = "query";

    /// <summary>Returns the plan SQLite would use for a query, with hints where a join or filter has no index.</summary>
    public const string ExplainQuery = "explain_query";

    /// <summary>Reads one record's current state.</summary>
    public const string GetRecord = "get_record";

    /// <summary>Lists one record's events from the log, newest first, with each conflict decision.</summary>
    public const string RecordHistory = "record_history";

    /// <summary>Says which source and which event set each field of a record's current value.</summary>
    public const string ExplainRecord = "explain_record";

    /// <summary>Lists the net change to each record after a log position or a moment, page by page.</summary>
    public const string ChangesSince = "changes_since";

    /// <summary>Finds records of a resource with a search index by the words they hold, best first, with snippets.</summary>
    public const string Search = "search";

    /// <summary>Syncs one source or all of them; the only tool that changes the mirror, offered only when the host enables it.</summary>
    public const string Sync = "sync";

    /// <summary>Gets the names of the tools that only read the mirror: every tool but <see cref="Sync"/>.</summary>
    public static IReadOnlyList<string> ReadOnly { get; } =
        [Overview, DescribeResources, Query, ExplainQuery, Search, GetRecord, RecordHistory, ExplainRecord, ChangesSince];
}
