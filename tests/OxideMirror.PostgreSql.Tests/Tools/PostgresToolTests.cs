using System.Text.Json;
using Microsoft.Extensions.AI;
using OxideMirror.AI;

namespace OxideMirror.PostgreSql.Tests.Tools;

/// <summary>The agent tools over <see cref="PostgresMirrorStore.Reader"/>: the same tools, answers and error codes as over the SQLite store, in PostgreSQL's SQL.</summary>
[Collection(PostgresTests.Name)]
public sealed class PostgresToolTests(PostgresServer server)
{
    [PostgresFact]
    public async Task CreateAITools_OverThePostgresReader_LeavesOutTheToolsItCannotServe()
    {
        var (store, _) = await Mirrors.OpenAsync(server, agentRole: false);
        await using var _s = store;

        var tools = store.Reader.CreateAITools();

        tools.Select(t => t.Name).Should().Equal(
            MirrorToolNames.Overview, MirrorToolNames.DescribeResources, MirrorToolNames.Query, MirrorToolNames.GetRecord,
            MirrorToolNames.RecordHistory, MirrorToolNames.ExplainRecord, MirrorToolNames.ChangesSince);
        var query = tools.OfType<AIFunction>().Single(t => t.Name == MirrorToolNames.Query);
        query.Description.Should().Contain("PostgreSQL").And.NotContain("SQLite").And.NotContain("as_of");
        query.JsonSchema.GetProperty("properties").TryGetProperty("as_of", out _).Should().BeFalse();
    }

    [PostgresFact]
    public async Task Query_RunsPostgresSql_AndAnswersAFailureWithItsCode()
    {
        var (store, _) = await Seeded.OpenAsync(server);
        await using var _s = store;
        var tools = store.Reader.CreateAITools();

        var answer = await CallAsync(tools, MirrorToolNames.Query, new { sql = "SELECT c.name, sum(i.amount) AS billed FROM customers c JOIN invoices i ON i.customer_id = c.record_id WHERE c.tier = @tier GROUP BY c.name", @params = new { tier = "enterprise" } });
        var refused = await CallAsync(tools, MirrorToolNames.Query, new { sql = "DELETE FROM customers" });
        var failed = await CallAsync(tools, MirrorToolNames.Query, new { sql = "SELECT nope FROM customers" });
        var asOf = await CallAsync(tools, MirrorToolNames.Query, new { sql = "SELECT 1", as_of = "2026-01-01T00:00:00Z" });

        answer.GetProperty("rows").EnumerateArray().Should().ContainSingle()
            .Which.GetProperty("billed").GetInt64().Should().Be(12_500);
        answer.GetProperty("rows")[0].GetProperty("name").GetString().Should().Be("Acme Corp");
        Code(refused).Should().Be(MirrorErrorCodes.QueryRefused);
        Code(failed).Should().Be(MirrorErrorCodes.QueryFailed);
        Message(failed).Should().Contain("nope");
        Code(asOf).Should().Be(MirrorErrorCodes.BadRequest);
        Message(asOf).Should().Contain("as_of").And.Contain("PostgreSQL");
    }

    [PostgresFact]
    public async Task OverviewAndDescribe_ListTheResources_WithPostgresTypesCountsAndJoinKeys()
    {
        var (store, _) = await Seeded.OpenAsync(server);
        await using var _s = store;
        var tools = store.Reader.CreateAITools();

        var overview = await CallAsync(tools, MirrorToolNames.Overview);
        var described = await CallAsync(tools, MirrorToolNames.DescribeResources, new { resources = new[] { "customers", "invoices" }, detail = "full" });

        overview.GetProperty("resource_count").GetInt32().Should().Be(2);
        overview.GetProperty("log_position").GetInt64().Should().Be(await store.GetPositionAsync());
        overview.GetProperty("query_limits").GetProperty("timeout_ms").GetInt64().Should().Be((long)store.Reader.QueryTimeout.TotalMilliseconds);
        var resources = overview.GetProperty("resources").EnumerateArray().ToList();
        resources.Select(r => r.GetProperty("name").GetString()).Should().Equal("customers", "invoices");
        resources[0].GetProperty("rows").GetInt64().Should().Be(2);
        resources[0].GetProperty("sources")[0].GetProperty("source").GetString().Should().Be("crm");

        var invoices = described.GetProperty("resources").EnumerateArray().Single(r => r.GetProperty("name").GetString() == "invoices");
        invoices.GetProperty("rows").GetInt64().Should().Be(2);
        var columns = invoices.GetProperty("columns").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("type").GetString());
        columns.Should().ContainKey("customer_id").And.ContainKey("amount").And.ContainKey("paid");
        columns["customer_id"].Should().Be("text");
        columns["paid"].Should().Be("boolean");
        described.GetProperty("json").GetString().Should().Contain("jsonb");
        described.GetProperty("join_keys").EnumerateArray().Select(k => k.GetString()).Should().Contain(k => k!.StartsWith("invoices.customer_id = customers.record_id", StringComparison.Ordinal));
    }

    [PostgresFact]
    public async Task HistoryExplainAndChanges_ReadThePostgresLog()
    {
        var (store, _) = await Seeded.OpenAsync(server);
        await using var _s = store;
        var start = await store.GetPositionAsync();
        await store.ApplyPageAsync([Delta.Upsert("customers", "c1", new { tier = "gold" }, "billing")], MergeJson.Instance);
        await store.ApplyPageAsync([Delta.Delete("customers", "c2", "crm")], LastWriteWins.Instance);
        var tools = store.Reader.CreateAITools();

        var history = await CallAsync(tools, MirrorToolNames.RecordHistory, new { resource = "customers", id = "c1" });
        var explained = await CallAsync(tools, MirrorToolNames.ExplainRecord, new { resource = "customers", id = "c1" });
        var changes = await CallAsync(tools, MirrorToolNames.ChangesSince, new { position = start });
        var record = await CallAsync(tools, MirrorToolNames.GetRecord, new { resource = "customers", id = "c2" });

        history.GetRawText().Should().Contain("billing").And.Contain("crm");
        explained.GetRawText().Should().Contain("\"tier\"").And.Contain("billing");
        var listed = changes.GetProperty("changes").EnumerateArray().Select(c => $"{c.GetProperty("id").GetString()}:{c.GetProperty("kind").GetString()}").ToList();
        listed.Should().BeEquivalentTo(["c1:updated", "c2:deleted"]);
        changes.GetProperty("position").GetInt64().Should().Be(await store.GetPositionAsync());
        changes.GetProperty("has_more").GetBoolean().Should().BeFalse();
        record.GetRawText().Should().Contain("deleted");
    }

    private static async Task<JsonElement> CallAsync(IList<AITool> tools, string name, object? arguments = null)
    {
        var tool = tools.OfType<AIFunction>().Single(t => t.Name == name);
        var args = new AIFunctionArguments();
        if (arguments is not null)
        {
            using var document = JsonDocument.Parse(JsonSerializer.Serialize(arguments));
            foreach (var property in document.RootElement.EnumerateObject())
            {
                args[property.Name] = property.Value.Clone();
            }
        }

        var result = await tool.InvokeAsync(args);
        return result.Should().BeOfType<JsonElement>().Subject;
    }

    private static string Code(JsonElement answer) => answer.GetProperty("error").GetProperty("code").GetString()!;

    private static string Message(JsonElement answer) => answer.GetProperty("error").GetProperty("message").GetString()!;
}
