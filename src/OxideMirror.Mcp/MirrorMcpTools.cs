using Microsoft.Extensions.AI;
using ModelContextProtocol.Server;
using OxideMirror.AI;

namespace OxideMirror.Mcp;

/// <summary>
/// Turns the mirror's agent tools (<see cref="MirrorTools"/>) into MCP server tools: each with its annotations
/// (<c>readOnlyHint</c>, <c>idempotentHint</c>, <c>destructiveHint</c>, <c>openWorldHint</c>) and a title, answering with
/// the tool's compact JSON as one text block, and every OxideMirror failure as a tool error (<c>isError: true</c>) whose
/// text is <c>{"error":{"code":"…","message":"…"}}</c> with the real message. The MCP SDK would otherwise hide the text of
/// any exception that is not an <c>McpException</c>.
/// </summary>
public static class MirrorMcpTools
{
    /// <summary>
    /// Gets the instructions an MCP server over the mirror gives the model when a session starts: how to begin
    /// (overview, then describe what it needs, then query) and what the limits mean.
    /// </summary>
    public static string Instructions { get; } =
        "This server is a local, read-only SQLite mirror of data synced from remote APIs; answers are fast and cost no API calls. "
        + "Start with mirror_overview (resources, row counts, freshness). Then call describe_resources for only the resources you need "
        + "(detail \"summary\" for columns and types, \"full\" for examples, indexes and join keys). Then query with one SELECT per call, "
        + "joining and aggregating in SQL rather than reading many rows; answers are capped in rows and bytes, and a cut answer says how to get the rest. "
        + "Use search to find records by the words they hold (resources that mirror_overview lists with search_fields), explain_query when a query is slow, get_record / record_history / explain_record for one record and its provenance, and changes_since for what changed. "
        + "Errors come back as {\"error\":{\"code\",\"message\"}}: the message says what to fix.";

    /// <summary>Gets the instructions for a server over <paramref name="reader"/>: <see cref="Instructions"/> in the reader's dialect, naming only the tools it serves.</summary>
    internal static string InstructionsFor(MirrorReader reader) => InstructionsFor(reader.Dialect, reader.Capabilities);

    /// <summary>Gets the instructions for a server over a reader of <paramref name="dialect"/> that serves <paramref name="capabilities"/>.</summary>
    internal static string InstructionsFor(QueryDialect dialect, MirrorReaderCapabilities capabilities)
    {
        if (dialect == QueryDialect.Sqlite && capabilities.HasFlag(MirrorReaderCapabilities.QueryPlans | MirrorReaderCapabilities.Search))
        {
            return Instructions;
        }

        var text = Instructions.Replace("a local, read-only SQLite mirror", dialect == QueryDialect.PostgreSql ? "a read-only PostgreSQL mirror" : "a local, read-only SQLite mirror", StringComparison.Ordinal);
        if (!capabilities.HasFlag(MirrorReaderCapabilities.Search))
        {
            text = text.Replace("Use search to find records by the words they hold (resources that mirror_overview lists with search_fields), ", "Use ", StringComparison.Ordinal);
        }

        if (!capabilities.HasFlag(MirrorReaderCapabilities.QueryPlans))
        {
            text = text.Replace("explain_query when a query is slow, ", string.Empty, StringComparison.Ordinal);
        }

        return text;
    }

    /// <summary>Creates the MCP server tools for <paramref name="tools"/>, as made by <see cref="MirrorTools.CreateAITools(MirrorStore, MirrorToolOptions?)"/>.</summary>
    /// <param name="tools">The mirror's agent tools.</param>
    /// <returns>One MCP server tool per agent tool, in the same order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="tools"/> is null.</exception>
    /// <exception cref="ArgumentException">A tool is not one of the mirror's (<see cref="MirrorToolNames"/>).</exception>
    public static IReadOnlyList<McpServerTool> Create(IEnumerable<AITool> tools)
    {
        ArgumentNullException.ThrowIfNull(tools);
        var created = new List<McpServerTool>();
        foreach (var tool in tools)
        {
            if (tool is not AIFunction function || !Titles.TryGetValue(tool.Name, out var title))
            {
                throw new ArgumentException($"The tool '{tool?.Name}' is not one of the mirror's agent tools ({string.Join(", ", Titles.Keys)}); add other tools to the server with WithTools.", nameof(tools));
            }

            var readOnly = !string.Equals(tool.Name, MirrorToolNames.Sync, StringComparison.Ordinal);
            created.Add(McpServerTool.Create(new McpToolFunction(function), new McpServerToolCreateOptions
            {
                Name = tool.Name,
                Title = title,
                ReadOnly = readOnly,
                Idempotent = readOnly,
                Destructive = false,

                // Every read-only tool answers from the local mirror; sync reaches the sources' remote services.
                OpenWorld = !readOnly,
            }));
        }

        return created;
    }

    private static readonly Dictionary<string, string> Titles = new(StringComparer.Ordinal)
    {
        [MirrorToolNames.Overview] = "Mirror overview",
        [MirrorToolNames.DescribeResources] = "Describe resources",
        [MirrorToolNames.Query] = "Query the mirror (read-only SQL)",
        [MirrorToolNames.ExplainQuery] = "Explain a query's plan",
        [MirrorToolNames.Search] = "Search records by words",
        [MirrorToolNames.GetRecord] = "Get a record",
        [MirrorToolNames.RecordHistory] = "A record's history",
        [MirrorToolNames.ExplainRecord] = "Explain a record's fields",
        [MirrorToolNames.ChangesSince] = "Changes since",
        [MirrorToolNames.Sync] = "Sync from the sources",
    };
}
