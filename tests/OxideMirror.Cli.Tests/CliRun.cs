namespace OxideMirror.Cli.Tests;

/// <summary>What one in-process run of the tool gave: its exit code and everything it wrote.</summary>
internal sealed record CliResult(int ExitCode, string Out, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}\n--- stderr\n{Error}";
}

/// <summary>A folder of its own for one test: its configuration file, its mirror, and runs of the tool in it.</summary>
internal sealed class CliRun : IDisposable
{
    public CliRun()
    {
        Directory = Path.Combine(Path.GetTempPath(), "oxide-mirror-cli-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
    }

    /// <summary>Gets the built tool in its own output folder beside the tests (the csproj's CopyToolOutput), for child-process runs.</summary>
    public static string ToolDll { get; } = Path.Combine(AppContext.BaseDirectory, "tool", "OxideMirror.Cli.dll");

    public string Directory { get; }

    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    public string ConfigPath => Path.Combine(Directory, "oxidemirror.json");

    public string MirrorPath => Path.Combine(Directory, "mirror.db");

    public CliRun WriteConfig(string json)
    {
        File.WriteAllText(ConfigPath, json);
        return this;
    }

    public Task<CliResult> RunAsync(params string[] args) => RunAsync(showProgress: false, args);

    public Task<CliResult> RunAsync(bool showProgress, params string[] args) => RunAsync(showProgress, CancellationToken.None, args);

    public async Task<CliResult> RunAsync(bool showProgress, CancellationToken cancellationToken, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApp.RunAsync(args, new CliContext(output, error, Directory, Environment, showProgress), cancellationToken);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
