using static OxideMirror.Tests.Search.SearchKit;

namespace OxideMirror.Tests.Search;

public sealed class SearchAsyncTests
{
    private static async Task<MirrorStore> OpenAsync(MirrorStoreOptions? options = null)
    {
        var store = await MirrorStore.OpenInMemoryAsync(options);
        await store.ApplyBatchAsync(
        [
            Doc("d1", "Login timeout", "The login page times out after the password step"),
            Doc("d2", "Login button colour", "Make the button blue"),
            Doc("d3", "Crash on export", "Export to CSV crashes when the login session expired"),
            Doc("d4", "user-agent header", "Send the user agent \"OxideMirror\" on every request"),
        ], LastWriteWins.Instance);
        await store.CreateSearchIndexAsync("docs", ["title", "body"]);
        return store;
    }

    [Fact]
    public async Task SearchAsync_PlainWords_ReturnsRecordsHoldingAllOfThemBestFirstWithSnippets()
    {
        await using var store = await OpenAsync();

        var result = await store.SearchAsync("docs", "login timeout");

        result.Hits.Should().ContainSingle().Which.RecordId.Should().Be("d1");
        result.Hits[0].Snippet.Should().Contain("[timeout]");
        result.Hits[0].Rank.Should().BeNegative();
        result.Truncated.Should().BeFalse();
        result.Freshness.Should().ContainSingle().Which.Resource.Should().Be("docs");
    }

    [Fact]
    public async Task SearchAsync_OneWord_RanksTheRecordThatHoldsItMostOftenFirst()
    {
        await using var store = await OpenAsync();

        var result = await store.SearchAsync("docs", "login");

        result.Hits.Select(h => h.RecordId).Should().BeEquivalentTo(["d1", "d2", "d3"]);
        result.Hits[0].RecordId.Should().Be("d1", "d1 holds 'login' twice");
        result.Hits.Select(h => h.Rank).Should().BeInAscendingOrder();
    }

    [Fact]
    public async Task SearchAsync_AnyWord_ReturnsRecordsHoldingAnyOfThem()
    {
        await using var store = await OpenAsync();

        var result = await store.SearchAsync("docs", "crash blue", new SearchOptions { Mode = SearchMode.AnyWord });

        result.Hits.Select(h => h.RecordId).Should().BeEquivalentTo(["d2", "d3"]);
    }

    [Theory]
    [InlineData("login (", "d1,d2,d3")]
    [InlineData("login AND (", "")]
    [InlineData("\"OxideMirror\"", "d4")]
    [InlineData("user-agent", "d4")]
    [InlineData("title: crash", "")]
    [InlineData("NEAR(login password)", "")]
    [InlineData("log*", "")]
    [InlineData("'; DROP TABLE docs; --", "")]
    public async Task SearchAsync_ModelTextWithQuerySyntax_SearchesItAsPlainWords(string text, string expected)
    {
        await using var store = await OpenAsync();

        var result = await store.SearchAsync("docs", text);

        result.Hits.Select(h => h.RecordId).Order(StringComparer.Ordinal).Should().Equal(expected.Split(',', StringSplitOptions.RemoveEmptyEntries));
        (await store.QueryAsync("SELECT count(*) AS n FROM docs")).Rows[0]["n"].Should().Be(4L);
    }

    [Fact]
    public async Task SearchAsync_Fts5Mode_PassesTheQuerySyntaxThrough()
    {
        await using var store = await OpenAsync();

        var prefix = await store.SearchAsync("docs", "log* NOT button", new SearchOptions { Mode = SearchMode.Fts5 });
        var column = await store.SearchAsync("docs", "title: crash", new SearchOptions { Mode = SearchMode.Fts5 });

        prefix.Hits.Select(h => h.RecordId).Should().BeEquivalentTo(["d1", "d3"]);
        column.Hits.Select(h => h.RecordId).Should().Equal("d3");
    }

    [Fact]
    public async Task SearchAsync_Fts5ModeWithBadSyntax_ThrowsQueryExceptionSayingHowToFixItAndStaysUsable()
    {
        await using var store = await OpenAsync();

        var act = () => store.SearchAsync("docs", "login AND (", new SearchOptions { Mode = SearchMode.Fts5 });

        (await act.Should().ThrowAsync<QueryException>())
            .WithMessage("The search text 'login AND (' is not a valid FTS5 query (SQLite: fts5: syntax error near \"\")*Put words and phrases in double quotes*SearchMode.AllWords*")
            .Which.Should().NotBeOfType<QueryNotReadOnlyException>();
        (await store.SearchAsync("docs", "login")).Hits.Should().HaveCount(3);
    }

    [Fact]
    public async Task SearchAsync_LimitBelowTheMatches_ReturnsTheBestOnesNotTruncated()
    {
        await using var store = await OpenAsync();
        var all = await store.SearchAsync("docs", "login");

        var two = await store.SearchAsync("docs", "login", new SearchOptions { Limit = 2 });

        two.Hits.Select(h => h.RecordId).Should().Equal(all.Hits.Take(2).Select(h => h.RecordId));
        two.Truncated.Should().BeFalse();
    }

    [Fact]
    public async Task SearchAsync_LimitAboveTheStoreRowCap_IsCutAtTheCapAndTruncated()
    {
        await using var store = await OpenAsync(new MirrorStoreOptions { MaxQueryRows = 2 });

        var result = await store.SearchAsync("docs", "login", new SearchOptions { Limit = 50 });

        result.Hits.Should().HaveCount(2);
        result.Truncated.Should().BeTrue();
    }

    [Fact]
    public async Task SearchAsync_ByteCapSmallerThanTheHits_IsCutAndTruncated()
    {
        await using var store = await OpenAsync();
        var words = string.Join(' ', Enumerable.Range(0, 80).Select(i => "login word" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        await store.ApplyBatchAsync(Enumerable.Range(0, 10).Select(i => Doc("long" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), "long", words)).ToList(), LastWriteWins.Instance);

        var result = await store.SearchAsync("docs", "login", new SearchOptions { MaxBytes = 1024, SnippetTokens = 64 });

        result.Hits.Count.Should().BeInRange(1, 12);
        result.Truncated.Should().BeTrue();
    }

    [Fact]
    public async Task SearchAsync_ResourceWithoutIndex_ThrowsMirrorExceptionSayingHowToCreateOne()
    {
        await using var store = await OpenAsync();
        await store.ApplyAsync(Delta.Upsert("notes", "n1", new { text = "x" }, "s"), LastWriteWins.Instance);

        var act = () => store.SearchAsync("notes", "x");

        (await act.Should().ThrowAsync<MirrorException>()).WithMessage("Resource 'notes' has no search index*Resources with one: docs*CreateSearchIndexAsync(\"notes\"*");
    }

    [Fact]
    public async Task SearchAsync_BadArguments_ThrowBeforeQuerying()
    {
        await using var store = await OpenAsync();

        await store.Invoking(s => s.SearchAsync("docs", " ")).Should().ThrowAsync<ArgumentException>();
        await store.Invoking(s => s.SearchAsync("docs", null!)).Should().ThrowAsync<ArgumentNullException>();
        await store.Invoking(s => s.SearchAsync("docs", "a\0b")).Should().ThrowAsync<ArgumentException>().WithMessage("*NUL*");
        await store.Invoking(s => s.SearchAsync("docs", "a", new SearchOptions { Limit = 0 })).Should().ThrowAsync<ArgumentOutOfRangeException>();
        await store.Invoking(s => s.SearchAsync("docs", "a", new SearchOptions { SnippetTokens = 65 })).Should().ThrowAsync<ArgumentOutOfRangeException>();
        await store.Invoking(s => s.SearchAsync("docs", "a", new SearchOptions { Mode = (SearchMode)9 })).Should().ThrowAsync<ArgumentOutOfRangeException>();
        (await store.SearchAsync("docs", "login")).Hits.Should().HaveCount(3);
    }

    [Fact]
    public async Task SearchAsync_CancelledToken_ThrowsOperationCanceled()
    {
        await using var store = await OpenAsync();

        var act = () => store.SearchAsync("docs", "login", cancellationToken: new CancellationToken(canceled: true));

        await act.Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public async Task SearchAsync_DisposedStore_ThrowsObjectDisposed()
    {
        var store = await OpenAsync();
        await store.DisposeAsync();

        await store.Invoking(s => s.SearchAsync("docs", "login")).Should().ThrowAsync<ObjectDisposedException>();
        await store.Invoking(s => s.CreateSearchIndexAsync("docs", ["title"])).Should().ThrowAsync<ObjectDisposedException>();
    }

    [Theory]
    [InlineData("a b", SearchMode.AllWords, "\"a\" \"b\"")]
    [InlineData("  say \"hi\"\tnow ", SearchMode.AllWords, "\"say\" \"\"\"hi\"\"\" \"now\"")]
    [InlineData("a b", SearchMode.AnyWord, "\"a\" OR \"b\"")]
    [InlineData("a* OR b", SearchMode.Fts5, "a* OR b")]
    public void Match_Text_IsQuotedPhrasesOrPassedThrough(string text, SearchMode mode, string expected)
    {
        SearchQuery.Match(text, mode).Should().Be(expected);
    }
}
