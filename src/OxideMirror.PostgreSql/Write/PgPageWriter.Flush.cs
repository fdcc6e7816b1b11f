using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace OxideMirror.PostgreSql;

/// <summary>The page writer's queue: what the page's deltas decided, sent to the server as batches of multi-row statements.</summary>
internal sealed partial class PgPageWriter
{
    /// <summary>Makes the record a delta of this page left, as <c>mirror_records</c> will hold it, for a later delta of the page.</summary>
    private static MirroredRecord Materialize(PendingRecord written, DateTimeOffset now)
    {
        JsonElement payload = default;
        if (!written.Deletes && written.Payload is { } text)
        {
            using var document = JsonDocument.Parse(text);
            payload = document.RootElement.Clone();
        }

        return new MirroredRecord
        {
            Resource = written.Delta.Resource,
            RecordId = written.Delta.RecordId,
            Payload = payload,
            Source = written.Delta.Provenance.Source,
            LastSyncedAt = now,
            OccurredAt = written.Delta.OccurredAt,
            Confidence = written.Delta.Provenance.Confidence,
            Version = written.Version,
            IsDeleted = written.Deletes,
        };
    }

    /// <summary>Sends the queued records and resource rows as one batch (the events wait for the page's tail, <see cref="AddEventsTail"/>).</summary>
    private async Task FlushAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        AddPendingWrites(batch, now);
        if (batch.BatchCommands.Count > 0)
        {
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Adds the page's tail to <paramref name="batch"/>, as its last statement: the page's events in page order, inserted
    /// with their commit-ordered positions (<see cref="PgLogPositions"/>) in the statement that takes and moves the log
    /// head, and the watchers' <c>NOTIFY</c>. A page that logged no event adds nothing and locks nothing.
    /// </summary>
    private void AddEventsTail(NpgsqlBatch batch, DateTimeOffset now)
    {
        if (_events.Count > 0)
        {
            var n = _events.Count;
            List<string> resources = new(n), recordIds = new(n), ops = new(n), sources = new(n), decisions = new(n);
            List<string?> payloads = new(n), merged = new(n), deltaIds = new(n);
            List<double> confidences = new(n);
            List<DateTime> occurred = new(n);
            List<bool> applied = new(n);
            List<long> versions = new(n);
            foreach (var (delta, decision) in _events)
            {
                resources.Add(delta.Resource);
                recordIds.Add(delta.RecordId);
                ops.Add(DeltaRules.OpText(delta.Op));
                payloads.Add(decision.Payload);
                merged.Add(decision.MergedPayload);
                sources.Add(delta.Provenance.Source);
                confidences.Add(delta.Provenance.Confidence);
                occurred.Add(delta.OccurredAt.UtcDateTime);
                applied.Add(decision.Applied);
                decisions.Add(DeltaRules.DecisionText(decision.Decision));
                deltaIds.Add(delta.DeltaId);
                versions.Add(decision.Version);
            }

            var events = new NpgsqlBatchCommand(PgLogPositions.InsertEvents(_q));
            events.Parameters.Add(PgArrays.Text(resources));
            events.Parameters.Add(PgArrays.Text(recordIds));
            events.Parameters.Add(PgArrays.Text(ops));
            events.Parameters.Add(PgArrays.Json(payloads));
            events.Parameters.Add(PgArrays.Json(merged));
            events.Parameters.Add(PgArrays.Text(sources));
            events.Parameters.Add(PgArrays.Double(confidences));
            events.Parameters.Add(PgArrays.Times(occurred));
            events.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = now });
            events.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = _strategyLabel! });
            events.Parameters.Add(PgArrays.Boolean(applied));
            events.Parameters.Add(PgArrays.Text(decisions));
            events.Parameters.Add(PgArrays.Text(deltaIds));
            events.Parameters.Add(PgArrays.Bigint(versions));
            events.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = (long)n });
            events.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = _channel });
            batch.BatchCommands.Add(events);
            _events.Clear();
        }
    }

    /// <summary>
    /// Adds the queued writes but the events to <paramref name="batch"/> and forgets them: each record's last state (one
    /// multi-row upsert), each resource table's rows.
    /// </summary>
    private void AddPendingWrites(NpgsqlBatch batch, DateTimeOffset now)
    {
        if (_recordWrites.Count > 0)
        {
            var n = _recordWrites.Count;
            List<string> resources = new(n), recordIds = new(n), sources = new(n);
            List<string?> payloads = new(n);
            List<DateTime> occurred = new(n);
            List<double> confidences = new(n);
            List<long> versions = new(n);
            List<bool> deleted = new(n);
            foreach (var ((resource, recordId), write) in _recordWrites)
            {
                resources.Add(resource);
                recordIds.Add(recordId);
                payloads.Add(write.Payload);
                sources.Add(write.Delta.Provenance.Source);
                occurred.Add(write.Delta.OccurredAt.UtcDateTime);
                confidences.Add(write.Delta.Provenance.Confidence);
                versions.Add(write.Version);
                deleted.Add(write.Deletes);
            }

            var records = new NpgsqlBatchCommand(
                $"INSERT INTO {_q}.mirror_records (resource, record_id, payload, source, last_synced_at, occurred_at, confidence, version, deleted_at) " +
                "SELECT u.resource, u.record_id, u.payload, u.source, $5, u.occurred_at, u.confidence, u.version, CASE WHEN u.deleted THEN $5 END " +
                "FROM unnest($1::text[], $2::text[], $3::json[], $4::text[], $6::timestamptz[], $7::float8[], $8::int8[], $9::bool[]) AS u(resource, record_id, payload, source, occurred_at, confidence, version, deleted) " +
                "ON CONFLICT (resource, record_id) DO UPDATE SET payload = EXCLUDED.payload, source = EXCLUDED.source, last_synced_at = EXCLUDED.last_synced_at, occurred_at = EXCLUDED.occurred_at, confidence = EXCLUDED.confidence, version = EXCLUDED.version, deleted_at = EXCLUDED.deleted_at");
            records.Parameters.Add(PgArrays.Text(resources));
            records.Parameters.Add(PgArrays.Text(recordIds));
            records.Parameters.Add(PgArrays.Json(payloads));
            records.Parameters.Add(PgArrays.Text(sources));
            records.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = now });
            records.Parameters.Add(PgArrays.Times(occurred));
            records.Parameters.Add(PgArrays.Double(confidences));
            records.Parameters.Add(PgArrays.Bigint(versions));
            records.Parameters.Add(PgArrays.Boolean(deleted));
            batch.BatchCommands.Add(records);
            _recordWrites.Clear();
        }

        foreach (var table in _tables.Values)
        {
            table.AddPendingWrites(batch, now);
        }
    }
}
