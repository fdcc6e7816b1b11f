using Microsoft.Data.Sqlite;

namespace OxideMirror.Benchmarks;

/// <summary>
/// Builds a mirror file whose log holds 1,000,000 events, written straight into <c>mirror_events</c> by one recursive
/// SQL statement and projected by <see cref="MirrorStore.RebuildRecordsAsync"/>: 1,000 records over two resources with
/// 1,000 events each, one minute apart; every tenth event of a record is a skipped upsert, every hundredth record is
/// deleted near the end. The same shape as the library's 1M-event compaction test.
/// </summary>
internal static class MillionEventLog
{
    public const long Events = 1_000_000;

    public static async Task CreateAsync(string path)
    {
        await (await MirrorStore.OpenAsync(path)).DisposeAsync();
        var builder = new SqliteConnectionStringBuilder { DataSource = path, Pooling = false };
        using (var connection = new SqliteConnection(builder.ToString()))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText =
                "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 999999), " +
                "e(r, g, skip, del) AS (SELECT i % 1000, i / 1000, (i / 1000) % 10 = 9, i % 1000 % 100 = 0 AND i / 1000 = 998 FROM n) " +
                "INSERT INTO mirror_events (resource, record_id, op, payload, source, confidence, occurred_at, applied_at, applied, decision, strategy, version) " +
                "SELECT CASE r % 2 WHEN 0 THEN 'alpha' ELSE 'beta' END, 'r' || r, CASE WHEN del THEN 'delete' ELSE 'upsert' END, " +
                "CASE WHEN del THEN NULL ELSE json_object('n', g, 'name', 'r' || r, 'note', 'a payload of a typical size for a small record') END, 'gen', 1, " +
                "strftime('%Y-%m-%dT%H:%M:%S.0000000Z', '2024-05-01 12:00:00', '+' || g || ' minutes'), " +
                "strftime('%Y-%m-%dT%H:%M:%S.0000000Z', '2024-05-01 12:00:00', '+' || g || ' minutes'), " +
                "NOT skip, CASE WHEN skip THEN 'skip' WHEN del THEN 'delete' WHEN g = 0 THEN 'insert' ELSE 'update' END, 'last-write-wins', " +
                "CASE WHEN skip THEN g - g / 10 ELSE g + 1 - g / 10 END FROM e; PRAGMA wal_checkpoint(TRUNCATE);";
            command.ExecuteNonQuery();
        }

        await using var store = await MirrorStore.OpenAsync(path);
        await store.RebuildRecordsAsync();
    }

    /// <summary>Copies a mirror file (after its store was closed, so the WAL is empty).</summary>
    public static void Copy(string from, string to)
    {
        File.Copy(from, to, overwrite: true);
        File.Delete(to + "-wal");
        File.Delete(to + "-shm");
    }
}
