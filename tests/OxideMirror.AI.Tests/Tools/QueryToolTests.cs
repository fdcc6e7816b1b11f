using System.Text.Json;

namespace OxideMirror.AI.Tests.Tools;

public sealed class QueryToolTests
{
    [Fact]
    public async Task Query_JoinWithParameters_AnswersColumnsRowsAndFreshness()
    {
        await using var store = await ToolHarness.TwoServicesAsync();

        var answer = await store.CreateAITools().CallAsync("query", new
        {
            sql = "SELECT c.tier, count(*) AS invoices FROM customers c JOIN invoices i ON i.customer_id = c.record_id WHERE i.status = @status GROUP BY c.tier ORDER BY c.tier",
            @params = new { status = "open" },
        });

        answer.GetProperty("columns").EnumerateArray().Select(c => c.GetString()).Should().Equal("tier", "invoices");
        answer.GetProperty("rows").GetArrayLength().Should().Be(3);
        answer.GetProperty("rows").EnumerateArray().Sum(r => r.GetProperty("invoices").GetInt32()).Should().Be(40);
        answer.GetProperty("truncated").GetBoolean().Should().BeFalse();
        answer.GetProperty("freshness").EnumerateArray().Select(f => f.GetProperty("source").GetString()).Should().BeEquivalentTo("crm", "billing");
        answer.TryGetProperty("note", out _).Should().BeFalse();
    }

    [Fact]
    public async Task Query_NoMaxRows_ReturnsTheDefault100_AndSaysHowToGetTheRest()
    {
        await using var store = await ToolHarness.StoreAsync(ToolHarness.Invoices(250));

        var answer = await store.CreateAITools().CallAsync("query", new { sql = "SELECT record_id FROM invoices" });

        answer.GetProperty("rows").GetArrayLength().Should().Be(100);
        answer.GetProperty("truncated").GetBoolean().Should().BeTrue();
        answer.GetProperty("note").GetString().Should().Contain("first 100 rows").And.Contain("max_rows 100").And.Contain("ORDER BY").And.Contain("up to 1,000 rows");
    }

    [Fact]
    public async Task Query_MaxRowsAboveTheHostCeiling_IsLoweredToIt_AndTheAnswerSaysSo()
    {
        await using var store = await ToolHarness.StoreAsync(ToolHarness.Invoices(250));
        var tools = store.CreateAITools(new MirrorToolOptions { MaxQueryRows = 30, DefaultQueryRows = 10 });

        var answer = await tools.CallAsync("query", new { sql = "SELECT record_id FROM invoices", max_rows = 100_000 });

        answer.GetProperty("rows").GetArrayLength().Should().Be(30);
        answer.GetProperty("note").GetString().Should().Contain("max_rows 100,000 was lowered to the host's ceiling of 30");
    }

    [Fact]
    public async Task Query_MaxBytesAboveTheHostCeiling_IsLowered_AndTheAnswerStaysWithinIt()
    {
        await using var store = await ToolHarness.StoreAsync(ToolHarness.Invoices(1_000));
        var tools = store.CreateAITools(new MirrorToolOptions { MaxAnswerBytes = 8_192, MaxQueryRows = 1_000 });

        var answer = await tools.CallAsync("query", new { sql = "SELECT * FROM invoices", max_rows = 1_000, max_bytes = 10_000_000 });

        answer.Bytes().Should().BeLessThanOrEqualTo(8_192);
        answer.GetProperty("truncated").GetBoolean().Should().BeTrue();
        answer.GetProperty("note").GetString().Should().Contain("lowered to the host's ceiling of 8,192").And.Contain("byte cap");
    }

    [Theory]
    [InlineData(2_048)]
    [InlineData(5_000)]
    [InlineData(32_768)]
    public async Task Query_WideRows_AnswerNeverPassesMaxBytes(int maxBytes)
    {
        await using var store = await ToolHarness.StoreAsync(ToolHarness.Invoices(2_000));

        var answer = await store.CreateAITools().CallAsync("query", new { sql = "SELECT *, printf('%.*c', 500, 'é') AS wide FROM invoices", max_rows = 1_000, max_bytes = maxBytes });

        answer.Bytes().Should().BeLessThanOrEqualTo(maxBytes);
        answer.GetProperty("truncated").GetBoolean().Should().BeTrue();
    }

    [Fact]
    public async Task Query_AsOfBeforeAChange_ReadsTheOldValue()
    {
        var clock = new SteppedClock(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var store = await MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { TimeProvider = clock });
        await store.ApplyAsync(Delta.Upsert("customers", "c1", new { tier = "free" }, "crm"), LastWriteWins.Instance);
        clock.Now = clock.Now.AddDays(1);
        await store.ApplyAsync(Delta.Upsert("customers", "c1", new { tier = "paid" }, "crm"), LastWriteWins.Instance);

        var then = await store.CreateAITools().CallAsync("query", new { sql = "SELECT tier FROM customers", as_of = "2026-01-01T12:00:00Z" });
        var now = await store.CreateAITools().CallAsync("query", new { sql = "SELECT tier FROM customers" });

        then.GetProperty("rows")[0].GetProperty("tier").GetString().Should().Be("free");
        then.GetProperty("as_of").GetString().Should().StartWith("2026-01-01T12:00:00");
        now.GetProperty("rows")[0].GetProperty("tier").GetString().Should().Be("paid");
    }

    [Fact]
    public async Task ExplainQuery_UnindexedSelfJoin_ReturnsThePlanAndAHint()
    {
        await using var store = await ToolHarness.TwoServicesAsync();

        var answer = await store.CreateAITools().CallAsync("explain_query", new { sql = "SELECT a.record_id FROM invoices a JOIN invoices b ON b.customer_id = a.customer_id" });

        answer.GetProperty("plan").EnumerateArray().Select(s => s.GetString()).Should().Contain(s => s!.StartsWith("SCAN", StringComparison.Ordinal));
        answer.GetProperty("hints").EnumerateArray().Should().ContainSingle().Which.GetString().Should().Contain("invoices.customer_id");
    }

    [Fact]
    public async Task ExplainQuery_Write_IsRefusedLikeQuery()
    {
        await using var store = await ToolHarness.TwoServicesAsync();

        var answer = await store.CreateAITools().CallAsync("explain_query", new { sql = "WITH x AS (SELECT 1) DELETE FROM customers" });

        answer.Code().Should().Be(MirrorErrorCodes.QueryRefused);
    }

    private sealed class SteppedClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
