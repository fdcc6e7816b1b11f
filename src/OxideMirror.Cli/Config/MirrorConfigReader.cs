using Microsoft.Extensions.Configuration;

namespace OxideMirror.Cli.Config;

/// <summary>Reads the top of the file: <c>MirrorPath</c>, <c>Strategy</c>, <c>Limits</c>, <c>Sync</c>, <c>Mcp</c>, <c>Search</c> and <c>Sources</c>.</summary>
internal static class MirrorConfigReader
{
    private static readonly string[] TopKeys = ["MirrorPath", "Strategy", "Limits", "Sync", "Mcp", "Search", "Sources"];
    private static readonly string[] LimitKeys = ["QueryTimeout", "MaxQueryRows", "MaxQueryBytes", "MaxPayloadBytes", "QueryMemoryBudget", "MaxReaders", "BusyTimeout"];
    private static readonly string[] SyncKeys = ["Interval", "InitialBackoff", "MaxBackoff", "BackoffJitter", "MaxPagesPerSync", "StreamBatchSize"];

    private static readonly (string Name, IConflictStrategy Strategy)[] Strategies =
    [
        ("LastWriteWins", LastWriteWins.Instance),
        ("HighestConfidence", HighestConfidence.Instance),
        ("KeepLocal", KeepLocal.Instance),
        ("MergeJson", MergeJson.Instance),
        ("NewestWins", NewestWins.Instance),
    ];

    private static readonly TimeSpan MaxWait = TimeSpan.FromDays(24);

    public static MirrorConfig? Read(IConfigurationRoot root, string file, ConfigReader reader)
    {
        var top = new RootSection(root);
        reader.OnlyKeys(top, "the configuration file", TopKeys, ("each source, in Sources", SourceConfigReader.SourceKeys));
        var mirrorPath = reader.String(top, "MirrorPath", required: true, hint: "to the SQLite file the mirror keeps, for example \"mirror.db\" (a relative path is taken from the configuration file's folder)");
        var strategy = ReadStrategy(top, reader);
        var store = ReadLimits(top.GetSection("Limits"), reader);
        var (syncer, sync) = ReadSync(top.GetSection("Sync"), reader);
        var mcp = McpConfigReader.Read(top.GetSection("Mcp"), reader);
        var sources = SourceConfigReader.ReadAll(top, reader);
        var search = SearchConfigReader.Read(top.GetSection("Search"), sources, reader);
        if (reader.Errors.Count > 0 || mirrorPath is null)
        {
            return null;
        }

        return new MirrorConfig
        {
            File = file,
            MirrorPath = Path.GetFullPath(mirrorPath, Path.GetDirectoryName(file)!),
            Strategy = strategy,
            Store = store,
            Syncer = syncer,
            Sync = sync,
            Mcp = mcp,
            Search = search,
            Sources = sources,
        };
    }

    private static IConflictStrategy ReadStrategy(IConfigurationSection top, ConfigReader reader)
    {
        if (reader.String(top, "Strategy") is not { } name)
        {
            return LastWriteWins.Instance;
        }

        foreach (var (known, strategy) in Strategies)
        {
            if (name.Equals(known, StringComparison.OrdinalIgnoreCase) || name.Equals(strategy.Label, StringComparison.OrdinalIgnoreCase))
            {
                return strategy;
            }
        }

        reader.Error("Strategy", $"Strategy is '{name}', which is not a conflict strategy. Use one of {string.Join(", ", Strategies.Select(s => s.Name))} (docs/conflicts.md says what each does).");
        return LastWriteWins.Instance;
    }

    private static MirrorStoreOptions ReadLimits(IConfigurationSection limits, ConfigReader reader)
    {
        reader.OnlyKeys(limits, "Limits", LimitKeys);
        var store = new MirrorStoreOptions();
        store.QueryTimeout = reader.Duration(limits, "QueryTimeout", TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1)) ?? store.QueryTimeout;
        store.MaxQueryRows = reader.Int(limits, "MaxQueryRows", 1, int.MaxValue) ?? store.MaxQueryRows;
        store.MaxQueryBytes = reader.Long(limits, "MaxQueryBytes", 1024, long.MaxValue) ?? store.MaxQueryBytes;
        store.MaxPayloadBytes = reader.Long(limits, "MaxPayloadBytes", 1024, 256L * 1024 * 1024) ?? store.MaxPayloadBytes;
        store.QueryMemoryBudget = reader.Long(limits, "QueryMemoryBudget", 16L * 1024 * 1024, long.MaxValue) ?? store.QueryMemoryBudget;
        store.MaxReaders = reader.Int(limits, "MaxReaders", 1, 64) ?? store.MaxReaders;
        store.BusyTimeout = reader.Duration(limits, "BusyTimeout", TimeSpan.Zero, TimeSpan.FromDays(1)) ?? store.BusyTimeout;
        return store;
    }

    private static (SyncerOptions Syncer, SyncSettings Sync) ReadSync(IConfigurationSection sync, ConfigReader reader)
    {
        reader.OnlyKeys(sync, "Sync", SyncKeys);
        var syncer = new SyncerOptions();
        syncer.MaxPagesPerSync = reader.Int(sync, "MaxPagesPerSync", 1, int.MaxValue) ?? syncer.MaxPagesPerSync;
        syncer.StreamBatchSize = reader.Int(sync, "StreamBatchSize", 1, 1_000_000) ?? syncer.StreamBatchSize;
        var interval = reader.Duration(sync, "Interval", TimeSpan.FromMilliseconds(1), MaxWait) ?? TimeSpan.FromMinutes(5);
        var initial = reader.Duration(sync, "InitialBackoff", TimeSpan.FromMilliseconds(1), MaxWait) ?? TimeSpan.FromSeconds(5);
        var max = reader.Duration(sync, "MaxBackoff", TimeSpan.FromMilliseconds(1), MaxWait) ?? TimeSpan.FromMinutes(5);
        var jitter = reader.Double(sync, "BackoffJitter", 0, 1) ?? 0.2;
        if (max < initial)
        {
            reader.Error(sync.GetSection("MaxBackoff").Path, $"{sync.GetSection("MaxBackoff").Path} ({max}) is less than {sync.GetSection("InitialBackoff").Path} ({initial}). Set MaxBackoff to at least InitialBackoff.");
        }

        return (syncer, new SyncSettings(interval, initial, max, jitter));
    }

    /// <summary>The configuration root seen as a section with an empty path, so that the top keys are read like any other.</summary>
    private sealed class RootSection(IConfigurationRoot root) : IConfigurationSection
    {
        public string? this[string key] { get => root[key]; set => root[key] = value; }

        public string Key => "";

        public string Path => "";

        public string? Value { get => null; set => throw new NotSupportedException(); }

        public IEnumerable<IConfigurationSection> GetChildren() => root.GetChildren();

        public Microsoft.Extensions.Primitives.IChangeToken GetReloadToken() => root.GetReloadToken();

        public IConfigurationSection GetSection(string key) => root.GetSection(key);
    }
}
