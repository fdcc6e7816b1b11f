using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace OxideMirror;

/// <summary>
/// The apply path: prepared, reused commands on the store's single writer connection that look a record up, log the
/// delta, change the record and advance cursors, all inside the caller's transaction. Not thread-safe; the store's
/// write gate serialises its use.
/// </summary>
internal sealed class RecordWriter : IDisposable
{
    private static readonly string[] DecisionText = ["insert", "update", "merge", "delete", "skip", "unchanged", "duplicate"];

    private readonly SqliteCommand _findRecord;
    private readonly SqliteCommand _findDuplicate;
    private readonly SqliteCommand _insertEvent;
    private readonly SqliteCommand _writeRecord;
    private readonly SqliteCommand _setCursor;
    private readonly SqliteCommand[] _all;

    private readonly SqliteConnection _connection;
    private readonly Dictionary<string, ResourceTable> _tables = new(StringComparer.Ordinal);
    private readonly Catalog _catalog;
    private readonly HashSet<ResourceTable> _touched = [];
    private readonly HashSet<(string Resource, string Source)> _feeds = [];
    private readonly HashSet<(string Resource, string Source)> _newFeeds = [];
    private readonly HashSet<string> _sources = new(StringComparer.Ordinal);
    private readonly SqliteCommand _addFeed;
    private readonly SqliteCommand _touchSource;
    private SqliteTransaction? _transaction;
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private readonly Utf8JsonWriter _json;
    private readonly Func<JsonElement, string> _compact;

    public RecordWriter(SqliteConnection connection, Catalog catalog)
    {
        _connection = connection;
        _catalog = catalog;
        using (var load = connection.CreateCommand())
        {
            load.CommandText = "SELECT resource, source FROM mirror_resource_sources";
            using var reader = load.ExecuteReader();
            while (reader.Read())
            {
                _feeds.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        _compact = Compact;
        _json = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true });

        _findRecord = Command(connection, "SELECT payload, source, last_synced_at, occurred_at, confidence, version, deleted_at FROM mirror_records WHERE resource = $resource AND record_id = $record_id", "$resource", "$record_id");
        _findDuplicate = Command(connection, "SELECT 1 FROM mirror_events WHERE source = $source AND delta_id = $delta_id", "$source", "$delta_id");
        _insertEvent = Command(
            connection,
            "INSERT INTO mirror_events (resource, record_id, op, payload, merged_payload, source, confidence, occurred_at, applied_at, applied, decision, strategy, delta_id, version) " +
            "VALUES ($resource, $record_id, $op, $payload, $merged_payload, $source, $confidence, $occurred_at, $applied_at, $applied, $decision, $strategy, $delta_id, $version)",
            "$resource", "$record_id", "$op", "$payload", "$merged_payload", "$source", "$confidence", "$occurred_at", "$applied_at", "$applied", "$decision", "$strategy", "$delta_id", "$version");
        _writeRecord = Command(
            connection,
            "INSERT INTO mirror_records (resource, record_id, payload, source, last_synced_at, occurred_at, confidence, version, deleted_at) " +
            "VALUES ($resource, $record_id, $payload, $source, $last_synced_at, $occurred_at, $confidence, $version, $deleted_at) " +
            "ON CONFLICT (resource, record_id) DO UPDATE SET payload = excluded.payload, source = excluded.source, last_synced_at = excluded.last_synced_at, " +
            "occurred_at = excluded.occurred_at, confidence = excluded.confidence, version = excluded.version, deleted_at = excluded.deleted_at",
            "$resource", "$record_id", "$payload", "$source", "$last_synced_at", "$occurred_at", "$confidence", "$version", "$deleted_at");
        _setCursor = Command(
            connection,
            "INSERT INTO mirror_cursors (source, resource, cursor, updated_at) VALUES ($source, $resource, $cursor, $at) " +
            "ON CONFLICT (source, resource) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at",
            "$source", "$resource", "$cursor", "$at");
        _addFeed = Command(connection, "INSERT OR IGNORE INTO mirror_resource_sources (resource, source) VALUES ($resource, $source)", "$resource", "$source");
        _touchSource = Command(
            connection,
            "INSERT INTO mirror_sources (source, last_synced_at) VALUES ($source, $at) ON CONFLICT (source) DO UPDATE SET last_synced_at = excluded.last_synced_at",
            "$source", "$at");
        _all = [_findRecord, _findDuplicate, _insertEvent, _writeRecord, _setCursor, _addFeed, _touchSource];
    }

    /// <summary>Binds every command to the batch's transaction.</summary>
    public void Begin(SqliteTransaction transaction)
    {
        _transaction = transaction;
        foreach (var command in _all)
        {
            command.Transaction = transaction;
        }

        foreach (var table in _tables.Values)
        {
            table.Begin(transaction);
        }

        _touched.Clear();
        _newFeeds.Clear();
        _sources.Clear();
    }

    /// <summary>Records, inside the batch's transaction, when each source in the batch last committed.</summary>
    public void Finish(string appliedAt)
    {
        foreach (var source in _sources)
        {
            _touchSource.Parameters[0].Value = source;
            _touchSource.Parameters[1].Value = appliedAt;
            _touchSource.ExecuteNonQuery();
        }
    }

    /// <summary>Publishes the committed batch's schema and freshness changes to the catalog.</summary>
    public void Committed(DateTimeOffset appliedAt)
    {
        foreach (var feed in _newFeeds)
        {
            _feeds.Add(feed);
        }

        _catalog.Publish(_touched.Select(t => (t.TableName, t.Resource, t.JsonColumns)).ToList(), _newFeeds, _sources, appliedAt);
        if (_touched.Any(t => t.SchemaChanged))
        {
            _catalog.SchemaChanged();
        }

        foreach (var table in _touched)
        {
            table.SchemaChanged = false;
        }

        _touched.Clear();
        _newFeeds.Clear();
        _sources.Clear();
    }

    /// <summary>Forgets the cached resource tables after a rollback, since the rolled-back batch may have changed their schema.</summary>
    public void RolledBack()
    {
        foreach (var table in _tables.Values)
        {
            table.Dispose();
        }

        _tables.Clear();
        _touched.Clear();
        _newFeeds.Clear();
        _sources.Clear();
    }

    public AppliedDelta Apply(Delta delta, IConflictStrategy strategy, string appliedAt)
    {
        var resource = delta.Resource;
        var recordId = delta.RecordId;
        var source = delta.Provenance.Source;
        var existing = Find(resource, recordId);
        var currentVersion = existing?.Version ?? 0;

        if (delta.DeltaId is { } deltaId && IsDuplicate(source, deltaId))
        {
            return new AppliedDelta(false, ApplyDecision.Duplicate, currentVersion);
        }

        var table = Table(resource, appliedAt);
        _touched.Add(table);
        _sources.Add(source);
        if (!_feeds.Contains((resource, source)) && _newFeeds.Add((resource, source)))
        {
            _addFeed.Parameters[0].Value = resource;
            _addFeed.Parameters[1].Value = source;
            _addFeed.ExecuteNonQuery();
        }
        var resolution = strategy.Resolve(existing, delta)
            ?? throw new InvalidOperationException($"The conflict strategy '{strategy.Label}' returned null for {resource}/{recordId}. Return ConflictResolution.Apply, Skip or ApplyMerged(...).");

        var incoming = delta.Op == DeltaOp.Upsert ? Compact(delta.Payload) : null;
        string? merged = null;
        ApplyDecision decision;
        if (resolution.Kind == ConflictResolutionKind.Skip)
        {
            decision = ApplyDecision.Skipped;
        }
        else if (delta.Op == DeltaOp.Delete)
        {
            decision = existing is { IsDeleted: true } ? ApplyDecision.Unchanged : ApplyDecision.Deleted;
        }
        else
        {
            var result = incoming;
            if (resolution.Kind == ConflictResolutionKind.ApplyMerged)
            {
                merged = Compact(resolution.MergedPayload);
                result = merged;
            }

            if (existing is { IsDeleted: false } && string.Equals(existing.RawPayload, result, StringComparison.Ordinal))
            {
                decision = ApplyDecision.Unchanged;
            }
            else if (existing is null or { IsDeleted: true })
            {
                decision = ApplyDecision.Inserted;
            }
            else
            {
                decision = merged is not null ? ApplyDecision.Merged : ApplyDecision.Updated;
            }
        }

        var applied = decision is ApplyDecision.Inserted or ApplyDecision.Updated or ApplyDecision.Merged or ApplyDecision.Deleted;
        var version = applied ? currentVersion + 1 : currentVersion;
        var occurredAt = Timestamps.Write(delta.OccurredAt);
        var confidence = delta.Provenance.Confidence;

        var p = _insertEvent.Parameters;
        p[0].Value = resource;
        p[1].Value = recordId;
        p[2].Value = delta.Op == DeltaOp.Upsert ? "upsert" : "delete";
        p[3].Value = (object?)incoming ?? DBNull.Value;
        p[4].Value = (object?)merged ?? DBNull.Value;
        p[5].Value = source;
        p[6].Value = confidence;
        p[7].Value = occurredAt;
        p[8].Value = appliedAt;
        p[9].Value = applied ? 1L : 0L;
        p[10].Value = DecisionText[(int)decision];
        p[11].Value = strategy.Label;
        p[12].Value = (object?)delta.DeltaId ?? DBNull.Value;
        p[13].Value = version;
        _insertEvent.ExecuteNonQuery();

        if (applied)
        {
            var r = _writeRecord.Parameters;
            var deleted = decision == ApplyDecision.Deleted;
            r[0].Value = resource;
            r[1].Value = recordId;
            r[2].Value = deleted ? DBNull.Value : (merged ?? incoming);
            r[3].Value = source;
            r[4].Value = appliedAt;
            r[5].Value = occurredAt;
            r[6].Value = confidence;
            r[7].Value = version;
            r[8].Value = deleted ? appliedAt : DBNull.Value;
            _writeRecord.ExecuteNonQuery();
            if (deleted)
            {
                table.Delete(recordId);
            }
            else
            {
                var payload = resolution.Kind == ConflictResolutionKind.ApplyMerged ? resolution.MergedPayload : delta.Payload;
                table.Upsert(recordId, payload, source, confidence, version, appliedAt, occurredAt, _compact);
            }
        }

        return new AppliedDelta(applied, decision, version);
    }

    public void SetCursor(CursorUpdate cursor, string at)
    {
        _sources.Add(cursor.Source);
        var p = _setCursor.Parameters;
        p[0].Value = cursor.Source;
        p[1].Value = cursor.Resource;
        p[2].Value = (object?)cursor.Cursor ?? DBNull.Value;
        p[3].Value = at;
        _setCursor.ExecuteNonQuery();
    }

    public void Dispose()
    {
        foreach (var command in _all)
        {
            command.Dispose();
        }

        RolledBack();
        _json.Dispose();
    }

    private MirroredRecord? Find(string resource, string recordId)
    {
        _findRecord.Parameters[0].Value = resource;
        _findRecord.Parameters[1].Value = recordId;
        using var reader = _findRecord.ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }

        var deleted = !reader.IsDBNull(6);
        return new MirroredRecord
        {
            Resource = resource,
            RecordId = recordId,
            RawPayload = deleted ? null : reader.GetString(0),
            Source = reader.GetString(1),
            LastSyncedAt = Timestamps.Read(reader.GetString(2)),
            OccurredAt = Timestamps.Read(reader.GetString(3)),
            Confidence = reader.GetDouble(4),
            Version = reader.GetInt64(5),
            IsDeleted = deleted,
        };
    }

    /// <summary>Creates an index on a known resource's field, inside the caller's transaction; null when the resource is unknown.</summary>
    public string? CreateIndex(string resource, string field, string at)
    {
        if (!_tables.TryGetValue(resource, out var table))
        {
            table = ResourceTable.Load(_connection, _transaction, resource);
            if (table is null)
            {
                return null;
            }

            table.Begin(_transaction!);
            _tables[resource] = table;
        }

        _touched.Add(table);
        return table.CreateIndex(field, at);
    }

    private ResourceTable Table(string resource, string at)
    {
        if (!_tables.TryGetValue(resource, out var table))
        {
            table = ResourceTable.Load(_connection, _transaction, resource) ?? ResourceTable.Create(_connection, _transaction!, resource, at);
            table.Begin(_transaction!);
            _tables[resource] = table;
        }

        return table;
    }

    private bool IsDuplicate(string source, string deltaId)
    {
        _findDuplicate.Parameters[0].Value = source;
        _findDuplicate.Parameters[1].Value = deltaId;
        return _findDuplicate.ExecuteScalar() is not null;
    }

    private string Compact(JsonElement element)
    {
        _buffer.ResetWrittenCount();
        _json.Reset(_buffer);
        element.WriteTo(_json);
        _json.Flush();
        return Encoding.UTF8.GetString(_buffer.WrittenSpan);
    }

    private static SqliteCommand Command(SqliteConnection connection, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        return command;
    }
}
