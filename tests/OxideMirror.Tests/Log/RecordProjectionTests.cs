using Microsoft.Data.Sqlite;

namespace OxideMirror.Tests.Log;

/// <summary>The "state after these events" projection on its own: its SQL and C# renderings, and the record rows it writes.</summary>
public sealed class RecordProjectionTests
{
    public static TheoryData<string, string?, string?> Events()
    {
        var data = new TheoryData<string, string?, string?>();
        foreach (var op in new[] { "upsert", "delete", "snapshot" })
        {
            foreach (var payload in new[] { null, "{\"a\":1}" })
            {
                foreach (var merged in new[] { null, "{\"a\":2}" })
                {
                    data.Add(op, payload, merged);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Events))]
    public void StateSqlAndStateAfter_EveryOpAndPayloads_GiveTheSameState(string op, string? payload, string? merged)
    {
        using var connection = EventsTable();
        Insert(connection, 1, "r1", op, payload, merged, applied: true, appliedAt: "2026-01-01T00:00:00.000Z");
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {RecordProjection.StateSql} FROM mirror_events";

        var sql = command.ExecuteScalar() as string;

        sql.Should().Be(RecordProjection.StateAfter(op, payload, merged));
    }

    [Fact]
    public void StateAfter_Delete_IsNoStateWhateverItCarries()
    {
        RecordProjection.StateAfter("delete", "{\"a\":1}", "{\"a\":2}").Should().BeNull();
        RecordProjection.StateAfter("upsert", "{\"a\":1}", "{\"a\":2}").Should().Be("{\"a\":2}");
        RecordProjection.StateAfter("snapshot", "{\"a\":1}", (string?)null).Should().Be("{\"a\":1}");
    }

    [Fact]
    public void InsertRecordsSql_LastAppliedEventPerRecord_WritesItsStateAndSyncTime()
    {
        using var connection = EventsTable();
        Insert(connection, 1, "live", "upsert", "{\"v\":1}", null, applied: true, appliedAt: "2026-01-01T00:00:01.000Z");
        Insert(connection, 2, "live", "upsert", "{\"v\":2}", "{\"v\":2,\"m\":true}", applied: true, appliedAt: "2026-01-01T00:00:02.000Z");
        Insert(connection, 3, "live", "upsert", "{\"v\":3}", null, applied: false, appliedAt: "2026-01-01T00:00:03.000Z");
        Insert(connection, 4, "gone", "upsert", "{\"v\":1}", null, applied: true, appliedAt: "2026-01-01T00:00:04.000Z");
        Insert(connection, 5, "gone", "delete", null, null, applied: true, appliedAt: "2026-01-01T00:00:05.000Z");
        Insert(connection, 6, "empty", "snapshot", null, null, applied: true, appliedAt: "2026-01-01T00:00:06.000Z");
        Insert(connection, 7, "never", "upsert", "{\"v\":1}", null, applied: false, appliedAt: "2026-01-01T00:00:07.000Z");
        using var command = connection.CreateCommand();
        command.CommandText = RecordProjection.InsertRecordsSql("mirror_records", RecordProjection.LastStateEventsSql("mirror_events"));

        var inserted = command.ExecuteNonQuery();

        inserted.Should().Be(3);
        command.CommandText = "SELECT record_id, payload, last_synced_at, deleted_at, version FROM mirror_records ORDER BY record_id";
        using var reader = command.ExecuteReader();
        var rows = new List<(string, string?, string, string?, long)>();
        while (reader.Read())
        {
            rows.Add((reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetInt64(4)));
        }

        rows.Should().Equal(
            ("empty", null, "2026-01-01T00:00:06.000Z", "2026-01-01T00:00:06.000Z", 6L),
            ("gone", null, "2026-01-01T00:00:05.000Z", "2026-01-01T00:00:05.000Z", 5L),
            ("live", "{\"v\":2,\"m\":true}", "2026-01-01T00:00:02.000Z", null, 2L));
    }

    private static SqliteConnection EventsTable()
    {
        var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText =
            "CREATE TABLE mirror_events (seq INTEGER PRIMARY KEY, resource TEXT, record_id TEXT, op TEXT, payload TEXT, merged_payload TEXT, source TEXT, confidence REAL, occurred_at TEXT, applied_at TEXT, applied INTEGER, version INTEGER);" +
            "CREATE TABLE mirror_records (resource TEXT NOT NULL, record_id TEXT NOT NULL, payload TEXT, source TEXT NOT NULL, last_synced_at TEXT NOT NULL, occurred_at TEXT NOT NULL, confidence REAL NOT NULL, version INTEGER NOT NULL, deleted_at TEXT, seq INTEGER, PRIMARY KEY (resource, record_id));";
        command.ExecuteNonQuery();
        return connection;
    }

    private static void Insert(SqliteConnection connection, long seq, string recordId, string op, string? payload, string? merged, bool applied, string appliedAt)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO mirror_events VALUES ($seq, 'items', $id, $op, $payload, $merged, 'api', 1.0, '2026-01-01T00:00:00.000Z', $at, $applied, $seq)";
        command.Parameters.AddWithValue("$seq", seq);
        command.Parameters.AddWithValue("$id", recordId);
        command.Parameters.AddWithValue("$op", op);
        command.Parameters.AddWithValue("$payload", (object?)payload ?? DBNull.Value);
        command.Parameters.AddWithValue("$merged", (object?)merged ?? DBNull.Value);
        command.Parameters.AddWithValue("$at", appliedAt);
        command.Parameters.AddWithValue("$applied", applied ? 1 : 0);
        command.ExecuteNonQuery();
    }
}
