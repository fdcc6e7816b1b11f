using System.Text.Json;
using Npgsql;

namespace OxideMirror.PostgreSql;

/// <summary>
/// Rebuilds <c>mirror_records</c> and every resource table from the event log, in one transaction: each record's state
/// is set by its last applied event in log order (the payload the strategy merged if it merged, else the payload given;
/// none, a tombstone, after a delete), and its row follows from that event — synced when it was applied, deleted then if
/// it has no state. That is the SQLite store's rule (its <c>RecordProjection</c>); the rebuild contract suite holds both
/// stores' rebuilds equal to what their live write paths left.
/// </summary>
/// <remarks>
/// The rebuild takes <c>mirror_records</c> in <c>EXCLUSIVE</c> mode first: page writers (which lock their records before
/// they write anything else) wait for it to commit, and agents' reads go on, seeing the old rows until the commit.
/// Resource tables keep their columns and types, which follow from every payload ever written, so the rebuilt rows are
/// typed as the live ones were.
/// </remarks>
internal static class PgRebuilder
{
    private const int Chunk = 5000;

    public static async Task<(long Records, long Events)> RunAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string schema, string lockScope, string agentRole, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var q = PgNames.Quote(schema);
        await PgSql.ExecuteAsync(connection, transaction, $"LOCK TABLE {q}.mirror_records IN EXCLUSIVE MODE", cancellationToken).ConfigureAwait(false);

        var resources = new List<string>();
        await using (var list = PgSql.Command(connection, transaction, $"SELECT name FROM {q}.mirror_resources ORDER BY name"))
        await using (var reader = await list.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                resources.Add(reader.GetString(0));
            }
        }

        await PgSql.ExecuteAsync(connection, transaction, $"DELETE FROM {q}.mirror_records", cancellationToken).ConfigureAwait(false);
        var records = await PgSql.ExecuteAsync(
            connection,
            transaction,
            $"INSERT INTO {q}.mirror_records (resource, record_id, payload, source, last_synced_at, occurred_at, confidence, version, deleted_at) " +
            "SELECT resource, record_id, state, source, applied_at, occurred_at, confidence, version, CASE WHEN state IS NULL THEN applied_at END " +
            $"FROM (SELECT DISTINCT ON (resource, record_id) resource, record_id, source, applied_at, occurred_at, confidence, version, " +
            $"CASE WHEN op = '{DeltaRules.OpText(DeltaOp.Delete)}' THEN NULL ELSE coalesce(merged_payload, payload) END AS state " +
            $"FROM {q}.mirror_events WHERE applied ORDER BY resource, record_id, position DESC, seq DESC) AS last",
            cancellationToken).ConfigureAwait(false);
        var events = (long)(await PgSql.ScalarAsync(connection, transaction, $"SELECT count(*) FROM {q}.mirror_events WHERE applied", cancellationToken).ConfigureAwait(false))!;

        foreach (var resource in resources)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Every listed resource has its table already: no first payload is needed to create one.
            var table = await PgResourceTable.LoadOrCreateAsync(connection, transaction, schema, lockScope, agentRole, resource, firstPayload: default, at, cancellationToken).ConfigureAwait(false);
            await PgSql.ExecuteAsync(connection, transaction, $"DELETE FROM {q}.{PgNames.Quote(table.TableName)}", cancellationToken).ConfigureAwait(false);
            await FillAsync(connection, transaction, q, table, cancellationToken).ConfigureAwait(false);
        }

        return (records, events);
    }

    /// <summary>Writes a resource's live records into its emptied table, a chunk at a time, each row with the time its record was synced.</summary>
    private static async Task FillAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string q, PgResourceTable table, CancellationToken cancellationToken)
    {
        var after = "";
        while (true)
        {
            var rows = new List<(string RecordId, string Payload, string Source, double Confidence, long Version, DateTimeOffset SyncedAt, DateTimeOffset OccurredAt)>(Chunk);
            await using (var read = PgSql.Command(
                connection,
                transaction,
                $"SELECT record_id, payload::text, source, confidence, version, last_synced_at, occurred_at FROM {q}.mirror_records " +
                $"WHERE resource = $1 AND deleted_at IS NULL AND record_id > $2 ORDER BY record_id LIMIT {Chunk}",
                table.Resource,
                after))
            await using (var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    rows.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetDouble(3), reader.GetInt64(4), reader.GetFieldValue<DateTimeOffset>(5), reader.GetFieldValue<DateTimeOffset>(6)));
                }
            }

            if (rows.Count == 0)
            {
                return;
            }

            // A resource row carries its page's sync time, so rows are written in groups that share one.
            await using var batch = new NpgsqlBatch(connection, transaction);
            foreach (var group in rows.GroupBy(r => r.SyncedAt))
            {
                foreach (var row in group)
                {
                    using var document = JsonDocument.Parse(row.Payload);
                    if (table.NeedsColumns(document.RootElement))
                    {
                        // Every key was written live already; a column can be missing only if the log holds a payload the
                        // table never saw, which a rebuild then adds as the live path would have.
                        table.AddPendingWrites(batch, group.Key);
                        await FlushAsync(batch, cancellationToken).ConfigureAwait(false);
                        await table.EnsureColumnsAsync(connection, transaction, document.RootElement, cancellationToken).ConfigureAwait(false);
                    }

                    table.QueueUpsert(row.RecordId, document.RootElement, row.Source, row.Confidence, row.Version, row.OccurredAt);
                }

                table.AddPendingWrites(batch, group.Key);
            }

            await FlushAsync(batch, cancellationToken).ConfigureAwait(false);
            after = rows[^1].RecordId;
        }
    }

    private static async Task FlushAsync(NpgsqlBatch batch, CancellationToken cancellationToken)
    {
        if (batch.BatchCommands.Count > 0)
        {
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            batch.BatchCommands.Clear();
        }
    }
}
