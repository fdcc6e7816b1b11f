using System.Globalization;
using CsCheck;
using Microsoft.Data.Sqlite;
using OxideMirror.Tests.Conflicts;
using OxideMirror.Tests.Log;
using static OxideMirror.Tests.Search.SearchKit;

namespace OxideMirror.Tests.Search;

/// <summary>After any sync, a rebuild from the log and a compaction, every search index equals one built afresh from its resource table.</summary>
public sealed class SearchMaintenanceTests
{
    private static readonly string[] Words = ["alpha", "beta", "gamma", "delta", "Épée", "kiwi"];

    /// <summary>One change: which record, delete or upsert, the words of its title and body (null leaves the key out), its trust, and whether the page ends after it.</summary>
    public sealed record Op(int Record, bool Delete, int Title, int Body, bool Extra, int Confidence, int Strategy, bool Break);

    private static readonly Gen<Op> GenOp =
        Gen.Select(Gen.Int[0, 5], Gen.Int[0, 4], Gen.Int[-1, 40], Gen.Int[-1, 40])
            .Select(Gen.Select(Gen.Bool, Gen.Int[0, 3], Gen.Int[0, ConflictStrategyContractTests.BuiltIns.Count - 1], Gen.Int[0, 3]))
            .Select(t => new Op(t.Item1.Item1, t.Item1.Item2 == 0, t.Item1.Item3, t.Item1.Item4, t.Item2.Item1, t.Item2.Item2, t.Item2.Item3, t.Item2.Item4 == 0));

    [Fact]
    public async Task RebuildRecordsAsync_AnySyncWithAnIndexMadeBeforeOrDuring_IndexEqualsLiveAndFresh()
    {
        await Gen.Select(GenOp.Array[1, 30], Gen.Int[0, 30]).SampleAsync(
            async (ops, indexAt) =>
            {
                using var dir = new TempDirectory();
                var path = dir.File();
                await using var store = await MirrorStore.OpenAsync(path);
                await store.ApplyAsync(Delta.Upsert("docs", "seed", new { title = "seed", body = "seed" }, "s"), LastWriteWins.Instance);
                await ApplyAsync(store, ops, indexAt);
                await store.CreateSearchIndexAsync("docs", ["title", "body"]);
                var index = (await store.ListSearchIndexesAsync()).Single();
                var live = States(path, index);
                live.Live.Should().Equal(live.Fresh, "the live index must equal a fresh one before the rebuild");
                var answers = await AnswersAsync(store);

                EventSourcingKit.Scramble(path);
                await store.RebuildRecordsAsync();

                var rebuilt = States(path, index);
                rebuilt.Live.Should().Equal(rebuilt.Fresh);
                rebuilt.Live.Should().Equal(live.Live, "a rebuild from the log gives the records, and so the index, the sync left");
                (await AnswersAsync(store)).Should().Equal(answers);
            },
            iter: 40,
            threads: 2);
    }

    [Fact]
    public async Task RebuildRecordsAsync_ThenSync_KeepsMaintainingTheIndex()
    {
        using var dir = new TempDirectory();
        var path = dir.File();
        await using var store = await MirrorStore.OpenAsync(path);
        await store.ApplyBatchAsync([Doc("d1", "alpha", "one"), Doc("d2", "beta", "two")], LastWriteWins.Instance);
        await store.CreateSearchIndexAsync("docs", ["title", "body"]);

        await store.RebuildRecordsAsync();
        await store.ApplyBatchAsync([Doc("d3", "gamma", "three"), Delta.Delete("docs", "d1", "docs"), Doc("d2", "beta edited", "two")], LastWriteWins.Instance);

        (await store.SearchAsync("docs", "alpha")).Hits.Should().BeEmpty();
        (await store.SearchAsync("docs", "gamma")).Hits.Select(h => h.RecordId).Should().Equal("d3");
        (await store.SearchAsync("docs", "edited")).Hits.Select(h => h.RecordId).Should().Equal("d2");
        StoreTestKit.Scalar(path, "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'docs'").Should().Be(3L);
        await ShouldEqualFreshAsync(store);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task CompactAsync_WithOrWithoutVacuum_KeepsTheIndexEqualToAFreshOne(bool reclaimSpace)
    {
        using var dir = new TempDirectory();
        var path = dir.File();
        await using var store = await MirrorStore.OpenAsync(path);
        for (var v = 0; v < 30; v++)
        {
            var id = "d" + (v % 7).ToString(CultureInfo.InvariantCulture);
            var delta = v % 5 == 4 ? Delta.Delete("docs", id, "docs") : Doc(id, Words[v % Words.Length] + " v" + v.ToString(CultureInfo.InvariantCulture), Words[(v + 2) % Words.Length]);
            await store.ApplyAsync(delta, LastWriteWins.Instance);
            if (v == 3)
            {
                await store.CreateSearchIndexAsync("docs", ["title", "body"]);
            }
        }

        var before = States(path, (await store.ListSearchIndexesAsync()).Single()).Live;
        var rowids = StoreTestKit.Scalar(path, "SELECT group_concat(rowid || ':' || record_id) FROM docs");

        await store.CompactAsync(new RetentionPolicy { KeepVersions = 1, ReclaimSpace = reclaimSpace });

        StoreTestKit.Scalar(path, "SELECT group_concat(rowid || ':' || record_id) FROM docs").Should().Be(rowids, "VACUUM keeps the rowids of a table with an index (SearchIndexes.RebuildIfRenumbered covers a build that does not)");
        (await ShouldEqualFreshAsync(store)).Should().BeGreaterThan(0);
        States(path, (await store.ListSearchIndexesAsync()).Single()).Live.Should().Equal(before);
        await store.ApplyAsync(Doc("d9", "after compaction", "x"), LastWriteWins.Instance);
        (await store.SearchAsync("docs", "compaction")).Hits.Select(h => h.RecordId).Should().Equal("d9");
        await ShouldEqualFreshAsync(store);
    }

    [Fact]
    public void RebuildIfRenumbered_RowidsThatChanged_RebuildsTheIndexFromItsTable()
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = """
                CREATE TABLE mirror_resources (name TEXT PRIMARY KEY, table_name TEXT NOT NULL);
                CREATE TABLE mirror_search_indexes (resource TEXT PRIMARY KEY, table_name TEXT NOT NULL, fields TEXT NOT NULL, columns TEXT NOT NULL, created_at TEXT NOT NULL);
                INSERT INTO mirror_resources VALUES ('docs', 'docs');
                INSERT INTO mirror_search_indexes VALUES ('docs', 'docs_fts', '["title"]', '["title"]', 'now');
                CREATE TABLE docs (record_id TEXT PRIMARY KEY, title);
                CREATE VIRTUAL TABLE docs_fts USING fts5(record_id UNINDEXED, title, content='docs', content_rowid='rowid');
                CREATE TABLE docs_fts_pending (row INTEGER PRIMARY KEY, indexed INTEGER NOT NULL, record_id, title);
                INSERT INTO docs (rowid, record_id, title) VALUES (5, 'a', 'alpha'), (9, 'b', 'beta');
                INSERT INTO docs_fts (docs_fts) VALUES ('rebuild');
                """;
            command.ExecuteNonQuery();
        }

        var marks = SearchIndexes.RowidMarks(connection);
        SearchIndexes.RebuildIfRenumbered(connection, marks).Should().Be(0, "nothing changed");

        // What a VACUUM that renumbers would do: the same rows, in the same order, at rowids 1..n.
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "UPDATE docs SET rowid = 1 WHERE rowid = 5; UPDATE docs SET rowid = 2 WHERE rowid = 9";
            command.ExecuteNonQuery();
        }

        SearchIndexes.RebuildIfRenumbered(connection, marks).Should().Be(1);
        using var check = connection.CreateCommand();
        check.CommandText = "INSERT INTO docs_fts (docs_fts, rank) VALUES ('integrity-check', 1); SELECT group_concat(record_id) FROM docs_fts WHERE docs_fts MATCH 'beta'";
        check.ExecuteScalar().Should().Be("b");
    }

    private static async Task ApplyAsync(MirrorStore store, Op[] ops, int indexAt)
    {
        var batch = new List<Delta>();
        IConflictStrategy? strategy = null;
        for (var i = 0; i < ops.Length; i++)
        {
            if (i == indexAt)
            {
                if (batch.Count > 0)
                {
                    await store.ApplyBatchAsync(batch, strategy!);
                    batch.Clear();
                    strategy = null;
                }

                await store.CreateSearchIndexAsync("docs", ["title", "body"]);
            }

            var op = ops[i];
            strategy ??= ConflictStrategyContractTests.BuiltIns[op.Strategy];
            var id = "r" + op.Record.ToString(CultureInfo.InvariantCulture);
            var source = "s" + op.Confidence.ToString(CultureInfo.InvariantCulture);
            var delta = op.Delete
                ? Delta.Delete("docs", id, source)
                : Delta.Upsert("docs", id, Payload(op), source);
            batch.Add(delta.WithConfidence(op.Confidence / 3.0).At(StoreTestKit.T0.AddMinutes(i % 4)));
            if (op.Break)
            {
                await store.ApplyBatchAsync(batch, strategy);
                batch.Clear();
                strategy = null;
            }
        }

        if (batch.Count > 0)
        {
            await store.ApplyBatchAsync(batch, strategy!);
        }
    }

    private static System.Text.Json.JsonElement Payload(Op op)
    {
        var fields = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (op.Title >= 0)
        {
            fields["title"] = op.Title % 7 == 6 ? op.Title : Text(op.Title);
        }

        if (op.Body >= 0)
        {
            fields["body"] = op.Body % 9 == 8 ? null : Text(op.Body + 3);
        }

        if (op.Extra)
        {
            fields["extra"] = new { nested = Text(op.Title + op.Body) };
        }

        return System.Text.Json.JsonSerializer.SerializeToElement(fields);
    }

    private static string Text(int seed) =>
        string.Join(' ', Enumerable.Range(0, 1 + (Math.Abs(seed) % 4)).Select(i => Words[(Math.Abs(seed) + (i * 5)) % Words.Length]));

    private static async Task<List<string>> AnswersAsync(MirrorStore store)
    {
        var answers = new List<string>();
        foreach (var word in Words)
        {
            var result = await store.SearchAsync("docs", word, new SearchOptions { Limit = 100 });
            answers.Add(word + ": " + string.Join(",", result.Hits.Select(h => h.RecordId + "@" + h.Rank.ToString("0.######", CultureInfo.InvariantCulture)).Order(StringComparer.Ordinal)));
        }

        return answers;
    }
}
