using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace OxideMirror.Cli.Config;

/// <summary>
/// Loads the tool's configuration: the JSON file, then <c>OXIDEMIRROR__</c> environment variables over it
/// (<see cref="EnvironmentOverrides"/>), then reads and checks every key (<see cref="MirrorConfigReader"/>); every
/// problem is reported at once, each naming its full key.
/// </summary>
internal static class ConfigLoader
{
    /// <summary>The file read when <c>--config</c> is not given, in the working directory.</summary>
    public const string DefaultFileName = "oxidemirror.json";

    /// <exception cref="ConfigException">The file is missing or not JSON, or a key is unknown, missing or invalid.</exception>
    public static MirrorConfig Load(string? configPath, string workingDirectory, IReadOnlyDictionary<string, string> environment)
    {
        var file = Path.GetFullPath(configPath ?? DefaultFileName, workingDirectory);
        if (!System.IO.File.Exists(file))
        {
            var how = configPath is null
                ? $"No {DefaultFileName} in {workingDirectory}. Create one (docs/cli.md has a full example), run oxide-mirror from its folder, or pass --config <path>."
                : $"The file does not exist. Check the path given to --config, or create the file (docs/cli.md has a full example).";
            throw new ConfigException(file, "--config", $"Cannot read the configuration file '{file}'. {how}");
        }

        var overrides = new EnvironmentOverrides(environment);
        IConfigurationRoot root;
        try
        {
            using var stream = new MemoryStream(System.IO.File.ReadAllBytes(file));
            root = new ConfigurationBuilder().AddJsonStream(stream).Add(overrides).Build();
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or JsonException)
        {
            var json = Inner<JsonException>(e);
            var where = json?.LineNumber is { } line ? $" at line {line + 1}, position {json.BytePositionInLine + 1}" : "";
            var what = json?.Message ?? e.Message;
            throw new ConfigException(file, "--config", $"The configuration file '{file}' is not valid JSON{where}: {what} Fix the file; it must hold one JSON object.");
        }
        catch (IOException e)
        {
            throw new ConfigException(file, "--config", $"Cannot read the configuration file '{file}': {e.Message}");
        }

        var reader = new ConfigReader(environment, overrides);
        var config = MirrorConfigReader.Read(root, file, reader);
        if (reader.Errors.Count > 0 || config is null)
        {
            throw new ConfigException(file, reader.Errors);
        }

        return config;
    }

    private static T? Inner<T>(Exception? e)
        where T : Exception
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
        }

        return null;
    }
}
