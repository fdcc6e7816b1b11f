namespace OxideMirror.Cli.Commands;

/// <summary>What a command takes: its positional arguments (required, then optional), flags and options with a value.</summary>
internal sealed record CommandSpec(string Name, string Usage, string Summary, string[] Required, string[] Optional, string[] Flags, string[] Values)
{
    public static IReadOnlyList<CommandSpec> All { get; } =
    [
        new("sync", "sync [source]", "Sync every source in the configuration, or the one named, and print each one's counts.", [], ["source"], [], []),
        new("query", "query \"<sql>\" [--json] [--max-rows <n>] [--as-of <time>]", "Run one read-only SQL query on the mirror and print its answer as a table (--json: as JSON).", ["sql"], [], ["--json"], ["--max-rows", "--as-of"]),
        new("describe", "describe", "Print the mirror's resources: their columns, types, examples, indexes and join keys (Markdown).", [], [], [], []),
        new("history", "history <resource> <id> [--json]", "Print every change the mirror logged for one record, with its source and the conflict decision.", ["resource", "id"], [], ["--json"], []),
        new("mcp", "mcp", "Serve the mirror to an agent as an MCP server on standard input and output, syncing every source in the background.", [], [], [], []),
    ];
}
