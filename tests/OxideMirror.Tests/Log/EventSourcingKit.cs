using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;

namespace OxideMirror.Tests.Log;

/// <summary>Reads and tampers with a mirror file through plain Microsoft.Data.Sqlite connections, for the rebuild, replay and compaction tests.</summary>
internal static class EventSourcingKit
{
    /// <summary>Reads <c>mirror_records</c>, each resource's kept row count, and every resource table, all columns, in key order, as text.</summary>
    public static string Tables(string path)
    {
        using var connection = Open(path, SqliteOpenMode.ReadOnly);
        var text = new StringBuilder();
        Dump(connection, "SELECT resource, record_id, payload, source, last_synced_at, occurred_at, confidence, version, deleted_at, seq FROM mirror_records ORDER BY resource, record_id", text);
        Dump(connection, "SELECT name, table_name, row_count FROM mirror_resources ORDER BY name", text);
        foreach (var table in TableNames(connection))
        {
            Dump(connection, $"SELECT * FROM \"{table}\" ORDER BY record_id", text);
        }

        return text.ToString();
    }

    /// <summary>Reads <c>mirror_records_history</c>, <c>mirror_epochs</c> and each resource table's history table, all columns, in key order, as text.</summary>
    public static string History(string path)
    {
        using var connection = Open(path, SqliteOpenMode.ReadOnly);
        var text = new StringBuilder();
        Dump(connection, "SELECT * FROM mirror_records_history ORDER BY key", text);
        Dump(connection, "SELECT * FROM mirror_epochs ORDER BY epoch", text);
        foreach (var table in TableNames(connection))
        {
            using var exists = connection.CreateCommand();
            exists.CommandText = "SELECT count(*) FROM sqlite_schema WHERE name = $name";
            exists.Parameters.AddWithValue("$name", "mirror_history_" + table);
            if ((long)exists.ExecuteScalar()! > 0)
            {
                Dump(connection, $"SELECT * FROM \"mirror_history_{table}\" ORDER BY 1", text);
            }
        }

        return text.ToString();
    }

    /// <summary>Wrecks the projections behind the store's back: empties the records table, drops or changes resource rows, adds a stray row, miscounts the rows.</summary>
    public static void Scramble(string path)
    {
        using var connection = Open(path, SqliteOpenMode.ReadWrite);
        var tables = TableNames(connection);
        Execute(connection, "DELETE FROM mirror_records WHERE rowid % 2 = 0; UPDATE mirror_records SET version = version + 7, payload = '{}'; " +
            "INSERT INTO mirror_records (resource, record_id, payload, source, last_synced_at, occurred_at, confidence, version) VALUES ('stray', 'x', '{}', 's', 't', 't', 1, 1); " +
            "UPDATE mirror_resources SET row_count = row_count + 3");
        foreach (var table in tables)
        {
            Execute(connection, $"DELETE FROM \"{table}\" WHERE rowid % 2 = 1; UPDATE \"{table}\" SET _version = -1");
        }
    }

    /// <summary>
    /// Lists each resource whose kept <c>mirror_resources.row_count</c> differs from its table's rows, as
    /// <c>resource: kept N, counted M</c>; empty when every count is exact.
    /// </summary>
    public static IReadOnlyList<string> MiscountedTables(string path)
    {
        using var connection = Open(path, SqliteOpenMode.ReadOnly);
        var tables = new List<(string Resource, string Table, long? Kept)>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT name, table_name, row_count FROM mirror_resources ORDER BY name";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                tables.Add((reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetInt64(2)));
            }
        }

        var wrong = new List<string>();
        foreach (var (resource, table, kept) in tables)
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT count(*) FROM \"{table}\"";
            var counted = (long)command.ExecuteScalar()!;
            if (kept != counted)
            {
                wrong.Add(string.Create(CultureInfo.InvariantCulture, $"{resource}: kept {kept?.ToString(CultureInfo.InvariantCulture) ?? "NULL"}, counted {counted}"));
            }
        }

        return wrong;
    }

    public static void Execute(string path, string sql)
    {
        using var connection = Open(path, SqliteOpenMode.ReadWrite);
        Execute(connection, sql);
    }

    /// <summary>
    /// Turns a store file back into its schema-version-5 shape, as a file written before version 6 was: no
    /// <c>mirror_records.seq</c>, no <c>mirror_epochs</c>, and the history tables keyed by the replacing event's seq.
    /// Indexes on the resource history tables are kept. Rows are kept, in replaced-seq order.
    /// </summary>
    public static void DowngradeToVersion5(string path)
    {
        using var connection = Open(path, SqliteOpenMode.ReadWrite);
        var tables = TableNames(connection);
        var sql = new StringBuilder(
            "BEGIN; DROP TABLE mirror_epochs; ALTER TABLE mirror_records DROP COLUMN seq; " +
            "CREATE TABLE history5 (replaced_seq INTEGER PRIMARY KEY, replaced_at TEXT NOT NULL, resource TEXT NOT NULL, record_id TEXT NOT NULL, payload TEXT, source TEXT NOT NULL, " +
            "last_synced_at TEXT NOT NULL, occurred_at TEXT NOT NULL, confidence REAL NOT NULL, version INTEGER NOT NULL, deleted_at TEXT); " +
            "INSERT INTO history5 SELECT replaced_seq, replaced_at, resource, record_id, payload, source, last_synced_at, occurred_at, confidence, version, deleted_at FROM mirror_records_history ORDER BY replaced_seq; " +
            "DROP TABLE mirror_records_history; ALTER TABLE history5 RENAME TO mirror_records_history; " +
            "CREATE INDEX mirror_records_history_replaced_at ON mirror_records_history (replaced_at); ");
        foreach (var table in tables)
        {
            var history = "mirror_history_" + table;
            var columns = new List<string>();
            var indexes = new List<string>();
            using (var command = connection.CreateCommand())
            {
                command.CommandText = $"SELECT name FROM pragma_table_info('{history}') WHERE name NOT IN ('~key', '~replaced_seq', '~replaced_at') ORDER BY cid";
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    columns.Add("\"" + reader.GetString(0) + "\"");
                }
            }

            using (var command = connection.CreateCommand())
            {
                command.CommandText = $"SELECT sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = '{history}' AND sql IS NOT NULL";
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    indexes.Add(reader.GetString(0));
                }
            }

            var list = string.Join(", ", columns);
            sql.Append(CultureInfo.InvariantCulture, $"CREATE TABLE history5 (\"~replaced_seq\" INTEGER PRIMARY KEY, \"~replaced_at\" TEXT NOT NULL, {list}); ")
                .Append(CultureInfo.InvariantCulture, $"INSERT INTO history5 SELECT \"~replaced_seq\", \"~replaced_at\", {list} FROM \"{history}\" ORDER BY \"~replaced_seq\"; ")
                .Append(CultureInfo.InvariantCulture, $"DROP TABLE \"{history}\"; ALTER TABLE history5 RENAME TO \"{history}\"; ");
            foreach (var index in indexes)
            {
                sql.Append(index).Append("; ");
            }
        }

        sql.Append("DELETE FROM mirror_schema_migrations WHERE version >= 6; COMMIT;");
        Execute(connection, sql.ToString());
    }

    public static long Scalar(string path, string sql) => Convert.ToInt64(StoreTestKit.Scalar(path, sql), CultureInfo.InvariantCulture);

    public static SqliteConnection Open(string path, SqliteOpenMode mode)
    {
        var builder = new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false };
        var connection = new SqliteConnection(builder.ToString());
        connection.Open();
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static List<string> TableNames(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT table_name FROM mirror_resources ORDER BY name";
        using var reader = command.ExecuteReader();
        var names = new List<string>();
        while (reader.Read())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    private static void Dump(SqliteConnection connection, string sql, StringBuilder text)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        text.Append(sql).Append('\n');
        while (reader.Read())
        {
            for (var i = 0; i < reader.FieldCount; i++)
            {
                text.Append(reader.GetName(i)).Append('=')
                    .Append(reader.IsDBNull(i) ? "<null>" : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture)).Append('|');
            }

            text.Append('\n');
        }
    }
}
