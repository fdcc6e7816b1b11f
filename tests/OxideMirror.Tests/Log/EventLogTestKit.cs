using Microsoft.Data.Sqlite;

namespace OxideMirror.Tests.Log;

/// <summary>Helpers for the history, changes, watch and explain tests: plain connections to a store's file.</summary>
internal static class EventLogTestKit
{
    /// <summary>Opens a plain read-write connection to a mirror file, as compaction or another tool would.</summary>
    public static SqliteConnection OpenPlain(string path)
    {
        var builder = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWrite, Pooling = false };
        var connection = new SqliteConnection(builder.ToString());
        connection.Open();
        return connection;
    }

    /// <summary>Replaces a record's events with one compaction snapshot carrying its current state, the way compaction does.</summary>
    public static void Compact(string path, string resource, string recordId, bool removeEvents = true)
    {
        using var connection = OpenPlain(path);
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.Parameters.AddWithValue("$resource", resource);
        command.Parameters.AddWithValue("$record_id", recordId);
        command.CommandText = """
            INSERT INTO mirror_events (resource, record_id, op, payload, merged_payload, source, confidence, occurred_at, applied_at, applied, decision, strategy, delta_id, version)
            SELECT resource, record_id, 'snapshot', payload, NULL, source, confidence, occurred_at, last_synced_at, 1, 'snapshot', 'compaction', NULL, version
            FROM mirror_records WHERE resource = $resource AND record_id = $record_id;
            """ + (removeEvents ? "DELETE FROM mirror_events WHERE resource = $resource AND record_id = $record_id AND op <> 'snapshot';" : string.Empty);
        command.ExecuteNonQuery();
        transaction.Commit();
    }

    /// <summary>Returns SQLite's query plan for a statement, one detail line per step.</summary>
    public static string Plan(string path, string sql)
    {
        using var connection = OpenPlain(path);
        using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql;
        foreach (var name in new[] { "@resource", "@recordId", "@after", "@head", "@limit", "@before", "@version", "@at" })
        {
            if (sql.Contains(name, StringComparison.Ordinal))
            {
                command.Parameters.AddWithValue(name, 1);
            }
        }

        using var reader = command.ExecuteReader();
        var lines = new List<string>();
        while (reader.Read())
        {
            lines.Add(reader.GetString(3));
        }

        return string.Join("\n", lines);
    }
}
