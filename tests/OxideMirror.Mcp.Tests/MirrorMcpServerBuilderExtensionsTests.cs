using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using OxideMirror.AI;

namespace OxideMirror.Mcp.Tests;

public sealed class MirrorMcpServerBuilderExtensionsTests
{
    [Fact]
    public async Task ListTools_ReadOnlyTools_CarryReadOnlyIdempotentClosedWorldAnnotations_AndTheirSchemas()
    {
        await using var store = await Mirrors.TwoServicesAsync();
        await using var session = await McpSession.StartAsync(b => b.WithMirrorTools(store));

        var tools = await session.Client.ListToolsAsync();

        tools.Select(t => t.Name).Should().Equal(MirrorToolNames.ReadOnly);
        var expected = store.CreateAITools().OfType<AIFunction>().ToDictionary(f => f.Name);
        foreach (var tool in tools)
        {
            var annotations = tool.ProtocolTool.Annotations!;
            annotations.ReadOnlyHint.Should().BeTrue(tool.Name);
            annotations.IdempotentHint.Should().BeTrue(tool.Name);
            annotations.OpenWorldHint.Should().BeFalse(tool.Name);
            annotations.DestructiveHint.Should().BeFalse(tool.Name);
            annotations.Title.Should().NotBeNullOrWhiteSpace();
            tool.Description.Should().Be(expected[tool.Name].Description);
            JsonSerializer.Serialize(tool.JsonSchema).Should().Be(JsonSerializer.Serialize(expected[tool.Name].JsonSchema));
        }
    }

    [Fact]
    public async Task ListTools_SyncEnabled_AddsSync_NotReadOnly_OpenWorld()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var options = new MirrorToolOptions { EnableSync = true, Syncer = Mirrors.Syncer(store) };
        await using var session = await McpSession.StartAsync(b => b.WithMirrorTools(store, options));

        var sync = (await session.Client.ListToolsAsync()).Should().ContainSingle(t => t.Name == "sync").Subject;

        sync.ProtocolTool.Annotations!.ReadOnlyHint.Should().BeFalse();
        sync.ProtocolTool.Annotations.OpenWorldHint.Should().BeTrue();
        sync.ProtocolTool.Annotations.IdempotentHint.Should().BeFalse();
    }

    [Fact]
    public async Task Initialize_ServerInstructions_TellTheModelToStartWithTheOverviewThenDescribeThenQuery()
    {
        await using var store = await Mirrors.TwoServicesAsync();
        await using var session = await McpSession.StartAsync(b => b.WithMirrorTools(store));

        var instructions = session.Client.ServerInstructions;

        instructions.Should().Be(MirrorMcpTools.Instructions);
        var overview = instructions!.IndexOf("mirror_overview", StringComparison.Ordinal);
        var describe = instructions.IndexOf("describe_resources", StringComparison.Ordinal);
        var query = instructions.IndexOf("Then query", StringComparison.Ordinal);
        overview.Should().BeGreaterThan(-1);
        describe.Should().BeGreaterThan(overview);
        query.Should().BeGreaterThan(describe);
    }

    [Fact]
    public async Task Initialize_HostInstructions_AreKept_AndTheMirrorsFollow()
    {
        await using var store = await Mirrors.TwoServicesAsync();
        await using var session = await McpSession.StartAsync(
            b => b.WithMirrorTools(store),
            s => s.Configure<ModelContextProtocol.Server.McpServerOptions>(o => o.ServerInstructions = "Answer in French."));

        session.Client.ServerInstructions.Should().StartWith("Answer in French.").And.EndWith(MirrorMcpTools.Instructions);
    }

    [Fact]
    public async Task WithMirrorTools_StoreFromTheHostsProvider_AnswersQueries()
    {
        await using var session = await McpSession.StartAsync(
            b => b.WithMirrorTools(new MirrorToolOptions { DefaultQueryRows = 5 }),
            s => s.AddOxideMirror(o =>
            {
                o.EnableModule = false;
                o.AddSource(StaticSource.FromDeltas("crm", Mirrors.Customers()));
            }));
        var empty = await session.CallAsync("mirror_overview");
        empty.Answer.GetProperty("resource_count").GetInt32().Should().Be(0, "nothing synced the provider's store yet");
        var sync = await session.Client.ListToolsAsync();
        sync.Select(t => t.Name).Should().NotContain("sync");
    }

    [Fact]
    public async Task WithMirrorTools_ProviderWithSyncEnabled_SyncsThroughTheProvidersSyncer()
    {
        await using var session = await McpSession.StartAsync(
            b => b.WithMirrorTools(new MirrorToolOptions { EnableSync = true }),
            s => s.AddOxideMirror(o =>
            {
                o.EnableModule = false;
                o.AddSource(StaticSource.FromDeltas("crm", Mirrors.Customers()));
            }));

        var sync = await session.CallAsync("sync", new { source = "crm" });
        var query = await session.CallAsync("query", new { sql = "SELECT count(*) AS n FROM customers" });

        sync.Result.IsError.Should().NotBe(true);
        sync.Answer.GetProperty("reports")[0].GetProperty("applied").GetInt32().Should().Be(40);
        query.Answer.GetProperty("rows")[0].GetProperty("n").GetInt32().Should().Be(40);
    }

    [Fact]
    public async Task WithMirrorTools_StoreThatCannotOpen_AnswersItsCodeAndRealMessage()
    {
        var path = Path.Combine(Path.GetTempPath(), "oxidemirror-mcp-" + Guid.NewGuid().ToString("N") + ".db");
        await File.WriteAllTextAsync(path, "this is not a SQLite database, it is a text file that happens to be long enough to have a header");
        try
        {
            await using var session = await McpSession.StartAsync(b => b.WithMirrorTools(), s => s.AddOxideMirror(o => { o.EnableModule = false; o.StorePath = path; }));

            var call = await session.CallAsync("mirror_overview");

            call.Result.IsError.Should().BeTrue();
            call.Answer.GetProperty("error").GetProperty("code").GetString().Should().Be(MirrorErrorCodes.SchemaIncompatible);
            call.Text.Should().Contain(Path.GetFileName(path)).And.NotContain("An error occurred invoking");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void WithMirrorTools_BadOptions_FailAtRegistration()
    {
        var builder = new ServiceCollection().AddMcpServer();

        var register = () => builder.WithMirrorTools(new MirrorToolOptions { MaxAnswerBytes = 10 });

        register.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*MaxAnswerBytes*");
    }

    [Fact]
    public void Create_ToolThatIsNotTheMirrors_IsRefused()
    {
        var other = AIFunctionFactory.Create(() => 42, "answer");

        var create = () => MirrorMcpTools.Create([other]);

        create.Should().Throw<ArgumentException>().WithMessage("*'answer' is not one of the mirror's agent tools*");
    }
}
