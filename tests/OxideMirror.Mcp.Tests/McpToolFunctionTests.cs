using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Server;
using OxideMirror.AI;

namespace OxideMirror.Mcp.Tests;

/// <summary>Every tool called over MCP: its arguments, its answer, and its failures as tool errors with the code and the real message.</summary>
public sealed class McpToolFunctionTests : IAsyncLifetime
{
    private MirrorStore _store = null!;
    private McpSession _session = null!;

    public async Task InitializeAsync()
    {
        _store = await Mirrors.TwoServicesAsync();
        await _store.ApplyAsync(Delta.Upsert("customers", "c1", new { name = "Customer 1", tier = "enterprise" }, "crm"), LastWriteWins.Instance);
        var options = new MirrorToolOptions { EnableSync = true, Syncer = Mirrors.Syncer(_store) };
        _session = await McpSession.StartAsync(b => b.WithMirrorTools(_store, options));
    }

    public async Task DisposeAsync()
    {
        await _session.DisposeAsync();
        await _store.DisposeAsync();
    }

    [Fact]
    public async Task Overview_AnswersTheResources()
    {
        var (result, answer, _) = await _session.CallAsync("mirror_overview");

        result.IsError.Should().NotBe(true);
        answer.GetProperty("resources").EnumerateArray().Select(r => r.GetProperty("name").GetString()).Should().Equal("customers", "invoices");
    }

    [Fact]
    public async Task DescribeResources_AnswersColumnsOfTheOnesAskedFor()
    {
        var (_, answer, _) = await _session.CallAsync("describe_resources", new { resources = new[] { "invoices" }, detail = "full" });

        answer.GetProperty("resources").GetArrayLength().Should().Be(1);
        answer.GetProperty("resources")[0].GetProperty("columns").EnumerateArray().Select(c => c.GetProperty("name").GetString()).Should().Contain("customer_id");
    }

    [Fact]
    public async Task Query_Join_AnswersRows()
    {
        var (result, answer, _) = await _session.CallAsync("query", new
        {
            sql = "SELECT c.tier, sum(i.amount) AS billed FROM customers c JOIN invoices i ON i.customer_id = c.record_id GROUP BY c.tier ORDER BY billed DESC",
            max_rows = 2,
        });

        result.IsError.Should().NotBe(true);
        answer.GetProperty("rows").GetArrayLength().Should().Be(2);
        answer.GetProperty("truncated").GetBoolean().Should().BeTrue();
        answer.GetProperty("note").GetString().Should().Contain("max_rows 2");
    }

    [Fact]
    public async Task Query_Write_IsAToolErrorWithTheCodeAndTheRealMessage()
    {
        var (result, answer, text) = await _session.CallAsync("query", new { sql = "DELETE FROM invoices" });

        result.IsError.Should().BeTrue();
        answer.GetProperty("error").GetProperty("code").GetString().Should().Be(MirrorErrorCodes.QueryRefused);
        answer.GetProperty("error").GetProperty("message").GetString().Should().Contain("DELETE FROM invoices").And.Contain("agent queries may only read");
        text.Should().NotContain("An error occurred invoking");
        (await _store.RecordCountsAsync())["invoices"].Should().Be(120);
    }

    [Fact]
    public async Task Query_BadArgument_IsAToolErrorWithBadRequest()
    {
        var (result, answer, _) = await _session.CallAsync("query", new { sql = "SELECT 1", max_rows = -3 });

        result.IsError.Should().BeTrue();
        answer.GetProperty("error").GetProperty("code").GetString().Should().Be(MirrorErrorCodes.BadRequest);
        answer.GetProperty("error").GetProperty("message").GetString().Should().Contain("'max_rows' is -3");
    }

    [Fact]
    public async Task ExplainQuery_AnswersThePlan()
    {
        var (_, answer, _) = await _session.CallAsync("explain_query", new { sql = "SELECT * FROM customers WHERE record_id = 'c1'" });

        answer.GetProperty("plan").EnumerateArray().Select(s => s.GetString()).Should().Contain(s => s!.Contains("SEARCH customers", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GetRecord_AnswersThePayload()
    {
        var (_, answer, _) = await _session.CallAsync("get_record", new { resource = "customers", id = "c1" });

        answer.GetProperty("payload").GetProperty("tier").GetString().Should().Be("enterprise");
        answer.GetProperty("version").GetInt64().Should().Be(2);
    }

    [Fact]
    public async Task RecordHistory_AnswersEveryEventNewestFirst()
    {
        var (_, answer, _) = await _session.CallAsync("record_history", new { resource = "customers", id = "c1" });

        answer.GetProperty("total_events").GetInt32().Should().Be(2);
        answer.GetProperty("events")[0].GetProperty("version").GetInt64().Should().Be(2);
        answer.GetProperty("events")[0].GetProperty("incoming").GetProperty("tier").GetString().Should().Be("enterprise");
    }

    [Fact]
    public async Task ExplainRecord_AnswersWhereEachFieldCameFrom()
    {
        var (_, answer, _) = await _session.CallAsync("explain_record", new { resource = "customers", id = "c1" });

        answer.GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("field").GetString()).Should().BeEquivalentTo("name", "tier");
    }

    [Fact]
    public async Task ChangesSince_AnswersAPage()
    {
        var (_, answer, _) = await _session.CallAsync("changes_since", new { position = 0, resource = "invoices", limit = 50 });

        answer.GetProperty("changes").GetArrayLength().Should().Be(50);
        answer.GetProperty("has_more").GetBoolean().Should().BeTrue();
        answer.GetProperty("next").GetString().Should().Contain("position");
    }

    [Fact]
    public async Task Sync_UnknownSource_IsAToolErrorNamingTheKnownSources()
    {
        var (result, answer, _) = await _session.CallAsync("sync", new { source = "erp" });

        result.IsError.Should().BeTrue();
        answer.GetProperty("error").GetProperty("code").GetString().Should().Be(MirrorErrorCodes.UnknownSource);
        answer.GetProperty("error").GetProperty("message").GetString().Should().Contain("erp").And.Contain("crm");
    }

    [Fact]
    public async Task ThrownMirrorException_ReachesTheClientWithItsCodeAndMessage_NotTheSdksGenericText()
    {
        var throwing = new McpToolFunction(AIFunctionFactory.Create(
            (Func<int>)(() => throw new UnknownSourceException("erp", ["crm"])), "throws"));
        await using var session = await McpSession.StartAsync(b => b.WithTools([McpServerTool.Create(throwing)]));

        var (result, answer, text) = await session.CallAsync("throws");

        result.IsError.Should().BeTrue();
        answer.GetProperty("error").GetProperty("code").GetString().Should().Be(MirrorErrorCodes.UnknownSource);
        text.Should().Contain("erp").And.NotContain("An error occurred invoking");
    }
}
