using System.Text.Json;

namespace OxideMirror.AI.Tests.Tools;

public sealed class SchemaToolTests
{
    [Fact]
    public async Task Overview_TwoServices_ListsRowsColumnsSourcesAndLimits()
    {
        await using var store = await ToolHarness.TwoServicesAsync();

        var answer = await store.CreateAITools().CallAsync("mirror_overview");

        answer.GetProperty("resource_count").GetInt32().Should().Be(2);
        var customers = answer.GetProperty("resources").EnumerateArray().Single(r => r.GetProperty("name").GetString() == "customers");
        customers.GetProperty("rows").GetInt32().Should().Be(40);
        customers.GetProperty("columns").GetInt32().Should().Be(3);
        customers.GetProperty("sources")[0].GetProperty("source").GetString().Should().Be("crm");
        customers.GetProperty("sources")[0].GetProperty("last_synced_at").GetString().Should().EndWith("Z");
        answer.GetProperty("query_limits").GetProperty("default_rows").GetInt32().Should().Be(100);
        answer.GetProperty("query_limits").GetProperty("max_bytes").GetInt32().Should().Be(32_768);
    }

    [Fact]
    public async Task Overview_EmptyMirror_SaysNothingWasSynced()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var answer = await store.CreateAITools().CallAsync("mirror_overview");

        answer.GetProperty("resource_count").GetInt32().Should().Be(0);
        answer.GetProperty("next").GetString().Should().Contain("nothing has been synced");
    }

    [Fact]
    public async Task Describe_Summary_GivesColumnTypesAndJoinKeys()
    {
        await using var store = await ToolHarness.TwoServicesAsync();

        var answer = await store.CreateAITools().CallAsync("describe_resources", new { resources = new[] { "invoices", "customers" } });

        var invoices = answer.GetProperty("resources").EnumerateArray().Single(r => r.GetProperty("name").GetString() == "invoices");
        invoices.GetProperty("columns").GetProperty("amount").GetString().Should().Be("real");
        invoices.GetProperty("columns").GetProperty("customer_id").GetString().Should().Be("text");
        answer.GetProperty("join_keys").EnumerateArray().Select(k => k.GetString()).Should().Contain(k => k!.StartsWith("invoices.customer_id = customers.record_id", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Describe_Full_GivesNullRatesExamplesAndSystemColumns()
    {
        await using var store = await ToolHarness.TwoServicesAsync();
        await store.CreateIndexAsync("invoices", "status");

        var answer = await store.CreateAITools().CallAsync("describe_resources", new { resources = new[] { "invoices" }, detail = "full" });

        var status = answer.GetProperty("resources")[0].GetProperty("columns").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "status");
        status.GetProperty("indexed").GetBoolean().Should().BeTrue();
        status.GetProperty("null_pct").GetDouble().Should().Be(0);
        status.GetProperty("examples").EnumerateArray().Select(e => e.GetString()).Should().BeSubsetOf(["open", "paid"]);
        answer.GetProperty("system_columns").GetString().Should().Contain("_synced_at");
    }

    [Fact]
    public async Task Describe_UnknownName_IsListed_WithWhereToFindTheNames()
    {
        await using var store = await ToolHarness.TwoServicesAsync();

        var answer = await store.CreateAITools().CallAsync("describe_resources", new { resources = new[] { "invoices", "orders" } });

        answer.GetProperty("resources").GetArrayLength().Should().Be(1);
        answer.GetProperty("unknown").EnumerateArray().Select(u => u.GetString()).Should().Equal("orders");
        answer.GetProperty("hint").GetString().Should().Contain("mirror_overview");
    }

    [Fact]
    public async Task Describe_BadDetail_AnswersBadRequest()
    {
        await using var store = await ToolHarness.TwoServicesAsync();

        var answer = await store.CreateAITools().CallAsync("describe_resources", new { detail = "everything" });

        answer.Code().Should().Be(MirrorErrorCodes.BadRequest);
        answer.Message().Should().Contain("\"names\", \"summary\" or \"full\"");
    }

    [Fact]
    public async Task Describe_FullOverManyResources_IsCutToTheBudget_AndOffsetPagesThroughEveryOne()
    {
        await using var store = await ManyResourcesAsync(120, 12);
        var tools = store.CreateAITools();
        var seen = new List<string>();
        var offset = 0;
        for (var page = 0; page < 200; page++)
        {
            var answer = await tools.CallAsync("describe_resources", new { detail = "full", offset });
            answer.Bytes().Should().BeLessThanOrEqualTo(MirrorToolOptions.DefaultMaxAnswerBytes);
            seen.AddRange(answer.GetProperty("resources").EnumerateArray().Select(r => r.GetProperty("name").GetString()!));
            if (!answer.TryGetProperty("next_offset", out var next))
            {
                break;
            }

            next.GetInt32().Should().BeGreaterThan(offset);
            offset = next.GetInt32();
        }

        seen.Should().HaveCount(120).And.OnlyHaveUniqueItems();
    }

    [Fact]
    public async Task Describe_OneResourceOfAThousandColumns_CutsItsColumns_AndSaysHowToReadTheRest()
    {
        await using var store = await ManyResourcesAsync(1, 1_000);

        var answer = await store.CreateAITools().CallAsync("describe_resources", new { detail = "full" });

        answer.Bytes().Should().BeLessThanOrEqualTo(MirrorToolOptions.DefaultMaxAnswerBytes);
        var resource = answer.GetProperty("resources")[0];
        resource.GetProperty("columns_omitted").GetInt32().Should().BePositive();
        resource.GetProperty("columns_note").GetString().Should().Contain("pragma_table_info");
    }

    [Fact]
    public async Task Overview_ManyResources_IsCutToTheBudget_AndPointsAtDescribe()
    {
        await using var store = await ManyResourcesAsync(200, 1, longNames: true);

        var answer = await store.CreateAITools().CallAsync("mirror_overview");

        answer.Bytes().Should().BeLessThanOrEqualTo(MirrorToolOptions.DefaultMaxAnswerBytes);
        answer.GetProperty("more_resources").GetInt32().Should().BePositive();
        answer.GetProperty("next").GetString().Should().Contain("describe_resources");
    }

    /// <summary>A mirror of <paramref name="resources"/> resources with long names, each of 3 records with <paramref name="columns"/> long text fields.</summary>
    internal static async Task<MirrorStore> ManyResourcesAsync(int resources, int columns, bool longNames = false)
    {
        var deltas = new List<Delta>();
        for (var r = 0; r < resources; r++)
        {
            for (var i = 0; i < 3; i++)
            {
                var payload = new Dictionary<string, object?>();
                for (var c = 0; c < columns; c++)
                {
                    payload[$"field_with_a_rather_long_name_{c:0000}"] = new string((char)('a' + (c % 26)), 60) + i;
                }

                deltas.Add(Delta.Upsert((longNames ? "a resource whose name is longer than sixty characters, so its table differs " : "resource_with_a_long_descriptive_name_") + r.ToString("0000", System.Globalization.CultureInfo.InvariantCulture), $"r{i}", JsonSerializer.SerializeToElement(payload), "src"));
            }
        }

        return await ToolHarness.StoreAsync(deltas);
    }
}
