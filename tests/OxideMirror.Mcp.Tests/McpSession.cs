using System.IO.Pipelines;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace OxideMirror.Mcp.Tests;

/// <summary>
/// An MCP server and its client in one process, talking over two pipes (the SDK's own test pattern,
/// ClientServerTestBase): the server is built from a service collection the test configures.
/// </summary>
internal sealed class McpSession : IAsyncDisposable
{
    private readonly Pipe _clientToServer = new();
    private readonly Pipe _serverToClient = new();
    private readonly CancellationTokenSource _stop = new();
    private ServiceProvider _services = null!;
    private Task _server = Task.CompletedTask;

    public McpClient Client { get; private set; } = null!;

    public static async Task<McpSession> StartAsync(Action<IMcpServerBuilder> configure, Action<IServiceCollection>? services = null)
    {
        var session = new McpSession();
        var collection = new ServiceCollection();
        collection.AddLogging();
        services?.Invoke(collection);
        var builder = collection.AddMcpServer().WithStreamServerTransport(session._clientToServer.Reader.AsStream(), session._serverToClient.Writer.AsStream());
        configure(builder);
        session._services = collection.BuildServiceProvider(validateScopes: true);
        session._server = session._services.GetRequiredService<McpServer>().RunAsync(session._stop.Token);
        session.Client = await McpClient.CreateAsync(
            new StreamClientTransport(serverInput: session._clientToServer.Writer.AsStream(), session._serverToClient.Reader.AsStream()),
            new McpClientOptions { DiscoverProbeTimeout = TimeSpan.FromMinutes(1) });
        return session;
    }

    public Task<McpSession> Self() => Task.FromResult(this);

    /// <summary>Calls a tool with arguments given as an anonymous object, and returns the result with its one text block parsed.</summary>
    public async Task<(CallToolResult Result, JsonElement Answer, string Text)> CallAsync(string tool, object? arguments = null)
    {
        var args = new Dictionary<string, object?>();
        if (arguments is not null)
        {
            using var document = JsonDocument.Parse(JsonSerializer.Serialize(arguments));
            foreach (var property in document.RootElement.EnumerateObject())
            {
                args[property.Name] = property.Value.Clone();
            }
        }

        var result = await Client.CallToolAsync(tool, args);
        var text = result.Content.Should().ContainSingle().Which.Should().BeOfType<TextContentBlock>().Subject.Text;
        var answer = text.StartsWith('{') ? JsonDocument.Parse(text).RootElement.Clone() : default;
        return (result, answer, text);
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await _stop.CancelAsync();
        _clientToServer.Writer.Complete();
        _serverToClient.Writer.Complete();
        try
        {
            await _server;
        }
        catch (OperationCanceledException)
        {
        }

        await _services.DisposeAsync();
        _stop.Dispose();
    }
}
