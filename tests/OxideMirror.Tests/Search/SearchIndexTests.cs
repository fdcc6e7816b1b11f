using static OxideMirror.Tests.Search.SearchKit;

namespace OxideMirror.Tests.Search;

public sealed class SearchIndexTests
{
    [Fact]
    public async Task CreateSearchIndexAsync_SyncedResource_IndexesItsCurrentRecords()
    {
        using var dir = new TempDirectory();
        await using var store = await MirrorStore.OpenAsync(dir.File());
        await store.ApplyBatchAsync([Doc("d1", "Login timeout", "The login page times out"), Doc("d2", "Dark mode", "Add a dark theme")], LastWriteWins.Instance);

        var index = await store.CreateSearchIndexAsync("docs", ["title", "body"]);

        index.TableName.Should().Be("docs_fts");
        index.Resource.Should().Be("docs");
        index.ResourceTable.Should().Be("docs");
        index.Fields.Should().Equal("title", "body");
        index.Columns.Should().Equal("title", "body");
        var hits = await store.QueryAsync("SELECT record_id FROM docs_fts WHERE docs_fts MATCH 'login' ORDER BY rank");
        hits.Rows.Select(r => r["record_id"]).Should().Equal("d1");
        (await ShouldEqualFreshAsync(store)).Should().BeGreaterThan(0);
    }

    [Fact]
    public async Task CreateSearchIndexAsync_SameFieldsAgainInAnyOrder_ReturnsTheExistingIndex()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Doc("d1", "a", "b"), LastWriteWins.Instance);
        var first = await store.CreateSearchIndexAsync("docs", ["title", "body"]);

        var second = await store.CreateSearchIndexAsync("docs", ["body", "title"]);

        second.TableName.Should().Be(first.TableName);
        (await store.ListSearchIndexesAsync()).Should().ContainSingle();
    }

    [Fact]
    public async Task CreateSearchIndexAsync_OtherFieldsThanTheExistingIndex_ThrowsMirrorExceptionNamingBoth()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Doc("d1", "a", "b"), LastWriteWins.Instance);
        await store.CreateSearchIndexAsync("docs", ["title"]);

        var act = () => store.CreateSearchIndexAsync("docs", ["title", "body"]);

        (await act.Should().ThrowAsync<MirrorException>())
            .WithMessage("Resource 'docs' already has a search index, docs_fts, on other fields (title)*DropSearchIndexAsync(\"docs\")*(title, body)*");
        (await store.ListSearchIndexesAsync()).Should().ContainSingle().Which.Fields.Should().Equal("title");
    }

    [Fact]
    public async Task CreateSearchIndexAsync_UnknownResource_ThrowsMirrorExceptionListingTheKnownOnes()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Doc("d1", "a", "b"), LastWriteWins.Instance);

        var act = () => store.CreateSearchIndexAsync("tickets", ["title"]);

        (await act.Should().ThrowAsync<MirrorException>()).WithMessage("Resource 'tickets' has not been synced*Known resources: docs*");
        await StoreStillWorksAsync(store);
    }

    [Theory]
    [InlineData("nope", "Resource 'docs' has no field 'nope'. Its fields are: body, stars, title.*")]
    [InlineData("_source", "'_source' is a system column of resource 'docs'*")]
    [InlineData("record_id", "'record_id' is a system column of resource 'docs'*")]
    public async Task CreateSearchIndexAsync_FieldThatIsNotAPayloadKey_ThrowsArgumentExceptionNamingIt(string field, string message)
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Doc("d1", "a", "b"), LastWriteWins.Instance);

        var act = () => store.CreateSearchIndexAsync("docs", ["title", field]);

        (await act.Should().ThrowAsync<ArgumentException>()).WithMessage(message).Which.ParamName.Should().Be("fields");
        (await store.ListSearchIndexesAsync()).Should().BeEmpty();
        await StoreStillWorksAsync(store);
    }

    [Fact]
    public async Task CreateSearchIndexAsync_NoFieldsBlankFieldOrDuplicate_ThrowsArgumentException()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Doc("d1", "a", "b"), LastWriteWins.Instance);

        (await store.Invoking(s => s.CreateSearchIndexAsync("docs", [])).Should().ThrowAsync<ArgumentException>()).WithMessage("A search index needs at least one field*");
        (await store.Invoking(s => s.CreateSearchIndexAsync("docs", ["title", " "])).Should().ThrowAsync<ArgumentException>()).WithMessage("Field 1 of the search index is empty*");
        (await store.Invoking(s => s.CreateSearchIndexAsync("docs", ["title", "TITLE"])).Should().ThrowAsync<ArgumentException>()).WithMessage("The field 'TITLE' of resource 'docs' is listed twice*");
        await store.Invoking(s => s.CreateSearchIndexAsync("docs", null!)).Should().ThrowAsync<ArgumentNullException>();
        await store.Invoking(s => s.CreateSearchIndexAsync(" ", ["title"])).Should().ThrowAsync<ArgumentException>();
        (await store.ListSearchIndexesAsync()).Should().BeEmpty();
        await StoreStillWorksAsync(store);
    }

    [Fact]
    public async Task CreateSearchIndexAsync_FieldNamedRank_ThrowsArgumentExceptionBecauseFts5ReservesIt()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Delta.Upsert("scores", "s1", new { rank = "gold", note = "x" }, "src"), LastWriteWins.Instance);

        var act = () => store.CreateSearchIndexAsync("scores", ["note", "rank"]);

        (await act.Should().ThrowAsync<ArgumentException>()).WithMessage("*'rank', a name FTS5 reserves*");
        (await store.CreateSearchIndexAsync("scores", ["note"])).TableName.Should().Be("scores_fts");
    }

    [Fact]
    public async Task CreateSearchIndexAsync_NameTakenByAnotherResourceTable_TakesTheNextFreeName()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyBatchAsync([Doc("d1", "a", "b"), Delta.Upsert("docs fts", "x", new { title = "t" }, "s"), Delta.Upsert("docs_fts_2_data", "y", new { v = 1 }, "s")], LastWriteWins.Instance);

        var index = await store.CreateSearchIndexAsync("docs", ["title"]);

        // docs_fts is the resource "docs fts"; docs_fts_2 would have a shadow table docs_fts_2_data, which is a resource's.
        index.TableName.Should().Be("docs_fts_3");
        (await store.QueryAsync("SELECT record_id FROM docs_fts WHERE title = 't'")).Rows.Should().ContainSingle();
        (await store.QueryAsync("SELECT record_id FROM docs_fts_3 WHERE docs_fts_3 MATCH 'a'")).Rows.Select(r => r["record_id"]).Should().Equal("d1");
    }

    [Fact]
    public async Task CreateSearchIndexAsync_ThenAResourceNamedLikeTheIndex_GetsAnotherTable()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Doc("d1", "alpha", "b"), LastWriteWins.Instance);
        await store.CreateSearchIndexAsync("docs", ["title"]);

        await store.ApplyBatchAsync([Delta.Upsert("docs_fts", "x", new { v = 1 }, "s"), Delta.Upsert("docs_fts_data", "y", new { v = 2 }, "s")], LastWriteWins.Instance);

        var tables = await store.QueryAsync("SELECT name, table_name FROM mirror_resources ORDER BY name");
        tables.Rows.Select(r => $"{r["name"]}={r["table_name"]}").Should().Equal("docs=docs", "docs_fts=docs_fts_2", "docs_fts_data=docs_fts_data_2");
        (await store.QueryAsync("SELECT record_id FROM docs_fts WHERE docs_fts MATCH 'alpha'")).Rows.Should().ContainSingle();
    }

    [Fact]
    public async Task ApplyBatchAsync_AcrossPagesUpdatesDeletesAndReinserts_KeepsTheIndexEqualToAFreshOne()
    {
        using var dir = new TempDirectory();
        await using var store = await MirrorStore.OpenAsync(dir.File());
        await store.ApplyAsync(Doc("d1", "first", "zero"), LastWriteWins.Instance);
        await store.CreateSearchIndexAsync("docs", ["title", "body"]);
        var syncer = new Syncer(store);
        syncer.AddSource(StaticSource.FromDeltas("docs", [Doc("d2", "kiwi", "apple pie"), Doc("d3", "banana", "split"), Doc("d1", "first edited", "kiwi"), Delta.Delete("docs", "d3", "docs"), Doc("d4", "cherry", "tart")], pageSize: 2));

        await syncer.SyncAllAsync();
        await store.ApplyAsync(Doc("d3", "banana again", "bread"), LastWriteWins.Instance);
        await store.ApplyAsync(Delta.Upsert("docs", "d2", new { title = "kiwi", body = "apple pie", extra = "new column" }, "docs"), LastWriteWins.Instance);

        var kiwi = await store.QueryAsync("SELECT record_id FROM docs_fts WHERE docs_fts MATCH 'kiwi' ORDER BY record_id");
        kiwi.Rows.Select(r => r["record_id"]).Should().Equal("d1", "d2");
        var banana = await store.QueryAsync("SELECT record_id, title FROM docs_fts WHERE docs_fts MATCH 'banana'");
        banana.Rows.Select(r => $"{r["record_id"]}:{r["title"]}").Should().Equal("d3:banana again");
        (await store.QueryAsync("SELECT count(*) AS n FROM docs_fts WHERE docs_fts MATCH 'zero OR split'")).Rows[0]["n"].Should().Be(0L);
        await ShouldEqualFreshAsync(store);
    }

    [Fact]
    public async Task ApplyAsync_DeleteLeavesATombstone_RemovesTheRecordFromTheIndex()
    {
        using var dir = new TempDirectory();
        await using var store = await MirrorStore.OpenAsync(dir.File());
        await store.ApplyBatchAsync([Doc("d1", "ghost story", "boo"), Doc("d2", "ghost town", "empty")], LastWriteWins.Instance);
        await store.CreateSearchIndexAsync("docs", ["title", "body"]);

        await store.ApplyAsync(Delta.Delete("docs", "d1", "docs"), LastWriteWins.Instance);

        (await store.GetTombstoneAsync("docs", "d1")).Should().NotBeNull();
        (await store.SearchAsync("docs", "ghost")).Hits.Select(h => h.RecordId).Should().Equal("d2");
        await ShouldEqualFreshAsync(store);
    }

    [Fact]
    public async Task ApplyAsync_SkippedDelta_LeavesTheIndexUnchanged()
    {
        using var dir = new TempDirectory();
        await using var store = await MirrorStore.OpenAsync(dir.File());
        await store.ApplyAsync(Doc("d1", "kept title", "body").WithConfidence(0.9), HighestConfidence.Instance);
        await store.CreateSearchIndexAsync("docs", ["title"]);

        await store.ApplyAsync(Doc("d1", "ignored title", "body").WithConfidence(0.1), HighestConfidence.Instance);

        (await store.SearchAsync("docs", "ignored")).Hits.Should().BeEmpty();
        (await store.SearchAsync("docs", "kept")).Hits.Should().ContainSingle();
        await ShouldEqualFreshAsync(store);
    }

    [Fact]
    public async Task OpenAsync_ReopenedFileStore_KeepsTheIndexAndItsMaintenance()
    {
        using var dir = new TempDirectory();
        var path = dir.File();
        await using (var store = await MirrorStore.OpenAsync(path))
        {
            await store.ApplyAsync(Doc("d1", "persistent words", "x"), LastWriteWins.Instance);
            await store.CreateSearchIndexAsync("docs", ["title"]);
        }

        await using var reopened = await MirrorStore.OpenAsync(path);
        (await reopened.ListSearchIndexesAsync()).Should().ContainSingle().Which.ToString().Should().Be("docs_fts on docs (title)");
        await reopened.ApplyAsync(Doc("d2", "more persistent words", "y"), LastWriteWins.Instance);

        (await reopened.SearchAsync("docs", "persistent")).Hits.Select(h => h.RecordId).Should().BeEquivalentTo(["d1", "d2"]);
        await ShouldEqualFreshAsync(reopened);
    }

    [Fact]
    public async Task DropSearchIndexAsync_ExistingIndex_RemovesItsTablesAndTriggersAndKeepsTheRecords()
    {
        using var dir = new TempDirectory();
        var path = dir.File();
        await using var store = await MirrorStore.OpenAsync(path);
        await store.ApplyAsync(Doc("d1", "a", "b"), LastWriteWins.Instance);
        await store.CreateSearchIndexAsync("docs", ["title"]);

        (await store.DropSearchIndexAsync("docs")).Should().BeTrue();
        (await store.DropSearchIndexAsync("docs")).Should().BeFalse();

        (await store.ListSearchIndexesAsync()).Should().BeEmpty();
        StoreTestKit.Scalar(path, "SELECT count(*) FROM sqlite_schema WHERE name LIKE 'docs_fts%'").Should().Be(0L);
        await store.ApplyAsync(Doc("d2", "c", "d"), LastWriteWins.Instance);
        (await store.QueryAsync("SELECT count(*) AS n FROM docs")).Rows[0]["n"].Should().Be(2L);
        await store.Invoking(s => s.SearchAsync("docs", "a")).Should().ThrowAsync<MirrorException>().WithMessage("Resource 'docs' has no search index*");
    }

    [Fact]
    public async Task DescribeAsync_WithASearchIndex_DescribesItAndHowToQueryIt()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Doc("d1", "a", "b"), LastWriteWins.Instance);
        await store.CreateSearchIndexAsync("docs", ["title", "body"]);

        var description = await store.DescribeAsync();

        description.SearchIndexes.Should().ContainSingle().Which.TableName.Should().Be("docs_fts");
        description.Resources.Select(r => r.Table).Should().Equal("docs");
        var markdown = description.ToMarkdown();
        markdown.Should().Contain("## Full-text search (FTS5)").And.Contain("- docs_fts: resource docs, columns title, body. Example: SELECT record_id, snippet(docs_fts, -1,");
        var example = await store.QueryAsync(description.SearchIndexes[0].ExampleQuery.Replace("'word'", "'a'", StringComparison.Ordinal));
        example.Rows.Should().ContainSingle().Which["snippet"].Should().Be("[a]");
    }

    [Fact]
    public async Task DescribeAsync_WithoutSearchIndexes_SaysNothingAboutSearch()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Doc("d1", "a", "b"), LastWriteWins.Instance);

        var description = await store.DescribeAsync();

        description.SearchIndexes.Should().BeEmpty();
        description.ToMarkdown().Should().NotContain("Full-text");
    }

    private static async Task StoreStillWorksAsync(MirrorStore store)
    {
        await store.ApplyAsync(Doc("after", "still", "works"), LastWriteWins.Instance);
        (await store.QueryAsync("SELECT count(*) AS n FROM docs WHERE record_id = 'after'")).Rows[0]["n"].Should().Be(1L);
    }
}
