using System.Globalization;

namespace OxideMirror.AI.Tests.Tools;

public sealed class SearchToolTests
{
    private static async Task<MirrorStore> TicketsAsync(int extra = 0)
    {
        var tickets = new List<Delta>
        {
            Delta.Upsert("tickets", "t1", new { title = "Login fails after password reset", body = "The login page spins forever." }, "desk"),
            Delta.Upsert("tickets", "t2", new { title = "Invoice totals wrong", body = "Totals ignore the discount on login." }, "desk"),
            Delta.Upsert("tickets", "t3", new { title = "Export to CSV", body = "Please add an export button." }, "desk"),
        };
        for (var i = 0; i < extra; i++)
        {
            tickets.Add(Delta.Upsert("tickets", string.Create(CultureInfo.InvariantCulture, $"x{i}"), new { title = "timeout " + new string('w', 3_000) + " timeout", body = "timeout" }, "desk"));
        }

        var store = await ToolHarness.StoreAsync(tickets.Concat(ToolHarness.Customers(3)));
        await store.CreateSearchIndexAsync("tickets", ["title", "body"]);
        return store;
    }

    [Fact]
    public async Task Search_AllWords_FindsTheRecordsHoldingEveryWordBestFirstWithSnippets()
    {
        await using var store = await TicketsAsync();

        var answer = await store.CreateAITools().CallAsync("search", new { resource = "tickets", text = "login password" });

        answer.IsError().Should().BeFalse(answer.ToString());
        var hits = answer.GetProperty("hits").EnumerateArray().ToList();
        hits.Select(h => h.GetProperty("id").GetString()).Should().Equal("t1");
        hits[0].GetProperty("snippet").GetString().Should().Contain("[Login]").And.Contain("[password]");
        answer.GetProperty("freshness")[0].GetProperty("source").GetString().Should().Be("desk");
    }

    [Fact]
    public async Task Search_AnyWord_RanksRecordsWithMoreOfTheWordsFirst()
    {
        await using var store = await TicketsAsync();

        var answer = await store.CreateAITools().CallAsync("search", new { resource = "tickets", text = "login password", mode = "any_word" });

        answer.GetProperty("hits").EnumerateArray().Select(h => h.GetProperty("id").GetString()).Should().Equal("t1", "t2");
    }

    [Fact]
    public async Task Search_TextWithQuerySyntax_IsReadAsPlainWords()
    {
        await using var store = await TicketsAsync();

        var answer = await store.CreateAITools().CallAsync("search", new { resource = "tickets", text = "\"login\" OR NEAR(export" });

        answer.IsError().Should().BeFalse("plain-word modes give no character of the text a meaning: {0}", answer.ToString());
        answer.GetProperty("hits").GetArrayLength().Should().Be(0);
        answer.GetProperty("note").GetString().Should().Contain("any_word");
    }

    [Fact]
    public async Task Search_Fts5ModeWithBadSyntax_AnswersTheQueryErrorWithHowToWriteOne()
    {
        await using var store = await TicketsAsync();

        var answer = await store.CreateAITools().CallAsync("search", new { resource = "tickets", text = "login AND (", mode = "fts5" });

        answer.Code().Should().Be(MirrorErrorCodes.QueryFailed);
        answer.Message().Should().Contain("The search text 'login AND (' is not a valid FTS5 query").And.Contain("AllWords");
    }

    [Fact]
    public async Task Search_ResourceWithoutAnIndex_SaysWhichResourcesHaveOne()
    {
        await using var store = await TicketsAsync();

        var answer = await store.CreateAITools().CallAsync("search", new { resource = "customers", text = "Customer" });

        answer.IsError().Should().BeTrue();
        answer.Message().Should().Contain("'customers' has no search index").And.Contain("tickets");
    }

    [Fact]
    public async Task Search_BadModeOrLimit_NamesTheArgument()
    {
        await using var store = await TicketsAsync();
        var tools = store.CreateAITools();

        (await tools.CallAsync("search", new { resource = "tickets", text = "login", mode = "regex" })).Message().Should().Contain("'mode' is 'regex'").And.Contain("all_words");
        (await tools.CallAsync("search", new { resource = "tickets", text = "login", limit = 0 })).Message().Should().Contain("limit");
        (await tools.CallAsync("search", new { resource = "tickets" })).Message().Should().Contain("'text' is required");
    }

    [Fact]
    public async Task Search_LimitAboveTheCeiling_IsLoweredWithANote()
    {
        await using var store = await TicketsAsync(extra: 120);

        var answer = await store.CreateAITools().CallAsync("search", new { resource = "tickets", text = "timeout", limit = 5_000 });

        answer.IsError().Should().BeFalse(answer.ToString());
        answer.GetProperty("note").GetString().Should().Contain("limit 5,000 was lowered to 100");
        answer.GetProperty("hits").GetArrayLength().Should().BeLessThanOrEqualTo(100);
        answer.Bytes().Should().BeLessThanOrEqualTo(MirrorToolOptions.DefaultMaxAnswerBytes);
    }

    [Fact]
    public async Task Overview_IndexedResource_ListsItsSearchFields()
    {
        await using var store = await TicketsAsync();

        var answer = await store.CreateAITools().CallAsync("mirror_overview");

        var tickets = answer.GetProperty("resources").EnumerateArray().Single(r => r.GetProperty("name").GetString() == "tickets");
        tickets.GetProperty("search_fields").EnumerateArray().Select(f => f.GetString()).Should().Equal("title", "body");
        answer.GetProperty("resources").EnumerateArray().Single(r => r.GetProperty("name").GetString() == "customers").TryGetProperty("search_fields", out _).Should().BeFalse();
    }
}
