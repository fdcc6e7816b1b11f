using Microsoft.Extensions.Configuration;

namespace OxideMirror.Cli.Config;

/// <summary>The <c>Mcp</c> section: the ceilings of the agent tools <c>oxide-mirror mcp</c> serves (<c>MirrorToolOptions</c>), which a model's arguments can lower but never raise.</summary>
internal sealed record McpSettings(int MaxAnswerBytes, int DefaultQueryRows, int MaxQueryRows, TimeSpan? QueryTimeout, bool EnableSync);

/// <summary>Reads the <c>Mcp</c> section.</summary>
internal static class McpConfigReader
{
    private static readonly string[] Keys = ["MaxAnswerBytes", "DefaultQueryRows", "MaxQueryRows", "QueryTimeout", "EnableSync"];

    public static McpSettings Read(IConfigurationSection mcp, ConfigReader reader)
    {
        reader.OnlyKeys(mcp, "Mcp", Keys);
        var settings = new McpSettings(
            reader.Int(mcp, "MaxAnswerBytes", 4096, 16 * 1024 * 1024) ?? 32 * 1024,
            reader.Int(mcp, "DefaultQueryRows", 1, int.MaxValue) ?? 100,
            reader.Int(mcp, "MaxQueryRows", 1, int.MaxValue) ?? 1_000,
            reader.Duration(mcp, "QueryTimeout", TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1)),
            reader.Bool(mcp, "EnableSync") ?? false);
        if (settings.DefaultQueryRows > settings.MaxQueryRows)
        {
            reader.Error(mcp.GetSection("DefaultQueryRows").Path, $"{mcp.GetSection("DefaultQueryRows").Path} ({settings.DefaultQueryRows}) is more than {mcp.GetSection("MaxQueryRows").Path} ({settings.MaxQueryRows}). Set it to at most MaxQueryRows.");
        }

        return settings;
    }
}
