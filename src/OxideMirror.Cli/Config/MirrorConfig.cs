using OxideMirror.Http;

namespace OxideMirror.Cli.Config;

/// <summary>What one <c>oxidemirror.json</c> (with its environment overrides) declares, checked and ready to use.</summary>
internal sealed class MirrorConfig
{
    /// <summary>Gets the configuration file's full path.</summary>
    public required string File { get; init; }

    /// <summary>Gets the mirror's SQLite file, a full path (a relative <c>MirrorPath</c> is taken from the configuration file's folder).</summary>
    public required string MirrorPath { get; init; }

    public required IConflictStrategy Strategy { get; init; }

    /// <summary>Gets the store's options (the <c>Limits</c> section).</summary>
    public required MirrorStoreOptions Store { get; init; }

    public required SyncerOptions Syncer { get; init; }

    public required SyncSettings Sync { get; init; }

    /// <summary>Gets the ceilings of the agent tools that <c>oxide-mirror mcp</c> serves (the <c>Mcp</c> section).</summary>
    public required McpSettings Mcp { get; init; }

    /// <summary>Gets the full-text search indexes to keep (the <c>Search</c> section): each resource's payload fields.</summary>
    public required IReadOnlyDictionary<string, IReadOnlyList<string>> Search { get; init; }

    public required IReadOnlyList<SourceConfig> Sources { get; init; }
}

/// <summary>The <c>Sync</c> section: how the background sync of <c>oxide-mirror mcp</c> paces each source.</summary>
internal sealed record SyncSettings(TimeSpan Interval, TimeSpan InitialBackoff, TimeSpan MaxBackoff, double BackoffJitter);

/// <summary>One element of <c>Sources</c>: where it is in the file, how often to sync it, and a way to build its <see cref="HttpSource"/>.</summary>
internal sealed class SourceConfig
{
    public required string Key { get; init; }

    public required string Id { get; init; }

    public TimeSpan? SyncInterval { get; init; }

    /// <summary>Gets the source's options; an <see cref="HttpSource"/> copies them when it is created.</summary>
    public required HttpSourceOptions Options { get; init; }

    public HttpSource CreateSource() => new(Options);
}
