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
internal sealed class PgPageWriter : IDisposable
{
    private readonly string _schema;
    private readonly string _q;
    private readonly string _agentRole;
    private readonly DeltaRules _rules;
    private readonly Dictionary<string, PgResourceTable> _tables = new(StringComparer.Ordinal);
    private readonly HashSet<(string Resource, string Source)> _feeds = [];

    public PgPageWriter(PostgresMirrorStoreOptions options)
    {
        _schema = options.Schema;
        _q = PgNames.Quote(options.Schema);
        _agentRole = options.AgentRoleName;
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

    /// <summary>Applies a checked page inside <paramref name="transaction"/>, which the caller commits.</summary>
    public async Task<PageOutcome> ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<Delta> deltas, IConflictStrategy strategy, CursorUpdate? cursor, IReadOnlyList<CompletedPass>? passes, DateTimeOffset now, CancellationToken cancellationToken)
    {
        _tables.Clear();
        _feeds.Clear();
        var sources = new SortedSet<string>(StringComparer.Ordinal);
        if (cursor is not null)
        {
            sources.Add(cursor.Source);
        }

        foreach (var delta in deltas)
        {
            sources.Add(delta.Provenance.Source);
        }

        foreach (var source in sources)
        {
            var locked = await PgSql.ScalarAsync(connection, transaction, "SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0))", cancellationToken, PgLocks.SourceKey(_schema, source)).ConfigureAwait(false);
            if (locked is not true)
            {
                throw new SourceLockedException(source, _schema);
            }
        }

        var results = new List<AppliedDelta>(deltas.Count);
        var missing = new List<Delta>();
        for (var i = 0; i < deltas.Count; i++)
        {
            results.Add(await ApplyOneAsync(connection, transaction, deltas[i], strategy, now, DeltaRules.PositionOf(i, deltas.Count, cursor), cancellationToken).ConfigureAwait(false));
        }

        if (passes is not null)
        {
            foreach (var pass in passes)
            {
                foreach (var delete in await MissingAsync(connection, transaction, pass, cursor!.Source, deltas, now, cancellationToken).ConfigureAwait(false))
                {
                    results.Add(await ApplyOneAsync(connection, transaction, delete, strategy, now, -1, cancellationToken).ConfigureAwait(false));
                    missing.Add(delete);
                }
            }
        }

        foreach (var source in sources)
        {
            await PgSql.ExecuteAsync(connection, transaction,
                $"INSERT INTO {_q}.mirror_sources (source, last_synced_at) VALUES ($1, $2) ON CONFLICT (source) DO UPDATE SET last_synced_at = EXCLUDED.last_synced_at",
                cancellationToken, source, now).ConfigureAwait(false);
        }

        if (cursor is not null)
        {
            await PgSql.ExecuteAsync(connection, transaction,
                $"INSERT INTO {_q}.mirror_cursors (source, resource, cursor, updated_at) VALUES ($1, $2, $3, $4) ON CONFLICT (source, resource) DO UPDATE SET cursor = EXCLUDED.cursor, updated_at = EXCLUDED.updated_at",
                cancellationToken, cursor.Source, cursor.Resource, new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)cursor.Cursor ?? DBNull.Value }, now).ConfigureAwait(false);
        }

        return new PageOutcome(results, missing);
    }

    public void Dispose() => _rules.Dispose();

    private async Task<AppliedDelta> ApplyOneAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Delta delta, IConflictStrategy strategy, DateTimeOffset now, int index, CancellationToken cancellationToken)
    {
        var source = delta.Provenance.Source;
        var existing = await PgRecords.FindAsync(connection, transaction, _q, delta.Resource, delta.RecordId, forUpdate: true, cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            // No row to lock: two workers meeting one new record must not both decide "insert". The record's advisory
            // lock (held to commit) serialises them, and the second reads the first's committed row.
            await PgSql.ExecuteAsync(connection, transaction, "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", cancellationToken, PgLocks.RecordKey(_schema, delta.Resource, delta.RecordId)).ConfigureAwait(false);
            existing = await PgRecords.FindAsync(connection, transaction, _q, delta.Resource, delta.RecordId, forUpdate: true, cancellationToken).ConfigureAwait(false);
        }
        if (delta.DeltaId is { } deltaId
            && await PgSql.ScalarAsync(connection, transaction, $"SELECT 1 FROM {_q}.mirror_events WHERE source = $1 AND delta_id = $2", cancellationToken, source, deltaId).ConfigureAwait(false) is not null)
        {
            return new AppliedDelta(false, ApplyDecision.Duplicate, existing?.Version ?? 0);
        }

        if (!_tables.TryGetValue(delta.Resource, out var table))
        {
            table = await PgResourceTable.LoadOrCreateAsync(connection, transaction, _schema, _agentRole, delta.Resource, now, cancellationToken).ConfigureAwait(false);
            _tables[delta.Resource] = table;
        }

        if (_feeds.Add((delta.Resource, source)))
        {
            await PgSql.ExecuteAsync(connection, transaction,
                $"INSERT INTO {_q}.mirror_resource_sources (resource, source) VALUES ($1, $2) ON CONFLICT DO NOTHING", cancellationToken, delta.Resource, source).ConfigureAwait(false);
        }

        var decision = _rules.Decide(existing, delta, strategy, index);
        await PgSql.ExecuteAsync(connection, transaction,
            $"INSERT INTO {_q}.mirror_events (resource, record_id, op, payload, merged_payload, source, confidence, occurred_at, applied_at, applied, decision, strategy, delta_id, version) " +
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
            cancellationToken,
            delta.Resource, delta.RecordId, DeltaRules.OpText(delta.Op), Json(decision.Payload), Json(decision.MergedPayload), source,
            delta.Provenance.Confidence, delta.OccurredAt, now, decision.Applied, DeltaRules.DecisionText(decision.Decision), strategy.Label,
            new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)delta.DeltaId ?? DBNull.Value }, decision.Version).ConfigureAwait(false);

        if (decision.Applied)
        {
            await PgSql.ExecuteAsync(connection, transaction,
                $"INSERT INTO {_q}.mirror_records (resource, record_id, payload, source, last_synced_at, occurred_at, confidence, version, deleted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) " +
                "ON CONFLICT (resource, record_id) DO UPDATE SET payload = EXCLUDED.payload, source = EXCLUDED.source, last_synced_at = EXCLUDED.last_synced_at, occurred_at = EXCLUDED.occurred_at, confidence = EXCLUDED.confidence, version = EXCLUDED.version, deleted_at = EXCLUDED.deleted_at",
                cancellationToken,
                delta.Resource, delta.RecordId, Json(decision.RecordPayload), source, now, delta.OccurredAt, delta.Provenance.Confidence, decision.Version,
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = decision.Deletes ? now : DBNull.Value }).ConfigureAwait(false);
            if (decision.Deletes)
            {
                await table.DeleteAsync(connection, transaction, delta.RecordId, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await table.UpsertAsync(connection, transaction, delta.RecordId, decision.Columns, source, delta.Provenance.Confidence, decision.Version, now, delta.OccurredAt, cancellationToken).ConfigureAwait(false);
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
}
