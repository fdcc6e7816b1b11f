using System.Text.Json;

namespace OxideMirror.AI.Tests.Tools;

public sealed class RecordToolTests
{
    [Fact]
    public async Task GetRecord_Live_AnswersThePayloadAndItsProvenance()
    {
        await using var store = await ToolHarness.TwoServicesAsync();

        var answer = await store.CreateAITools().CallAsync("get_record", new { resource = "customers", id = "c3" });

        answer.GetProperty("found").GetBoolean().Should().BeTrue();
        answer.GetProperty("payload").GetProperty("name").GetString().Should().Be("Customer 3");
        answer.GetProperty("source").GetString().Should().Be("crm");
        answer.GetProperty("version").GetInt64().Should().Be(1);
    }

    [Fact]
    public async Task GetRecord_Deleted_AnswersNotFoundWithWhen()
    {
        await using var store = await ToolHarness.TwoServicesAsync();
        await store.ApplyAsync(Delta.Delete("customers", "c3", "crm"), LastWriteWins.Instance);

        var answer = await store.CreateAITools().CallAsync("get_record", new { resource = "customers", id = "c3" });

        answer.GetProperty("found").GetBoolean().Should().BeFalse();
        answer.GetProperty("deleted").GetProperty("source").GetString().Should().Be("crm");
    }

    [Fact]
    public async Task GetRecord_NeverSeen_AnswersNotFoundWithAHint()
    {
        await using var store = await ToolHarness.TwoServicesAsync();

        var answer = await store.CreateAITools().CallAsync("get_record", new { resource = "customers", id = "nobody" });

        answer.GetProperty("found").GetBoolean().Should().BeFalse();
        answer.GetProperty("note").GetString().Should().Contain("No record with that id was ever mirrored");
    }

    [Fact]
    public async Task GetRecord_EmptyId_AnswersBadRequest()
    {
        await using var store = await ToolHarness.TwoServicesAsync();

        var answer = await store.CreateAITools().CallAsync("get_record", new { resource = "customers", id = " " });

        answer.Code().Should().Be(MirrorErrorCodes.BadRequest);
        answer.Message().Should().Contain("'id' is empty");
    }

    [Fact]
    public async Task GetRecord_PayloadLargerThanAnAnswer_ListsTheFieldsLeftOut()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Delta.Upsert("docs", "d1", new { title = "Big", body = new string('x', 3_000_000), notes = "small" }, "cms"), LastWriteWins.Instance);

        var answer = await store.CreateAITools().CallAsync("get_record", new { resource = "docs", id = "d1" });

        answer.Bytes().Should().BeLessThanOrEqualTo(MirrorToolOptions.DefaultMaxAnswerBytes);
        answer.GetProperty("payload").GetProperty("title").GetString().Should().Be("Big");
        answer.GetProperty("payload").GetProperty("notes").GetString().Should().Be("small");
        answer.GetProperty("omitted_fields").EnumerateArray().Select(f => f.GetString()).Should().Equal("body");
        answer.GetProperty("note").GetString().Should().Contain("json_extract(payload, '$.field')");
    }

    [Fact]
    public async Task RecordHistory_TenThousandEvents_EachPageIsBounded_AndPointsAtTheNext()
    {
        await using var store = await LongHistoryAsync(10_000, 200);
        var tools = store.CreateAITools();

        var first = await tools.CallAsync("record_history", new { resource = "tickets", id = "t1", limit = 100 });
        var before = first.GetProperty("next_before_position").GetInt64();
        var second = await tools.CallAsync("record_history", new { resource = "tickets", id = "t1", limit = 100, before_position = before });

        foreach (var page in new[] { first, second })
        {
            page.Bytes().Should().BeLessThanOrEqualTo(MirrorToolOptions.DefaultMaxAnswerBytes);
            page.GetProperty("total_events").GetInt32().Should().Be(10_000);
            page.GetProperty("events").GetArrayLength().Should().BePositive();
        }

        second.GetProperty("events")[0].GetProperty("position").GetInt64().Should().BeLessThan(before);
        first.GetProperty("events")[0].GetProperty("version").GetInt64().Should().Be(10_000);
    }

    [Fact]
    public async Task RecordHistory_Pages_CoverEveryEventOnce_NewestFirst()
    {
        await using var store = await LongHistoryAsync(1_000, 200);
        var tools = store.CreateAITools();
        var positions = new List<long>();
        long? before = null;
        for (var page = 0; page < 200; page++)
        {
            var answer = await tools.CallAsync("record_history", before is null ? new { resource = "tickets", id = "t1", limit = 100 } : new { resource = "tickets", id = "t1", limit = 100, before_position = before });
            answer.Bytes().Should().BeLessThanOrEqualTo(MirrorToolOptions.DefaultMaxAnswerBytes);
            positions.AddRange(answer.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("position").GetInt64()));
            if (!answer.TryGetProperty("next_before_position", out var next))
            {
                break;
            }

            before = next.GetInt64();
        }

        positions.Should().HaveCount(1_000).And.BeInDescendingOrder().And.OnlyHaveUniqueItems();
    }

    [Fact]
    public async Task RecordHistory_Default_GivesTheNewest20_WithDecisions()
    {
        await using var store = await LongHistoryAsync(50, 10);

        var answer = await store.CreateAITools().CallAsync("record_history", new { resource = "tickets", id = "t1" });

        var events = answer.GetProperty("events");
        events.GetArrayLength().Should().Be(20);
        events[0].GetProperty("version").GetInt64().Should().Be(50);
        events[0].GetProperty("decision").GetString().Should().Be("updated");
        events[events.GetArrayLength() - 1].GetProperty("version").GetInt64().Should().Be(31);
        answer.GetProperty("has_more").GetBoolean().Should().BeTrue();
        answer.GetProperty("next").GetString().Should().Contain("before_position");
    }

    [Fact]
    public async Task ExplainRecord_TwoSources_SaysWhichSetEachField()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Delta.Upsert("customers", "c1", new { name = "Acme", tier = "free" }, "crm"), MergeJson.Instance);
        await store.ApplyAsync(Delta.Upsert("customers", "c1", new { tier = "paid" }, "billing"), MergeJson.Instance);

        var answer = await store.CreateAITools().CallAsync("explain_record", new { resource = "customers", id = "c1" });

        var fields = answer.GetProperty("fields").EnumerateArray().ToDictionary(f => f.GetProperty("field").GetString()!, f => f.GetProperty("source").GetString());
        fields.Should().Contain("name", "crm").And.Contain("tier", "billing");
    }

    [Fact]
    public async Task ExplainRecord_Unknown_AnswersNotFound()
    {
        await using var store = await ToolHarness.TwoServicesAsync();

        var answer = await store.CreateAITools().CallAsync("explain_record", new { resource = "customers", id = "zzz" });

        answer.GetProperty("found").GetBoolean().Should().BeFalse();
    }

    /// <summary>One record, <paramref name="events"/> updates of it, each payload about <paramref name="payloadChars"/> characters.</summary>
    internal static async Task<MirrorStore> LongHistoryAsync(int events, int payloadChars)
    {
        var store = await MirrorStore.OpenInMemoryAsync();
        for (var start = 0; start < events; start += 1_000)
        {
            var batch = Enumerable.Range(start, Math.Min(1_000, events - start))
                .Select(i => Delta.Upsert("tickets", "t1", new { n = i, text = new string('y', payloadChars) + i }, "desk"))
                .ToList();
            await store.ApplyBatchAsync(batch, LastWriteWins.Instance);
        }

        return store;
    }
}
