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

    private readonly RawStatement _findRecord;
    private readonly RawStatement _findDuplicate;
    private readonly RawStatement _insertEvent;
    private readonly RawStatement _writeRecord;
    private readonly RawStatement _preserveRecord;
    private readonly RawStatement _setCursor;
    private readonly RawStatement _listLive;
    private readonly RawStatement _addEpoch;
    private RawStatement? _findMadeSeq;
    private readonly RawStatement[] _all;

    private readonly SqliteConnection _connection;
    private readonly Dictionary<string, ResourceTable> _tables = new(StringComparer.Ordinal);
    private readonly Catalog _catalog;
    private readonly HashSet<ResourceTable> _touched = [];
    private readonly HashSet<(string Resource, string Source)> _feeds = [];
    private readonly HashSet<(string Resource, string Source)> _newFeeds = [];
    private readonly HashSet<string> _sources = new(StringComparer.Ordinal);
    private readonly RawStatement _addFeed;
    private readonly RawStatement _touchSource;
    private SqliteTransaction? _transaction;
    private readonly PayloadWriter _payloads;
    private readonly JsonCompactor _nested = new(JsonDepth.Default);

    /// <summary>
    /// The timestamps of the row <see cref="Find"/> last found, as stored, and the seq of the event that made it (0 when
    /// the row holds none, which <see cref="MadeSeq"/> then reads from the log): what the history copy of it binds.
    /// </summary>
    private (string SyncedAt, string OccurredAt, string? DeletedAt, long MadeSeq) _found;

    /// <summary>
    /// The epoch this transaction last made sure of in <c>mirror_epochs</c>, or -1: each transaction starts again, since
    /// a compaction between two may have pruned it.
    /// </summary>
    private long _epoch = -1;

    /// <summary>The <c>seq</c> of the newest event this transaction appended, or 0; published on commit.</summary>
    private long _pendingSeq;

    /// <summary>The <c>seq</c> of the newest committed event.</summary>
    private long _logPosition;

    public RecordWriter(SqliteConnection connection, Catalog catalog, long maxPayloadBytes)
    {
        _connection = connection;
        _catalog = catalog;
        _payloads = new PayloadWriter(maxPayloadBytes);
        using (var load = connection.CreateCommand())
        {
            load.CommandText = "SELECT resource, source FROM mirror_resource_sources";
            using var reader = load.ExecuteReader();
            while (reader.Read())
            {
                _feeds.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        using (var position = connection.CreateCommand())
        {
            position.CommandText = "SELECT coalesce(max(seq), 0) FROM mirror_events";
            _logPosition = Convert.ToInt64(position.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }


        _findRecord = new RawStatement(connection, "SELECT payload, source, last_synced_at, occurred_at, confidence, version, deleted_at, seq FROM mirror_records WHERE resource = $resource AND record_id = $record_id");
        _findDuplicate = new RawStatement(connection, "SELECT 1 FROM mirror_events WHERE source = $source AND delta_id = $delta_id");
        _insertEvent = new RawStatement(connection, "INSERT INTO mirror_events (resource, record_id, op, payload, merged_payload, source, confidence, occurred_at, applied_at, applied, decision, strategy, delta_id, version) " +
            "VALUES ($resource, $record_id, $op, $payload, $merged_payload, $source, $confidence, $occurred_at, $applied_at, $applied, $decision, $strategy, $delta_id, $version)");
        _writeRecord = new RawStatement(connection, "INSERT INTO mirror_records (resource, record_id, payload, source, last_synced_at, occurred_at, confidence, version, deleted_at, seq) " +
            "VALUES ($resource, $record_id, $payload, $source, $last_synced_at, $occurred_at, $confidence, $version, $deleted_at, $seq) " +
            "ON CONFLICT (resource, record_id) DO UPDATE SET payload = excluded.payload, source = excluded.source, last_synced_at = excluded.last_synced_at, " +
            "occurred_at = excluded.occurred_at, confidence = excluded.confidence, version = excluded.version, deleted_at = excluded.deleted_at, seq = excluded.seq");
        _preserveRecord = new RawStatement(connection, "INSERT INTO mirror_records_history (replaced_seq, replaced_at, resource, record_id, payload, source, last_synced_at, occurred_at, confidence, version, deleted_at, key) " +
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
        _addEpoch = new RawStatement(connection, $"INSERT OR IGNORE INTO {HistoryKey.EpochsTable} (epoch) VALUES (?1)");
        _setCursor = new RawStatement(connection, "INSERT INTO mirror_cursors (source, resource, cursor, updated_at) VALUES ($source, $resource, $cursor, $at) " +
            "ON CONFLICT (source, resource) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at");
        _addFeed = new RawStatement(connection, "INSERT OR IGNORE INTO mirror_resource_sources (resource, source) VALUES ($resource, $source)");
        _touchSource = new RawStatement(connection, "INSERT INTO mirror_sources (source, last_synced_at) VALUES ($source, $at) ON CONFLICT (source) DO UPDATE SET last_synced_at = excluded.last_synced_at");
        _listLive = new RawStatement(connection, "SELECT record_id, occurred_at FROM mirror_records WHERE resource = $resource AND source = $source AND deleted_at IS NULL");
        _all = [_findRecord, _findDuplicate, _insertEvent, _writeRecord, _preserveRecord, _setCursor, _addFeed, _touchSource, _listLive, _addEpoch];
    }

    /// <summary>Gets the <c>seq</c> of the newest committed event (0 for an empty log); read from any thread.</summary>
    public long LogPosition => Volatile.Read(ref _logPosition);

    /// <summary>Binds every command to the batch's transaction.</summary>
    public void Begin(SqliteTransaction transaction)
    {
        _transaction = transaction;
        _epoch = -1;

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
        foreach (var table in _touched)
        {
            table.WriteRowCount();
        }

        foreach (var source in _sources)
        {
            _touchSource.Text(1, source);
            _touchSource.Text(2, appliedAt);
            _touchSource.Execute();
        }
    }

    /// <summary>Publishes the committed batch's schema and freshness changes to the catalog.</summary>
    public void Committed(DateTimeOffset appliedAt)
    {
        if (_pendingSeq > 0)
        {
            Volatile.Write(ref _logPosition, _pendingSeq);
            _pendingSeq = 0;
        }

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
        _pendingSeq = 0;
        foreach (var table in _tables.Values)
        {
            table.Dispose();
        }

        _tables.Clear();
        _touched.Clear();
        _newFeeds.Clear();
        _sources.Clear();
    }

    /// <summary>Applies one delta inside the batch's transaction; <paramref name="index"/> is its position for error messages, or -1.</summary>
    public AppliedDelta Apply(Delta delta, IConflictStrategy strategy, string appliedAt, int index)
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
            _addFeed.Text(1, resource);
            _addFeed.Text(2, source);
            _addFeed.Execute();
        }

        var resolution = ApplyRules.Resolve(strategy, existing, delta);
        var incoming = delta.Op == DeltaOp.Upsert ? _payloads.Incoming(delta, index) : default;
        var isMerged = delta.Op == DeltaOp.Upsert && resolution.Kind == ConflictResolutionKind.ApplyMerged;
        var merged = isMerged ? _payloads.Merged(resolution.MergedPayload, strategy, delta) : default;
        var before = existing is null ? RecordState.None
            : existing.IsDeleted ? RecordState.Tombstone(currentVersion)
            : RecordState.Live(existing.RawUtf8, currentVersion);
        var outcome = ApplyRules.Decide(before, delta.Op, resolution.Kind, isMerged ? merged : incoming);
        var decision = outcome.Decision;
        var applied = outcome.Applied;
        var version = outcome.After.Version;
        var occurredAt = Timestamps.Write(delta.OccurredAt);
        var confidence = delta.Provenance.Confidence;

        var e = _insertEvent;
        e.Text(1, resource);
        e.Text(2, recordId);
        e.Text(3, LogVocabulary.Text(delta.Op));
        if (delta.Op == DeltaOp.Upsert)
        {
            e.Utf8(4, incoming);
        }
        else
        {
            e.Null(4);
        }

        if (isMerged)
        {
            e.Utf8(5, merged);
        }
        else
        {
            e.Null(5);
        }

        e.Text(6, source);
        e.Real(7, confidence);
        e.Text(8, occurredAt);
        e.Text(9, appliedAt);
        e.Integer(10, applied ? 1 : 0);
        e.Text(11, LogVocabulary.Text(decision));
        e.Text(12, strategy.Label);
        e.Text(13, delta.DeltaId);
        e.Integer(14, version);
        e.Execute();
        _pendingSeq = e.LastInsertRowId;

        if (applied)
        {
            if (existing is not null)
            {
                // The version this change replaces stops being current at this event: time travel reads it from history.
                var seq = _pendingSeq;
                var key = HistoryKey.Of(MadeSeq(resource, recordId, seq), seq);
                var epoch = HistoryKey.Epoch(seq);
                if (epoch != _epoch)
                {
                    _addEpoch.Integer(1, epoch);
                    _addEpoch.Execute();
                    _epoch = epoch;
                }

                // Bound from the row Find read, as stored (its timestamps' text), rather than read again.
                var h = _preserveRecord;
                h.Integer(1, seq);
                h.Text(2, appliedAt);
                h.Text(3, resource);
                h.Text(4, recordId);
                if (existing.RawUtf8 is { } payload)
                {
                    h.Utf8(5, payload);
                }
                else
                {
                    h.Null(5);
                }

                h.Text(6, existing.Source);
                h.Text(7, _found.SyncedAt);
                h.Text(8, _found.OccurredAt);
                h.Real(9, existing.Confidence);
                h.Integer(10, existing.Version);
                h.Text(11, _found.DeletedAt);
                h.Integer(12, key);
                h.Execute();
                if (!existing.IsDeleted)
                {
                    table.Preserve(recordId, key, seq, appliedAt);
                }
            }

            var r = _writeRecord;
            var deleted = outcome.After.IsDeleted;
            r.Text(1, resource);
            r.Text(2, recordId);
            if (deleted)
            {
                r.Null(3);
            }
            else
            {
                r.Utf8(3, outcome.After.Payload);
            }

            r.Text(4, source);
            r.Text(5, appliedAt);
            r.Text(6, occurredAt);
            r.Real(7, confidence);
            r.Integer(8, version);
            r.Text(9, deleted ? appliedAt : null);
            r.Integer(10, _pendingSeq);
            r.Execute();
            var hadRow = existing is { IsDeleted: false };
            if (deleted)
            {
                table.Delete(recordId, hadRow);
            }
            else
            {
                var payload = resolution.Kind == ConflictResolutionKind.ApplyMerged ? resolution.MergedPayload : delta.Payload;
                table.Upsert(recordId, payload, source, confidence, version, appliedAt, occurredAt, _nested, creates: !hadRow);
            }
        }

        return new AppliedDelta(applied, decision, version);
    }

    /// <summary>
    /// Deletes, inside the batch's transaction, the live records of a completed pass's resource that <paramref name="source"/>
    /// wrote last and neither the pass nor the page's own deltas listed: each through the strategy, as a delete delta
    /// occurring at the later of <paramref name="now"/> and the record's last event time. Adds each delete and its result.
    /// </summary>
    public void ApplyMissing(CompletedPass pass, string source, IReadOnlyList<Delta> pageDeltas, IConflictStrategy strategy, string appliedAt, DateTimeOffset now, List<AppliedDelta> results, List<Delta> missing)
    {
        var listed = new HashSet<string>(pass.RecordIds, StringComparer.Ordinal);
        foreach (var delta in pageDeltas)
        {
            if (string.Equals(delta.Resource, pass.Resource, StringComparison.Ordinal))
            {
                listed.Add(delta.RecordId);
            }
        }

        // Read the ids first: the deletes below change the rows this statement walks.
        var gone = new List<(string RecordId, DateTimeOffset OccurredAt)>();
        _listLive.Text(1, pass.Resource);
        _listLive.Text(2, source);
        try
        {
            while (_listLive.Step())
            {
                var recordId = _listLive.GetText(0);
                if (!listed.Contains(recordId))
                {
                    gone.Add((recordId, Timestamps.Read(_listLive.GetText(1))));
                }
            }
        }
        finally
        {
            _listLive.Reset();
        }

        gone.Sort((a, b) => string.CompareOrdinal(a.RecordId, b.RecordId));
        foreach (var (recordId, occurredAt) in gone)
        {
            var delete = Delta.Delete(pass.Resource, recordId, source).At(occurredAt > now ? occurredAt : now);
            results.Add(Apply(delete, strategy, appliedAt, -1));
            missing.Add(delete);
        }
    }

    public void SetCursor(CursorUpdate cursor, string at)
    {
        _sources.Add(cursor.Source);
        _setCursor.Text(1, cursor.Source);
        _setCursor.Text(2, cursor.Resource);
        _setCursor.Text(3, cursor.Cursor);
        _setCursor.Text(4, at);
        _setCursor.Execute();
    }

    public void Dispose()
    {
        foreach (var command in _all)
        {
            command.Dispose();
        }

        _findMadeSeq?.Dispose();

        RolledBack();
        _payloads.Dispose();
        _nested.Dispose();
    }

    /// <summary>
    /// The seq of the event that made the row <see cref="Find"/> last found: the row's own, or, for a row that holds none
    /// (which the write path and schema 6 never leave), its record's last applied event before <paramref name="before"/>.
    /// </summary>
    private long MadeSeq(string resource, string recordId, long before)
    {
        if (_found.MadeSeq != 0)
        {
            return _found.MadeSeq;
        }

        var find = _findMadeSeq ??= new RawStatement(_connection, "SELECT coalesce(max(seq), 0) FROM mirror_events WHERE resource = ?1 AND record_id = ?2 AND applied = 1 AND seq < ?3");
        find.Text(1, resource);
        find.Text(2, recordId);
        find.Integer(3, before);
        try
        {
            find.Step();
            return find.GetInteger(0);
        }
        finally
        {
            find.Reset();
        }
    }

    private MirroredRecord? Find(string resource, string recordId)
    {
        _findRecord.Text(1, resource);
        _findRecord.Text(2, recordId);
        if (!_findRecord.Step())
        {
            _findRecord.Reset();
            return null;
        }

        try
        {
            var deleted = !_findRecord.IsNull(6);
            _found = (_findRecord.GetText(2), _findRecord.GetText(3), deleted ? _findRecord.GetText(6) : null, _findRecord.IsNull(7) ? 0 : _findRecord.GetInteger(7));
            return new MirroredRecord
            {
                Resource = resource,
                RecordId = recordId,
                RawUtf8 = deleted ? null : _findRecord.GetUtf8(0),
                Source = _findRecord.GetText(1),
                LastSyncedAt = Timestamps.Read(_found.SyncedAt),
                OccurredAt = Timestamps.Read(_found.OccurredAt),
                Confidence = _findRecord.GetReal(4),
                Version = _findRecord.GetInteger(5),
                IsDeleted = deleted,
            };
        }
        finally
        {
            _findRecord.Reset();
        }
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
        _findDuplicate.Text(1, source);
        _findDuplicate.Text(2, deltaId);
        var found = _findDuplicate.Step();
        _findDuplicate.Reset();
        return found;
    }
}
