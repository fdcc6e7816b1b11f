using System.Diagnostics;
using System.Text.Json;
using OxideMirror.Tests;

namespace OxideMirror.Cli.Tests;

/// <summary>The built tool as a child process, as a shell runs it: the process's own environment, console and exit code.</summary>
public sealed class ToolProcessTests : IAsyncLifetime, IDisposable
{
    private static readonly string Tool = CliRun.ToolDll;
    private readonly CliRun _run = new();
    private ShopApi _api = null!;

    public async Task InitializeAsync() => _api = await ShopApi.StartAsync();

    public async Task DisposeAsync() => await _api.DisposeAsync();

    public void Dispose() => _run.Dispose();

    [Fact]
    public async Task Tool_SyncThenQuery_ReadsTheProcessEnvironmentAndStaysQuietWhenRedirected()
    {
        _run.WriteConfig(_api.Config());
        var environment = new Dictionary<string, string> { ["SHOP_TOKEN"] = ShopApi.Token, ["OXIDEMIRROR__Limits__MaxQueryRows"] = "2" };

        var sync = await RunAsync(environment, "sync");
        var query = await RunAsync(environment, "query", "SELECT record_id FROM orders ORDER BY record_id", "--json");
        var refused = await RunAsync(environment, "query", "DROP TABLE orders");

        sync.ExitCode.Should().Be(ExitCodes.Ok, sync.ToString());
        sync.Out.Should().StartWith("shop: 6 page(s), 10 record(s) pulled: 10 applied").And.NotContain("\r").And.NotContain("so far",
            "standard output is redirected, so the tool shows no progress");
        sync.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().ContainSingle();
        query.ExitCode.Should().Be(ExitCodes.Ok, query.ToString());
        var answer = JsonDocument.Parse(query.Out).RootElement;
        answer.GetProperty("row_count").GetInt32().Should().Be(2, "OXIDEMIRROR__Limits__MaxQueryRows overrides the file's 1000");
        answer.GetProperty("truncated").GetBoolean().Should().BeTrue();
        refused.ExitCode.Should().Be(ExitCodes.Failed);
        refused.Error.Should().StartWith("error query_refused:");
    }

    [Fact]
    public async Task Tool_MissingVariable_ExitsThreeNamingTheKey()
    {
        _run.WriteConfig(_api.Config());

        var result = await RunAsync(new Dictionary<string, string>(), "sync");

        result.ExitCode.Should().Be(ExitCodes.Config, result.ToString());
        result.Error.Should().Contain("error config: Sources:0:BearerToken cannot be read: it refers to the environment variable SHOP_TOKEN, which is not set.");
    }

    private async Task<CliResult> RunAsync(Dictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo(ChildProcess.DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _run.Directory,
        };
        info.ArgumentList.Add(Tool);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment.Remove("SHOP_TOKEN");
        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("OXIDEMIRROR__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return new CliResult(process.ExitCode, await output, await error);
    }
}
