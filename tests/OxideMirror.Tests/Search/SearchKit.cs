using System.Globalization;
using Microsoft.Data.Sqlite;
using OxideMirror.Tests.Log;

namespace OxideMirror.Tests.Search;

/// <summary>Reads a mirror file's search indexes through a plain connection, to compare them with freshly built ones.</summary>
internal static class SearchKit
{
    public static Delta Doc(string id, string title, string body, string source = "docs") =>
        Delta.Upsert("docs", id, new { title, body, stars = title.Length }, source);

    /// <summary>
    /// Checks every search index of the store against its resource table: FTS5's own integrity check (which compares the
    /// index with the external content), and the index's every token instance, keyed by record id, against an FTS5 table
    /// built afresh from the same rows. Returns how many token instances the indexes hold, so a caller can see it is not empty.
    /// </summary>
    public static async Task<int> ShouldEqualFreshAsync(MirrorStore store)
    {
        var indexes = await store.ListSearchIndexesAsync();
        indexes.Should().NotBeEmpty("the check needs an index to compare");
        var total = 0;
        foreach (var index in indexes)
        {
            var (live, fresh) = States(store.Path!, index);
            live.Should().Equal(fresh, "the index {0} must equal one built afresh from {1}", index.TableName, index.ResourceTable);
            total += live.Count;
        }

        return total;
    }

    /// <summary>Returns the live index's token instances and those of an index built afresh from the resource table, both as "record_id|column|term|offset", sorted.</summary>
    public static (List<string> Live, List<string> Fresh) States(string path, SearchIndex index)
    {
        using var connection = EventSourcingKit.Open(path, SqliteOpenMode.ReadWrite);
        var fts = Quote(index.TableName);
        var table = Quote(index.ResourceTable);
        var columns = string.Join(", ", index.Columns.Select(Quote));
        Execute(connection, $"INSERT INTO {fts} ({fts}, rank) VALUES ('integrity-check', 1)");
        Rows(connection, $"SELECT count(*) FROM {Quote(index.TableName + "_pending")}").Should().Equal(["0"], "every commit applies the pending rows");
        Execute(connection,
            $"CREATE VIRTUAL TABLE temp.live_vocab USING fts5vocab(main, {Literal(index.TableName)}, 'instance'); " +
            $"CREATE VIRTUAL TABLE temp.fresh USING fts5(record_id UNINDEXED, {columns}, tokenize='unicode61 remove_diacritics 2'); " +
            $"INSERT INTO temp.fresh (rowid, record_id, {columns}) SELECT rowid, record_id, {columns} FROM main.{table}; " +
            "CREATE VIRTUAL TABLE temp.fresh_vocab USING fts5vocab(temp, 'fresh', 'instance')");
        var live = Rows(connection, $"SELECT t.record_id, v.col, v.term, v.offset FROM temp.live_vocab v LEFT JOIN main.{table} t ON t.rowid = v.doc");
        var fresh = Rows(connection, $"SELECT t.record_id, v.col, v.term, v.offset FROM temp.fresh_vocab v LEFT JOIN main.{table} t ON t.rowid = v.doc");
        return (live, fresh);
    }

    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static List<string> Rows(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add(string.Join('|', Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "NULL" : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture))));
        }

        rows.Sort(StringComparer.Ordinal);
        return rows;
    }
}
