using System.Globalization;
using System.Text.Json;
using OxideMirror.AI.Tests.Tools;
using Xunit.Abstractions;

namespace OxideMirror.AI.Tests;

/// <summary>
/// The largest answer each tool gives under its defaults, on inputs built to be as large as they come: each stays within
/// <see cref="MirrorToolOptions.DefaultMaxAnswerBytes"/>. The sizes are written to the test output.
/// </summary>
public sealed class AnswerSizeTests(ITestOutputHelper output)
{
    private const int Budget = MirrorToolOptions.DefaultMaxAnswerBytes;

    [Fact]
    public async Task Overview_TwoHundredResourcesWithLongNames_StaysWithinTheBudget()
    {
        await using var store = await SchemaToolTests.ManyResourcesAsync(200, 1, longNames: true);

        Report("mirror_overview (200 resources, 80-character names)", await store.CreateAITools().CallAsync("mirror_overview"));
    }

    [Fact]
    public async Task Describe_FullDetailOverManyResources_StaysWithinTheBudget()
    {
        await using var store = await SchemaToolTests.ManyResourcesAsync(120, 12);

        Report("describe_resources full (120 resources x 12 columns)", await store.CreateAITools().CallAsync("describe_resources", new { detail = "full" }));
        Report("describe_resources summary (120 resources x 12 columns)", await store.CreateAITools().CallAsync("describe_resources", new { detail = "summary" }));
    }

    [Fact]
    public async Task Query_ThousandWideRows_StaysWithinTheBudget()
    {
        await using var store = await ToolHarness.StoreAsync(ToolHarness.Invoices(2_000));

        Report("query (1,000 rows asked, 500 escaped characters each)", await store.CreateAITools().CallAsync("query", new { sql = "SELECT *, printf('%.*c', 500, 'é') AS wide FROM invoices", max_rows = 1_000 }));
        Report("query (default 100 rows of blobs)", await store.CreateAITools().CallAsync("query", new { sql = "SELECT randomblob(2000) AS b FROM invoices" }));
    }

    [Fact]
    public async Task ExplainQuery_LargePlan_StaysWithinTheBudget()
    {
        await using var store = await ToolHarness.TwoServicesAsync();
        var sql = string.Join(" UNION ALL ", Enumerable.Range(0, 99).Select(i => string.Create(CultureInfo.InvariantCulture, $"SELECT a.record_id FROM invoices a JOIN invoices b ON b.status = a.status JOIN customers c ON lower(c.name) = lower(b.customer_id) WHERE a.amount > {i} AND a.record_id IN (SELECT record_id FROM invoices WHERE status = 'open' ORDER BY amount LIMIT 5)")));

        Report("explain_query (99-way UNION ALL of three-way unindexed joins with subqueries)", await store.CreateAITools().CallAsync("explain_query", new { sql }));
    }

    [Fact]
    public async Task Search_HundredHitsWithLongWords_StaysWithinTheBudget()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        for (var i = 0; i < 200; i++)
        {
            var words = string.Join(' ', Enumerable.Range(0, 40).Select(w => string.Create(CultureInfo.InvariantCulture, $"needle{w} ") + new string('q', 120)));
            await store.ApplyAsync(Delta.Upsert("notes", string.Create(CultureInfo.InvariantCulture, $"n{i}"), new { text = words }, "wiki"), LastWriteWins.Instance);
        }

        await store.CreateSearchIndexAsync("notes", ["text"]);

        var answer = await store.CreateAITools().CallAsync("search", new { resource = "notes", text = "needle1", limit = 100 });
        Report("search (100 hits asked, 16-token snippets of 120-character words)", answer);
        answer.GetProperty("hits").GetArrayLength().Should().BeGreaterThan(5, "the test must fill the budget to measure it");
    }

    [Fact]
    public async Task GetRecord_FourMegabytePayload_StaysWithinTheBudget()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var payload = Enumerable.Range(0, 1_500).ToDictionary(i => $"field_{i:0000}", i => new string('q', 2_500));
        await store.ApplyAsync(Delta.Upsert("docs", "d1", JsonSerializer.SerializeToElement(payload), "cms"), LastWriteWins.Instance);

        Report("get_record (1,500 fields of 2,500 characters, 3.8 MB)", await store.CreateAITools().CallAsync("get_record", new { resource = "docs", id = "d1" }));
    }

    [Fact]
    public async Task RecordHistory_TenThousandEventsOfLargePayloads_StaysWithinTheBudget()
    {
        await using var store = await RecordToolTests.LongHistoryAsync(10_000, 5_000);

        Report("record_history (10,000 events of 5 KB payloads, limit 100)", await store.CreateAITools().CallAsync("record_history", new { resource = "tickets", id = "t1", limit = 100 }));
    }

    [Fact]
    public async Task ExplainRecord_ThousandsOfFields_StaysWithinTheBudget()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var payload = Enumerable.Range(0, 2_000).ToDictionary(i => $"field_{i:0000}", i => new string('v', 900));
        await store.ApplyAsync(Delta.Upsert("docs", "d1", JsonSerializer.SerializeToElement(payload), "cms"), LastWriteWins.Instance);

        Report("explain_record (2,000 fields of 900 characters)", await store.CreateAITools().CallAsync("explain_record", new { resource = "docs", id = "d1" }));
    }

    [Fact]
    public async Task ChangesSince_LargePayloadsAtTheMostEvents_StaysWithinTheBudget()
    {
        var deltas = Enumerable.Range(0, 1_000).Select(i => Delta.Upsert("docs", $"d{i:0000}", new { body = new string('z', 6_000) + i, title = "t" + i }, "cms"));
        await using var store = await ToolHarness.StoreAsync(deltas);

        Report("changes_since (limit 1,000 over 6 KB payloads)", await store.CreateAITools().CallAsync("changes_since", new { position = 0, limit = 1_000 }));
    }

    [Fact]
    public async Task Sync_ManySources_StaysWithinTheBudget()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var syncer = new Syncer(store);
        for (var i = 0; i < 400; i++)
        {
            syncer.AddSource(StaticSource.FromDeltas(string.Create(CultureInfo.InvariantCulture, $"source-with-a-long-identifier-{i:000}"), [Delta.Upsert("items", string.Create(CultureInfo.InvariantCulture, $"i{i}"), new { i }, string.Create(CultureInfo.InvariantCulture, $"source-with-a-long-identifier-{i:000}"))]));
        }

        Report("sync (all of 400 sources)", await store.CreateAITools(new MirrorToolOptions { EnableSync = true, Syncer = syncer }).CallAsync("sync"));
    }

    private void Report(string what, JsonElement answer)
    {
        answer.IsError().Should().BeFalse("{0} answers: {1}", what, answer.ToString());
        var bytes = answer.Bytes();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"answer-size | {what} | {bytes} bytes"));
        bytes.Should().BeLessThanOrEqualTo(Budget, what);
    }
}
