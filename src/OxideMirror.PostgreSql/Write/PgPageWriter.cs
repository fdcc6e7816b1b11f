using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace OxideMirror.PostgreSql;

/// <summary>
/// The PostgreSQL store's one write path: applies a page — its deltas, the deletes of its completed passes, its cursor —
/// in one transaction on the connection it is given, with the core's rules (<see cref="DeltaRules"/>) deciding each
/// delta exactly as the SQLite store decides it. The page first takes the transaction-level advisory lock of every
/// source it writes; a source whose lock another session holds refuses the page (<see cref="SourceLockedException"/>).
/// Not thread-safe: one page at a time per instance.
/// </summary>
internal sealed partial class PgPageWriter : IDisposable
{
    private readonly string _schema;
    private readonly string _lockScope;
    private readonly string _q;
    private readonly string _agentRole;
    private readonly string _channel;
    private readonly DeltaRules _rules;
    private readonly Dictionary<string, PgResourceTable> _tables = new(StringComparer.Ordinal);
    private readonly HashSet<(string Resource, string Source)> _feeds = [];
    private readonly Dictionary<(string Resource, string RecordId), MirroredRecord?> _records = [];
    private readonly HashSet<(string Source, string DeltaId)> _seenDeltaIds = [];
    private readonly List<PendingEvent> _events = [];
    private readonly Dictionary<(string Resource, string RecordId), PendingRecord> _recordWrites = [];
    private readonly Dictionary<(string Resource, string RecordId), PendingRecord> _written = [];
    private string? _strategyLabel;

    public PgPageWriter(PostgresMirrorStoreOptions options, string lockScope)
    {
        _schema = options.Schema;
        _lockScope = lockScope;
        _q = PgNames.Quote(options.Schema);
        _agentRole = options.AgentRoleName;
        _channel = PgLogPositions.Channel(options.Schema);
        _rules = new DeltaRules(options.MaxPayloadBytes);
    }

    /// <summary>Checks a page before anything is written: the strategy, the cursor, every delta.</summary>
    public static void Check(IReadOnlyList<Delta> deltas, IConflictStrategy strategy, CursorUpdate? cursor, IReadOnlyList<CompletedPass>? passes)
    {
        DeltaRules.CheckPage(deltas, strategy, cursor, passes);
        for (var i = 0; i < deltas.Count; i++)
        {
            RequireNoNul(deltas[i], DeltaRules.PositionOf(i, deltas.Count, cursor));
        }

        if (cursor is not null && (cursor.Source.Contains('\0', StringComparison.Ordinal) || cursor.Resource.Contains('\0', StringComparison.Ordinal) || cursor.Cursor?.Contains('\0', StringComparison.Ordinal) == true))
        {
            throw new ArgumentException("The cursor holds a NUL character (U+0000), which PostgreSQL cannot store in text. Encode the cursor (for example as Base64).", nameof(cursor));
        }
    }

    /// <summary>Refuses ids PostgreSQL's text cannot hold (U+0000), naming the field: the SQLite store takes them, this store cannot.</summary>
    private static void RequireNoNul(Delta delta, int index)
    {
        foreach (var (field, value) in new[] { ("Resource", delta.Resource), ("RecordId", delta.RecordId), ("Provenance.Source", delta.Provenance.Source), ("DeltaId", delta.DeltaId) })
        {
            if (value?.Contains('\0', StringComparison.Ordinal) == true)
            {
                var at = index >= 0 ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Delta {index} of the batch") : "The delta";
                throw new InvalidDeltaException(field, $"{at} has a {field} holding a NUL character (U+0000), which PostgreSQL cannot store in text. Remove it, or encode the value (for example as Base64).") { Index = index };
            }
        }
    }

    /// <summary>
    /// Applies a checked page inside <paramref name="transaction"/>, which the caller commits. The page's records are
    /// read (and locked) in one query, its new records' advisory locks taken in one more, every delta decided in order
    /// in memory (a record met twice sees the first delta's result; a delta id met twice is a duplicate), and the writes
    /// sent as one batch of multi-row statements; a column to add or widen, or a completed pass, first sends the queued
    /// record and table rows, so each statement sees what the deltas before it wrote. The page's events go last, in
    /// the statement that hands out their log positions (the page's tail, <see cref="PgLogPositions"/>): the caller
    /// only commits.
    /// </summary>
    public async Task<PageOutcome> ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<Delta> deltas, IConflictStrategy strategy, CursorUpdate? cursor, IReadOnlyList<CompletedPass>? passes, DateTimeOffset now, CancellationToken cancellationToken)
    {
        _tables.Clear();
        _feeds.Clear();
        _records.Clear();
        _seenDeltaIds.Clear();
        _events.Clear();
        _recordWrites.Clear();
        _written.Clear();
        _strategyLabel = strategy.Label;
        var sources = new SortedSet<string>(StringComparer.Ordinal);
        if (cursor is not null)
        {
            sources.Add(cursor.Source);
        }

        foreach (var delta in deltas)
        {
            sources.Add(delta.Provenance.Source);
        }

        await LockSourcesAsync(connection, transaction, sources, cancellationToken).ConfigureAwait(false);

        var results = new List<AppliedDelta>(deltas.Count);
        var missing = new List<Delta>();
        await ApplyAllAsync(connection, transaction, deltas, strategy, now, cursor, results, cancellationToken).ConfigureAwait(false);

        if (passes is not null)
        {
            foreach (var pass in passes)
            {
                await FlushAsync(connection, transaction, now, cancellationToken).ConfigureAwait(false);
                var deletes = await MissingAsync(connection, transaction, pass, cursor!.Source, deltas, now, cancellationToken).ConfigureAwait(false);
                await ApplyAllAsync(connection, transaction, deletes, strategy, now, cursor: null, results, cancellationToken, positioned: false).ConfigureAwait(false);
                missing.AddRange(deletes);
            }
        }

        await using var batch = new NpgsqlBatch(connection, transaction);
        AddPendingWrites(batch, now);
        if (_feeds.Count > 0)
        {
            var feeds = new NpgsqlBatchCommand($"INSERT INTO {_q}.mirror_resource_sources (resource, source) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING");
            feeds.Parameters.Add(PgArrays.Text(_feeds.Select(f => f.Resource).ToList()));
            feeds.Parameters.Add(PgArrays.Text(_feeds.Select(f => f.Source).ToList()));
            batch.BatchCommands.Add(feeds);
        }

        var lastSynced = new NpgsqlBatchCommand(
            $"INSERT INTO {_q}.mirror_sources (source, last_synced_at) SELECT s, $2 FROM unnest($1::text[]) AS s ORDER BY s ON CONFLICT (source) DO UPDATE SET last_synced_at = EXCLUDED.last_synced_at");
        lastSynced.Parameters.Add(PgArrays.Text(sources.ToList()));
        lastSynced.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = now });
        batch.BatchCommands.Add(lastSynced);

        if (cursor is not null)
        {
            var store = new NpgsqlBatchCommand(
                $"INSERT INTO {_q}.mirror_cursors (source, resource, cursor, updated_at) VALUES ($1, $2, $3, $4) ON CONFLICT (source, resource) DO UPDATE SET cursor = EXCLUDED.cursor, updated_at = EXCLUDED.updated_at");
            store.Parameters.Add(new NpgsqlParameter { Value = cursor.Source });
            store.Parameters.Add(new NpgsqlParameter { Value = cursor.Resource });
            store.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)cursor.Cursor ?? DBNull.Value });
            store.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = now });
            batch.BatchCommands.Add(store);
        }

        // Last, so the log head's row lock it takes is held only for the events' insert and the commit.
        AddEventsTail(batch, now);
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return new PageOutcome(results, missing);
    }

    public void Dispose() => _rules.Dispose();

    /// <summary>Takes the transaction-level lock of every source the page writes, in name order, in one query; refuses the page when another session holds one.</summary>
    private async Task LockSourcesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, SortedSet<string> sources, CancellationToken cancellationToken)
    {
        await using var command = PgSql.Command(connection, transaction,
            "SELECT k.ord, pg_try_advisory_xact_lock(hashtextextended(k.key, 0)) FROM unnest($1::text[]) WITH ORDINALITY AS k(key, ord) ORDER BY k.ord",
            PgArrays.Text(sources.Select(s => PgLocks.SourceKey(_lockScope, s)).ToList()));
        var names = sources.ToList();
        string? refused = null;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (!reader.GetBoolean(1) && refused is null)
                {
                    refused = names[(int)reader.GetInt64(0) - 1];
                }
            }
        }

        if (refused is not null)
        {
            throw new SourceLockedException(refused, _schema);
        }
    }

    /// <summary>Decides and queues <paramref name="deltas"/> in order, after reading (and locking) the records they meet that the page has not read yet.</summary>
    private async Task ApplyAllAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<Delta> deltas, IConflictStrategy strategy, DateTimeOffset now, CursorUpdate? cursor, List<AppliedDelta> results, CancellationToken cancellationToken, bool positioned = true)
    {
        if (deltas.Count == 0)
        {
            return;
        }

        await LoadAsync(connection, transaction, deltas, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < deltas.Count; i++)
        {
            var index = positioned ? DeltaRules.PositionOf(i, deltas.Count, cursor) : -1;
            results.Add(await ApplyOneAsync(connection, transaction, deltas[i], strategy, now, index, cancellationToken).ConfigureAwait(false));
        }
    }

    /// <summary>
    /// Reads the records of <paramref name="deltas"/> not read yet, locking them (<c>FOR UPDATE</c>, in key order), and
    /// which of their delta ids their sources already applied; then takes the advisory lock of each record not in
    /// <c>mirror_records</c> (so two workers meeting one new record do not both decide "insert") and reads those again,
    /// the second worker seeing the first's committed row. Three statements in two round trips.
    /// </summary>
    private async Task LoadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<Delta> deltas, CancellationToken cancellationToken)
    {
        var keys = new SortedSet<(string Resource, string RecordId)>(KeyComparer.Instance);
        var ids = new HashSet<(string Source, string DeltaId)>();
        foreach (var delta in deltas)
        {
            if (!_records.ContainsKey((delta.Resource, delta.RecordId)))
            {
                keys.Add((delta.Resource, delta.RecordId));
            }

            if (delta.DeltaId is { } deltaId)
            {
                ids.Add((delta.Provenance.Source, deltaId));
            }
        }

        var found = new Dictionary<(string Resource, string RecordId), MirroredRecord?>();
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            if (keys.Count > 0)
            {
                PgRecords.AddFindMany(batch, _q, keys);
            }

            if (ids.Count > 0)
            {
                var duplicates = new NpgsqlBatchCommand(
                    $"SELECT e.source, e.delta_id FROM unnest($1::text[], $2::text[]) AS u(source, delta_id) JOIN {_q}.mirror_events e ON e.source = u.source AND e.delta_id = u.delta_id WHERE e.delta_id IS NOT NULL");
                duplicates.Parameters.Add(PgArrays.Text(ids.Select(d => d.Source).ToList()));
                duplicates.Parameters.Add(PgArrays.Text(ids.Select(d => d.DeltaId).ToList()));
                batch.BatchCommands.Add(duplicates);
            }

            if (batch.BatchCommands.Count == 0)
            {
                return;
            }

            await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (keys.Count > 0)
            {
                await PgRecords.ReadAllAsync(reader, found, cancellationToken).ConfigureAwait(false);
                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            }

            if (ids.Count > 0)
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    _seenDeltaIds.Add((reader.GetString(0), reader.GetString(1)));
                }
            }
        }

        var absent = keys.Where(k => !found.ContainsKey(k)).ToList();
        if (absent.Count > 0)
        {
            await using var batch = new NpgsqlBatch(connection, transaction);
            var locks = new NpgsqlBatchCommand("SELECT count(pg_advisory_xact_lock(hashtextextended(k.key, 0))) FROM unnest($1::text[]) WITH ORDINALITY AS k(key, ord)");
            locks.Parameters.Add(PgArrays.Text(absent.Select(k => PgLocks.RecordKey(_lockScope, k.Resource, k.RecordId)).ToList()));
            batch.BatchCommands.Add(locks);
            PgRecords.AddFindMany(batch, _q, absent);
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            await PgRecords.ReadAllAsync(reader, found, cancellationToken).ConfigureAwait(false);
        }

        foreach (var key in keys)
        {
            _records[key] = found.GetValueOrDefault(key);
        }
    }

    private async Task<AppliedDelta> ApplyOneAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Delta delta, IConflictStrategy strategy, DateTimeOffset now, int index, CancellationToken cancellationToken)
    {
        var source = delta.Provenance.Source;
        var key = (delta.Resource, delta.RecordId);
        var existing = _written.Remove(key, out var written) ? _records[key] = Materialize(written, now) : _records[key];
        if (delta.DeltaId is { } deltaId && !_seenDeltaIds.Add((source, deltaId)))
        {
            return new AppliedDelta(false, ApplyDecision.Duplicate, existing?.Version ?? 0);
        }

        if (!_tables.TryGetValue(delta.Resource, out var table))
        {
            table = await PgResourceTable.LoadOrCreateAsync(connection, transaction, _schema, _lockScope, _agentRole, delta.Resource, delta.Op == DeltaOp.Upsert ? delta.Payload : default, now, cancellationToken).ConfigureAwait(false);
            _tables[delta.Resource] = table;
        }

        _feeds.Add((delta.Resource, source));
        var decision = _rules.Decide(existing, delta, strategy, index);
        if (decision.Applied && !decision.Deletes && table.NeedsColumns(decision.Columns))
        {
            // The rows queued so far are written with the columns they were queued against, before any column changes.
            await FlushAsync(connection, transaction, now, cancellationToken).ConfigureAwait(false);
            await table.EnsureColumnsAsync(connection, transaction, decision.Columns, cancellationToken).ConfigureAwait(false);
        }

        _events.Add(new PendingEvent(delta, decision));
        if (decision.Applied)
        {
            // The record's new state: made into a MirroredRecord (its payload parsed) only if a later delta of the page meets it.
            _written[key] = new PendingRecord(delta, decision.RecordPayload, decision.Version, decision.Deletes);
            _recordWrites[key] = new PendingRecord(delta, decision.RecordPayload, decision.Version, decision.Deletes);
            if (decision.Deletes)
            {
                table.QueueDelete(delta.RecordId);
            }
            else
            {
                table.QueueUpsert(delta.RecordId, decision.Columns, source, delta.Provenance.Confidence, decision.Version, delta.OccurredAt);
            }
        }

        return new AppliedDelta(decision.Applied, decision.Decision, decision.Version);
    }

    /// <summary>
    /// Lists, as delete deltas, the live records of a completed pass's resource that <paramref name="source"/> wrote last
    /// and neither the pass nor the page listed, in id order, each occurring at the later of now and its last event time.
    /// </summary>
    private async Task<List<Delta>> MissingAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CompletedPass pass, string source, IReadOnlyList<Delta> page, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var listed = new HashSet<string>(pass.RecordIds, StringComparer.Ordinal);
        foreach (var delta in page)
        {
            if (string.Equals(delta.Resource, pass.Resource, StringComparison.Ordinal))
            {
                listed.Add(delta.RecordId);
            }
        }

        var gone = new List<Delta>();
        await using var command = PgSql.Command(connection, transaction,
            $"SELECT record_id, occurred_at FROM {_q}.mirror_records WHERE resource = $1 AND source = $2 AND deleted_at IS NULL", pass.Resource, source);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var recordId = reader.GetString(0);
            if (!listed.Contains(recordId))
            {
                var occurred = reader.GetFieldValue<DateTimeOffset>(1);
                gone.Add(Delta.Delete(pass.Resource, recordId, source).At(occurred > now ? occurred : now));
            }
        }

        gone.Sort((a, b) => string.CompareOrdinal(a.RecordId, b.RecordId));
        return gone;
    }

    private static NpgsqlParameter Json(string? text) => new() { NpgsqlDbType = NpgsqlDbType.Json, Value = (object?)text ?? DBNull.Value };

    /// <summary>An event to insert: the delta and what it did.</summary>
    private readonly record struct PendingEvent(Delta Delta, DeltaDecision Decision);

    /// <summary>A record's state to upsert into <c>mirror_records</c>: the last delta that changed it in the page.</summary>
    private readonly record struct PendingRecord(Delta Delta, string? Payload, long Version, bool Deletes);

    /// <summary>Orders record keys by resource, then id (ordinal): the order a page takes its new records' advisory locks in.</summary>
    private sealed class KeyComparer : IComparer<(string Resource, string RecordId)>
    {
        public static readonly KeyComparer Instance = new();

        public int Compare((string Resource, string RecordId) x, (string Resource, string RecordId) y)
        {
            var byResource = string.CompareOrdinal(x.Resource, y.Resource);
            return byResource != 0 ? byResource : string.CompareOrdinal(x.RecordId, y.RecordId);
        }
    }
}
