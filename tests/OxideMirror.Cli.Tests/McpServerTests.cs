using System.Globalization;
using System.Text;
using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using OxideMirror.Tests;

namespace OxideMirror.Cli.Tests;

/// <summary>
/// The real <c>oxide-mirror mcp</c> as a child process over stdio, configured for a loopback HTTP service, driven by the
/// Model Context Protocol SDK's client: the tool list, the background sync, and the calls an agent makes.
/// </summary>
public sealed class McpServerTests : IAsyncLifetime, IDisposable
{
    private static readonly string Tool = CliRun.ToolDll;
    private readonly CliRun _run = new();
    private ShopApi _api = null!;

    public async Task InitializeAsync() => _api = await ShopApi.StartAsync();

    public async Task DisposeAsync() => await _api.DisposeAsync();

    public void Dispose() => _run.Dispose();

    [Fact]
    public async Task Mcp_StdioSession_SyncsInTheBackgroundAndAnswersEveryKindOfCall()
    {
        _run.WriteConfig(_api.Config().Replace("\"Sources\": [", "\"Mcp\": { \"DefaultQueryRows\": 50 },\n  \"Search\": { \"customers\": [\"name\", \"tier\"] },\n  \"Sources\": [", StringComparison.Ordinal));
        var transcript = new StringBuilder();
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "oxide-mirror",
            Command = ChildProcess.DotnetHost(),
            Arguments = [Tool, "mcp", "--config", _run.ConfigPath],
            WorkingDirectory = _run.Directory,
            EnvironmentVariables = new Dictionary<string, string?> { ["SHOP_TOKEN"] = ShopApi.Token },
        });
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await using var client = await McpClient.CreateAsync(transport, cancellationToken: timeout.Token);

        var tools = await client.ListToolsAsync(cancellationToken: timeout.Token);
        transcript.AppendLine("tools/list →");
        foreach (var tool in tools)
        {
            transcript.AppendLine(CultureInfo.InvariantCulture, $"  {tool.Name}{(tool.ProtocolTool.Annotations?.ReadOnlyHint == true ? " (read-only)" : "")}: {tool.Description?.Split('\n')[0]}");
        }

        tools.Select(t => t.Name).Should().Contain(["mirror_overview", "describe_resources", "query", "explain_query", "search", "get_record", "record_history", "explain_record", "changes_since"])
            .And.NotContain("sync", "the configuration does not enable the sync tool");

        // The background sync starts with the server: wait until it has mirrored both resources.
        var count = await CallAsync(client, "query", new() { ["sql"] = "SELECT (SELECT count(*) FROM customers) AS customers, (SELECT count(*) FROM orders) AS orders" }, timeout.Token, until: r => !r.IsError.GetValueOrDefault() && Text(r).Contains("\"orders\":5", StringComparison.Ordinal));
        Text(count).Should().Contain("\"customers\":5");

        var overview = await CallAsync(client, "mirror_overview", [], timeout.Token);
        Record(transcript, "mirror_overview", "{}", overview);
        overview.IsError.Should().NotBe(true);
        Text(overview).Should().Contain("customers").And.Contain("orders").And.Contain("shop");

        var describe = await CallAsync(client, "describe_resources", new() { ["resources"] = new[] { "orders" }, ["detail"] = "full" }, timeout.Token);
        describe.IsError.Should().NotBe(true, Text(describe));
        Text(describe).Should().Contain("customer_id");

        const string join = "SELECT c.name, count(*) AS orders, sum(o.total) AS total FROM customers c JOIN orders o ON o.customer_id = c.id GROUP BY c.name ORDER BY total DESC";
        var joined = await CallAsync(client, "query", new() { ["sql"] = join }, timeout.Token);
        Record(transcript, "query", JsonSerializer.Serialize(new { sql = join }), joined);
        joined.IsError.Should().NotBe(true, Text(joined));
        var answer = JsonDocument.Parse(Text(joined)).RootElement;
        answer.GetProperty("rows")[0].GetProperty("name").GetString().Should().Be("Hooli");
        answer.GetProperty("rows").GetArrayLength().Should().Be(4);

        // The configured search index is created once customers has synced; until then search says it has none.
        var found = await CallAsync(client, "search", new() { ["resource"] = "customers", ["text"] = "hooli" }, timeout.Token, until: r => r.IsError != true);
        Record(transcript, "search", JsonSerializer.Serialize(new { resource = "customers", text = "hooli" }), found);
        var hits = JsonDocument.Parse(Text(found)).RootElement.GetProperty("hits");
        hits.GetArrayLength().Should().Be(1);
        hits[0].GetProperty("snippet").GetString().Should().Contain("[Hooli]");

        var refused = await CallAsync(client, "query", new() { ["sql"] = "DELETE FROM orders" }, timeout.Token);
        refused.IsError.Should().BeTrue();
        Text(refused).Should().Contain("query_refused").And.Contain("DELETE FROM orders");

        var cut = await CallAsync(client, "query", new() { ["sql"] = "SELECT * FROM orders ORDER BY record_id", ["max_rows"] = 2 }, timeout.Token);
        cut.IsError.Should().NotBe(true, Text(cut));
        var truncated = JsonDocument.Parse(Text(cut)).RootElement;
        truncated.GetProperty("truncated").GetBoolean().Should().BeTrue();
        truncated.GetProperty("rows").GetArrayLength().Should().Be(2);

        var after = await CallAsync(client, "query", new() { ["sql"] = "SELECT count(*) AS n FROM orders" }, timeout.Token);
        Text(after).Should().Contain("\"n\":5", "the refused DELETE changed nothing");

        await File.WriteAllTextAsync(Path.Combine(AppContext.BaseDirectory, "mcp-session.txt"), transcript.ToString(), timeout.Token);
    }

    [Fact]
    public async Task Mcp_ClientClosesItsEnd_ServerStopsWithExitZeroAndWritesNothingButProtocolToStandardOutput()
    {
        // An unreachable source: the background sync fails and logs to standard error, and the server still serves.
        _run.WriteConfig("""{ "MirrorPath": "mirror.db", "Sources": [ { "Id": "down", "BaseAddress": "http://127.0.0.1:9/", "MaxRetries": 0, "Resources": [ { "Name": "items", "Path": "items" } ] } ] }""");
        var stderr = new StringBuilder();
        using var process = ChildProcess.Start(Tool, ["mcp", "--config", _run.ConfigPath], redirectInput: true, stderr);
        var stdout = process.StandardOutput.ReadToEndAsync();

        await process.StandardInput.WriteLineAsync("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"test","version":"1"}}}""");
        await process.StandardInput.FlushAsync();
        for (var waited = 0; waited < 600 && !Contains(stderr, "Background sync of down failed"); waited++)
        {
            await Task.Delay(100);
        }

        process.StandardInput.Close();

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        string log;
        lock (stderr)
        {
            log = stderr.ToString();
        }

        process.ExitCode.Should().Be(0, log);
        var lines = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Should().OnlyContain(l => l.StartsWith("{\"", StringComparison.Ordinal), "standard output carries only JSON-RPC messages");
        lines.Should().Contain(l => l.Contains("\"id\":1", StringComparison.Ordinal) && l.Contains("oxide-mirror", StringComparison.Ordinal), "the initialize request is answered");
        log.Should().Contain("Background sync of down failed", "logs go to standard error, and a failing source does not stop the server");
    }

    private static async Task<CallToolResult> CallAsync(McpClient client, string tool, Dictionary<string, object?> arguments, CancellationToken cancellationToken, Func<CallToolResult, bool>? until = null)
    {
        while (true)
        {
            var result = await client.CallToolAsync(tool, arguments, cancellationToken: cancellationToken);
            if (until is null || until(result))
            {
                return result;
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    private static bool Contains(StringBuilder log, string text)
    {
        lock (log)
        {
            return log.ToString().Contains(text, StringComparison.Ordinal);
        }
    }

    private static string Text(CallToolResult result) => string.Concat(result.Content.OfType<TextContentBlock>().Select(c => c.Text));

    private static void Record(StringBuilder transcript, string tool, string arguments, CallToolResult result)
    {
        transcript.AppendLine();
        transcript.AppendLine(CultureInfo.InvariantCulture, $"tools/call {tool} {arguments} →{(result.IsError == true ? " (error)" : "")}");
        transcript.AppendLine("  " + Text(result));
    }
}
