namespace OxideMirror.AI.Tests.Tools;

public sealed class ChangeToolTests
{
    [Fact]
    public async Task ChangesSince_FromZero_ListsNetChangesWithCounts()
    {
        await using var store = await ToolHarness.TwoServicesAsync();

        var answer = await store.CreateAITools().CallAsync("changes_since", new { position = 0, resource = "customers" });

        answer.GetProperty("counts").GetProperty("customers").GetProperty("inserted").GetInt32().Should().Be(40);
        answer.GetProperty("changes").GetArrayLength().Should().Be(40);
        answer.GetProperty("changes")[0].GetProperty("kind").GetString().Should().Be("inserted");
        answer.GetProperty("has_more").GetBoolean().Should().BeFalse();
    }

    [Fact]
    public async Task ChangesSince_LargePayloads_PagesFitTheBudget_AndTogetherCoverEveryRecord()
    {
        var deltas = Enumerable.Range(0, 300).Select(i => Delta.Upsert("docs", $"d{i:000}", new { body = new string('z', 3_000) + i }, "cms"));
        await using var store = await ToolHarness.StoreAsync(deltas);
        var tools = store.CreateAITools();
        var ids = new HashSet<string>();
        long position = 0;
        for (var page = 0; page < 500; page++)
        {
            var answer = await tools.CallAsync("changes_since", new { position, limit = 1_000 });
            answer.Bytes().Should().BeLessThanOrEqualTo(MirrorToolOptions.DefaultMaxAnswerBytes);
            foreach (var change in answer.GetProperty("changes").EnumerateArray())
            {
                ids.Add(change.GetProperty("id").GetString()!);
            }

            position = answer.GetProperty("position").GetInt64();
            if (!answer.GetProperty("has_more").GetBoolean())
            {
                break;
            }
        }

        ids.Should().HaveCount(300);
    }

    [Fact]
    public async Task ChangesSince_Since_StartsAtThatMoment()
    {
        await using var store = await ToolHarness.TwoServicesAsync();

        var answer = await store.CreateAITools().CallAsync("changes_since", new { since = "2000-01-01T00:00:00Z" });

        answer.GetProperty("from_position").GetInt64().Should().Be(0);
        answer.GetProperty("changes").GetArrayLength().Should().BePositive();
    }

    [Fact]
    public async Task ChangesSince_BothPositionAndSince_AnswersBadRequest()
    {
        await using var store = await ToolHarness.TwoServicesAsync();

        var answer = await store.CreateAITools().CallAsync("changes_since", new { position = 0, since = "2000-01-01T00:00:00Z" });

        answer.Code().Should().Be(MirrorErrorCodes.BadRequest);
        answer.Message().Should().Contain("exactly one of 'position'");
    }
}
