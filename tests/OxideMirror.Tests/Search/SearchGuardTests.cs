using static OxideMirror.Tests.Search.SearchKit;

namespace OxideMirror.Tests.Search;

/// <summary>Agent SQL may read the search index tables with MATCH and FTS5's auxiliary functions, and nothing else of FTS5.</summary>
public sealed class SearchGuardTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _dir = new();
    private MirrorStore _store = null!;

    public async Task InitializeAsync()
    {
        _store = await MirrorStore.OpenAsync(_dir.File(), new MirrorStoreOptions
        {
            Migrations = [new UserMigration(1, "own_fts", "CREATE VIRTUAL TABLE own_notes USING fts5(note)")],
        });
        await _store.ApplyBatchAsync([Doc("d1", "Login timeout", "The login page times out"), Doc("d2", "Dark mode", "Add a dark theme for login")], LastWriteWins.Instance);
        await _store.CreateSearchIndexAsync("docs", ["title", "body"]);
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
    }

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("SELECT record_id FROM docs_fts WHERE docs_fts MATCH 'login' ORDER BY rank", "d1,d2")]
    [InlineData("SELECT record_id, bm25(docs_fts) AS score FROM docs_fts WHERE docs_fts MATCH 'dark' ORDER BY score", "d2")]
    [InlineData("SELECT record_id, snippet(docs_fts, -1, '[', ']', '...', 8) AS s FROM docs_fts WHERE docs_fts MATCH 'timeout'", "d1")]
    [InlineData("SELECT record_id, highlight(docs_fts, 1, '<b>', '</b>') AS h FROM docs_fts WHERE docs_fts MATCH 'title:login'", "d1")]
    [InlineData("SELECT d.record_id FROM docs_fts f JOIN docs d ON d.rowid = f.rowid WHERE docs_fts MATCH 'log*' AND d.stars > 0 ORDER BY f.rank", "d1,d2")]
    [InlineData("SELECT record_id FROM docs_fts('\"dark theme\"')", "d2")]
    [InlineData("SELECT record_id FROM docs_fts WHERE docs_fts MATCH 'login' AND rank MATCH 'bm25(10.0, 1.0)' ORDER BY rank", "d1,d2")]
    [InlineData("SELECT record_id FROM docs_fts WHERE docs_fts MATCH @q", "d1")]
    public async Task QueryAsync_ReadOfTheIndexTable_IsAnswered(string sql, string expected)
    {
        var result = await _store.QueryAsync(sql, new { q = "timeout" });

        result.Rows.Select(r => (string)r["record_id"]!).Order(StringComparer.Ordinal).Should().Equal(expected.Split(','));
        result.Freshness.Should().ContainSingle().Which.Resource.Should().Be("docs");
    }

    [Fact]
    public async Task QueryAsyncOfT_ReadOfTheIndexTable_IsAnswered()
    {
        var ids = await _store.QueryAsync<string>("SELECT record_id FROM docs_fts WHERE docs_fts MATCH 'dark'");

        ids.Should().Equal("d2");
    }

    [Fact]
    public async Task QueryAsync_ManyIndexQueriesOnFreshAndReusedReaders_AreAllAnswered()
    {
        // The first read on a connection makes FTS5 connect to the index (and read its _config) while the statement is
        // prepared; later reads on the same connection do not. Both must pass the guard.
        var tasks = Enumerable.Range(0, 12).Select(_ => _store.QueryAsync("SELECT count(*) AS n FROM docs_fts WHERE docs_fts MATCH 'login'"));

        var results = await Task.WhenAll(tasks);

        results.Select(r => r.Rows[0]["n"]).Should().AllBeEquivalentTo(2L);
    }

    [Theory]
    [InlineData("SELECT * FROM docs_fts_data", "docs_fts_data holds the internal storage of the search index docs_fts")]
    [InlineData("SELECT * FROM docs_fts_idx", "docs_fts_idx holds the internal storage")]
    [InlineData("SELECT * FROM docs_fts_docsize", "docs_fts_docsize holds the internal storage")]
    [InlineData("SELECT * FROM docs_fts_pending", "docs_fts_pending holds the internal storage")]
    [InlineData("SELECT count(*) FROM docs_fts f, docs_fts_data d WHERE docs_fts MATCH 'login'", "docs_fts_data holds the internal storage")]
    [InlineData("SELECT * FROM own_notes", "own_notes* is an FTS5 table (or part of one) that is not a search index")]
    [InlineData("SELECT * FROM own_notes WHERE own_notes MATCH 'x'", "own_notes* is an FTS5 table")]
    [InlineData("SELECT * FROM own_notes_data", "own_notes_data is an FTS5 table")]
    [InlineData("SELECT * FROM own_notes_content", "own_notes_content is an FTS5 table")]
    [InlineData("CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, 'docs_fts', 'row')", "would change the database")]
    [InlineData("CREATE VIRTUAL TABLE temp.x USING fts5(a)", "would change the database")]
    [InlineData("INSERT INTO docs_fts(docs_fts) VALUES ('rebuild')", "INSERT INTO docs_fts")]
    [InlineData("INSERT INTO docs_fts(docs_fts, rank) VALUES ('rank', 'bm25(1)')", "INSERT INTO docs_fts")]
    [InlineData("DELETE FROM docs_fts", "")]
    [InlineData("SELECT fts5_source_id()", "fts5_source_id() is not allowed")]
    [InlineData("SELECT fts5(NULL)", "fts5() is not allowed")]
    [InlineData("PRAGMA data_version", "PRAGMA data_version is not allowed")]
    public async Task QueryAsync_Fts5OutsideTheIndexTables_IsRefusedAndChangesNothing(string sql, string reason)
    {
        var before = MirrorTablesDump();

        var act = () => _store.QueryAsync(sql);

        (await act.Should().ThrowAsync<QueryNotReadOnlyException>()).WithMessage("*" + reason + "*");
        MirrorTablesDump().Should().Be(before);
        (await _store.SearchAsync("docs", "login")).Hits.Should().HaveCount(2);
    }

    [Theory]
    [InlineData("SELECT * FROM docs WHERE title MATCH 'login'", "unable to use function MATCH")]
    [InlineData("SELECT snippet(title, 0, '[', ']', '...', 4) FROM docs", "unable to use function snippet")]
    [InlineData("SELECT * FROM docs_fts WHERE docs_fts MATCH 'login AND ('", "The full-text search expression given to MATCH is invalid (SQLite: fts5: syntax error near \"\")")]
    [InlineData("SELECT * FROM docs_fts WHERE docs_fts MATCH 'nosuch: x'", "no such column: nosuch")]
    [InlineData("SELECT * FROM docs_fts WHERE docs_fts MATCH 'login' AND rank MATCH 'evil(1)' ORDER BY rank", "no such function: evil")]
    public async Task QueryAsync_InvalidFullTextQuery_ThrowsQueryExceptionQuotingSqlite(string sql, string message)
    {
        var act = () => _store.QueryAsync(sql);

        var thrown = await act.Should().ThrowAsync<QueryException>();
        thrown.WithMessage("*" + message + "*");
        thrown.Which.Should().NotBeOfType<QueryNotReadOnlyException>();
        (await _store.SearchAsync("docs", "login")).Hits.Should().HaveCount(2);
    }

    [Fact]
    public async Task QueryAsync_ConfigTableOfAnIndex_IsReadableBecauseFts5ReadsItWhilePreparing()
    {
        var result = await _store.QueryAsync("SELECT k, v FROM docs_fts_config");

        result.Rows.Should().ContainSingle().Which["k"].Should().Be("version");
    }

    private string MirrorTablesDump() => OxideMirror.Tests.Log.EventSourcingKit.Tables(_store.Path!)
        + StoreTestKit.Scalar(_store.Path!, "SELECT group_concat(name || ':' || coalesce(sql, ''), '|') FROM (SELECT name, sql FROM sqlite_schema ORDER BY name)");
}
