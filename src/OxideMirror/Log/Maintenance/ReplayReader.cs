using Microsoft.Data.Sqlite;

namespace OxideMirror;

/// <summary>
/// Reads the event log for <see cref="MirrorStore.ReplayAsync"/>, on a read-only connection the caller leased: the last
/// position when the replay starts, then every event up to it, applied or not, a page at a time in seq order.
/// </summary>
internal static class ReplayReader
{
    /// <summary>The most events one read takes.</summary>
    public const int PageSize = 2000;

    /// <summary>Reads the newest position in the log, or 0 when it is empty.</summary>
    public static long LastPosition(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT coalesce(max(seq), 0) FROM mirror_events";
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>Reads up to <see cref="PageSize"/> events with seq in (<paramref name="after"/>, <paramref name="last"/>], payloads as UTF-8.</summary>
    public static List<WhatIfReplayer.LoggedEvent> ReadEvents(SqliteConnection connection, long after, long last)
    {
        using var command = connection.CreateCommand();
        command.CommandText =
            "SELECT seq, resource, record_id, op, payload, merged_payload, source, confidence, occurred_at, applied_at, applied, decision, delta_id, version " +
            "FROM mirror_events WHERE seq > $after AND seq <= $last ORDER BY seq LIMIT $limit";
        command.Parameters.AddWithValue("$after", after);
        command.Parameters.AddWithValue("$last", last);
        command.Parameters.AddWithValue("$limit", PageSize);
        var page = new List<WhatIfReplayer.LoggedEvent>(PageSize);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            page.Add(new WhatIfReplayer.LoggedEvent(
                reader.GetInt64(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetFieldValue<byte[]>(4),
                reader.IsDBNull(5) ? null : reader.GetFieldValue<byte[]>(5),
                reader.GetString(6),
                reader.GetDouble(7),
                reader.GetString(8),
                reader.GetString(9),
                reader.GetInt64(10) == 1,
                reader.GetString(11),
                reader.IsDBNull(12) ? null : reader.GetString(12),
                reader.GetInt64(13)));
        }

        return page;
    }
}
