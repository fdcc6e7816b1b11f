using System.Text.Json;
using Microsoft.Extensions.AI;

namespace OxideMirror.AI.Tests;

public sealed class MirrorToolsTests
{
    [Fact]
    public async Task CreateAITools_Defaults_ReturnsTheReadOnlyToolsInOrder_WithoutSync()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var tools = store.CreateAITools();

        tools.Select(t => t.Name).Should().Equal(
            "mirror_overview", "describe_resources", "query", "explain_query", "search", "get_record", "record_history", "explain_record", "changes_since");
        tools.Select(t => t.Name).Should().Equal(MirrorToolNames.ReadOnly);
        tools.Should().AllBeAssignableTo<AIFunction>().And.NotContain(t => t is ApprovalRequiredAIFunction);
    }

    [Fact]
    public async Task CreateAITools_SyncEnabledWithItsSyncer_AddsSyncLast_AsApprovalRequired()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var tools = store.CreateAITools(new MirrorToolOptions { EnableSync = true, Syncer = new Syncer(store) });

        tools.Should().HaveCount(10);
        tools[^1].Name.Should().Be(MirrorToolNames.Sync);
        tools[^1].Should().BeOfType<ApprovalRequiredAIFunction>();
    }

    [Fact]
    public async Task CreateAITools_SyncEnabledWithoutSyncer_ThrowsNamingTheOption()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var create = () => store.CreateAITools(new MirrorToolOptions { EnableSync = true });

        create.Should().Throw<ArgumentException>().WithMessage("*MirrorToolOptions.Syncer is not*");
    }

    [Fact]
    public async Task CreateAITools_SyncerOfAnotherStore_Throws()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await using var other = await MirrorStore.OpenInMemoryAsync();

        var create = () => store.CreateAITools(new MirrorToolOptions { EnableSync = true, Syncer = new Syncer(other) });

        create.Should().Throw<ArgumentException>().WithMessage("*another store*");
    }

    [Fact]
    public async Task CreateAITools_SyncerWithoutEnableSync_ThrowsSayingHowToOfferSync()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var create = () => store.CreateAITools(new MirrorToolOptions { Syncer = new Syncer(store) });

        create.Should().Throw<ArgumentException>().WithMessage("*Set EnableSync = true*");
    }

    [Theory]
    [InlineData(1_000, 100, 1_000)]
    [InlineData(64 * 1024 * 1024, 100, 1_000)]
    [InlineData(32_768, 0, 1_000)]
    [InlineData(32_768, 2_000, 1_000)]
    [InlineData(32_768, 1, 0)]
    public async Task CreateAITools_LimitOutOfRange_ThrowsArgumentOutOfRange(int maxAnswerBytes, int defaultRows, int maxRows)
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var create = () => store.CreateAITools(new MirrorToolOptions { MaxAnswerBytes = maxAnswerBytes, DefaultQueryRows = defaultRows, MaxQueryRows = maxRows });

        create.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*MirrorToolOptions.*");
    }

    [Fact]
    public void CreateAITools_NullStore_Throws()
    {
        var create = () => MirrorTools.CreateAITools((MirrorStore)null!);

        create.Should().Throw<ArgumentNullException>();
    }

    public static TheoryData<string, string[], string[]> Schemas() => new()
    {
        { "mirror_overview", [], [] },
        { "describe_resources", ["resources", "detail", "offset"], [] },
        { "query", ["sql", "params", "max_rows", "max_bytes", "as_of", "as_of_mode"], ["sql"] },
        { "explain_query", ["sql"], ["sql"] },
        { "search", ["resource", "text", "mode", "limit"], ["resource", "text"] },
        { "get_record", ["resource", "id"], ["resource", "id"] },
        { "record_history", ["resource", "id", "limit", "before_position"], ["resource", "id"] },
        { "explain_record", ["resource", "id"], ["resource", "id"] },
        { "changes_since", ["position", "since", "resource", "limit"], [] },
        { "sync", ["source"], [] },
    };

    [Theory]
    [MemberData(nameof(Schemas))]
    public async Task JsonSchema_EachTool_IsAClosedObjectOfItsArguments_WithADescription(string name, string[] properties, string[] required)
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var tool = store.CreateAITools(new MirrorToolOptions { EnableSync = true, Syncer = new Syncer(store) }).Tool(name);

        var schema = tool.JsonSchema;

        schema.GetProperty("type").GetString().Should().Be("object");
        schema.GetProperty("additionalProperties").GetBoolean().Should().BeFalse();
        schema.GetProperty("properties").EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo(properties);
        foreach (var property in schema.GetProperty("properties").EnumerateObject())
        {
            property.Value.GetProperty("type").ValueKind.Should().NotBe(JsonValueKind.Undefined, "{0}.{1} declares its type", name, property.Name);
            property.Value.TryGetProperty("description", out _).Should().BeTrue("{0}.{1} is described for the model", name, property.Name);
        }

        var declared = schema.TryGetProperty("required", out var list) ? list.EnumerateArray().Select(e => e.GetString()).ToArray() : [];
        declared.Should().BeEquivalentTo(required);
        tool.Description.Length.Should().BeGreaterThan(80);
    }

    [Fact]
    public async Task JsonSchema_Query_ReportsTheHostCeilings()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var tool = store.CreateAITools(new MirrorToolOptions { DefaultQueryRows = 50, MaxQueryRows = 500, MaxAnswerBytes = 16_384 }).Tool("query");

        var properties = tool.JsonSchema.GetProperty("properties");

        properties.GetProperty("max_rows").GetProperty("default").GetInt32().Should().Be(50);
        properties.GetProperty("max_rows").GetProperty("maximum").GetInt32().Should().Be(500);
        properties.GetProperty("max_bytes").GetProperty("maximum").GetInt32().Should().Be(16_384);
        properties.GetProperty("max_bytes").GetProperty("default").GetInt32().Should().Be(16_384);
    }
}
