using System.Globalization;
using Microsoft.Data.Sqlite;

namespace OxideMirror.Benchmarks;

/// <summary>
/// The comparison points, in plain Microsoft.Data.Sqlite over the store's own event and record tables (created by
/// opening a <see cref="MirrorStore"/> on the file first): the essential writes per delta are a record lookup, an event
/// insert and a record upsert, plus the cursor. <see cref="Baseline"/> is the fastest such code we can write (prepared,
/// reused commands, one transaction per batch); <see cref="Naive"/> is the one-transaction-per-delta design with the
/// cursor written per delta.
/// </summary>
internal sealed class RawWriters : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _find;
    private readonly SqliteCommand _event;
    private readonly SqliteCommand _record;
    private readonly SqliteCommand _cursor;

    public RawWriters(string path)
    {
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _connection.Open();
        using (var pragma = _connection.CreateCommand())
        {
            pragma.CommandText = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;";
            pragma.ExecuteNonQuery();
        }

        _find = Command("SELECT version FROM mirror_records WHERE resource = $r AND record_id = $id", "$r", "$id");
        _event = Command(
            "INSERT INTO mirror_events (resource, record_id, op, payload, source, confidence, occurred_at, applied_at, applied, decision, strategy, version) " +
            "VALUES ($r, $id, 'upsert', $p, $s, $c, $o, $a, 1, $d, 'raw', $v)",
            "$r", "$id", "$p", "$s", "$c", "$o", "$a", "$d", "$v");
        _record = Command(
            "INSERT INTO mirror_records (resource, record_id, payload, source, last_synced_at, occurred_at, confidence, version) VALUES ($r, $id, $p, $s, $a, $o, $c, $v) " +
            "ON CONFLICT (resource, record_id) DO UPDATE SET payload = excluded.payload, source = excluded.source, last_synced_at = excluded.last_synced_at, " +
            "occurred_at = excluded.occurred_at, confidence = excluded.confidence, version = excluded.version",
            "$r", "$id", "$p", "$s", "$a", "$o", "$c", "$v");
        _cursor = Command(
            "INSERT INTO mirror_cursors (source, resource, cursor, updated_at) VALUES ($s, '*', $cur, $a) ON CONFLICT (source, resource) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at",
            "$s", "$cur", "$a");
    }

    public void Baseline(IReadOnlyList<Delta> batch, string cursor)
    {
        using var transaction = _connection.BeginTransaction(deferred: false);
        Bind(transaction);
        var at = DateTimeOffset.UtcNow.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
        foreach (var delta in batch)
        {
            Write(delta, at);
        }

        WriteCursor(delta: batch[^1], cursor, at);
        transaction.Commit();
    }

    /// <summary>
    /// The Rust crate's design: each delta in its own transaction, and the cursor written after it, outside that
    /// transaction (its own autocommit write), for every delta.
    /// </summary>
    public void Naive(IReadOnlyList<Delta> batch, string cursor)
    {
        var i = 0;
        foreach (var delta in batch)
        {
            var at = DateTimeOffset.UtcNow.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
            using (var transaction = _connection.BeginTransaction(deferred: false))
            {
                Bind(transaction);
                Write(delta, at);
                transaction.Commit();
            }

            Bind(null);
            WriteCursor(delta, cursor + "." + (i++).ToString(CultureInfo.InvariantCulture), at);
        }
    }

    public void Dispose()
    {
        _find.Dispose();
        _event.Dispose();
        _record.Dispose();
        _cursor.Dispose();
        _connection.Dispose();
    }

    private void Write(Delta delta, string at)
    {
        _find.Parameters[0].Value = delta.Resource;
        _find.Parameters[1].Value = delta.RecordId;
        var existing = _find.ExecuteScalar();
        var version = existing is long v ? v + 1 : 1;
        var payload = delta.Payload.GetRawText();
        var occurred = delta.OccurredAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

        var e = _event.Parameters;
        e[0].Value = delta.Resource;
        e[1].Value = delta.RecordId;
        e[2].Value = payload;
        e[3].Value = delta.Provenance.Source;
        e[4].Value = delta.Provenance.Confidence;
        e[5].Value = occurred;
        e[6].Value = at;
        e[7].Value = version == 1 ? "insert" : "update";
        e[8].Value = version;
        _event.ExecuteNonQuery();

        var r = _record.Parameters;
        r[0].Value = delta.Resource;
        r[1].Value = delta.RecordId;
        r[2].Value = payload;
        r[3].Value = delta.Provenance.Source;
        r[4].Value = at;
        r[5].Value = occurred;
        r[6].Value = delta.Provenance.Confidence;
        r[7].Value = version;
        _record.ExecuteNonQuery();
    }

    private void WriteCursor(Delta delta, string cursor, string at)
    {
        _cursor.Parameters[0].Value = delta.Provenance.Source;
        _cursor.Parameters[1].Value = cursor;
        _cursor.Parameters[2].Value = at;
        _cursor.ExecuteNonQuery();
    }

    private void Bind(SqliteTransaction? transaction)
    {
        _find.Transaction = transaction;
        _event.Transaction = transaction;
        _record.Transaction = transaction;
        _cursor.Transaction = transaction;
    }

    private SqliteCommand Command(string sql, params string[] names)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in names)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        return command;
    }
}
