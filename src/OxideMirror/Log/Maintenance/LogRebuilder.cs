using System.Diagnostics;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace OxideMirror;

/// <summary>
/// Rebuilds <c>mirror_records</c> and every resource table from the event log: <see cref="RebuildAsync"/> in one write
/// transaction of the write path, <see cref="Run"/> inside the caller's; for each record, the last applied event (a
/// <c>snapshot</c> included) is the record's state.
/// </summary>
internal static class LogRebuilder
{
    // SQLite takes the bare columns of a query with exactly one max() aggregate from the row that holds the maximum:
    // here, each record's last applied event.
    private const string LastAppliedEvents =
        "SELECT resource, record_id, op, coalesce(merged_payload, payload), source, confidence, occurred_at, applied_at, version, max(seq), count(*) " +
        "FROM mirror_events WHERE applied = 1 GROUP BY resource, record_id";

    /// <summary>
    /// Rebuilds in one write transaction, as maintenance (no replay or compaction runs meanwhile), then publishes the
    /// rebuilt tables to the catalog; the apply path reloads its cached tables on its next batch.
    /// </summary>
    public static async Task<RebuildReport> RebuildAsync(StoreWriter writer, ILogger logger, CancellationToken cancellationToken)
    {
        var started = 0L;
        var (records, events) = await writer.MaintainAsync(
            () => writer.WriteAsync(
                t =>
                {
                    started = Stopwatch.GetTimestamp();
                    IReadOnlyList<ResourceTable> tables = [];
                    try
                    {
                        var (records, events, rebuilt) = Run(t.Connection, t.Transaction, Timestamps.Write(t.Now), cancellationToken);
                        tables = rebuilt;
                        cancellationToken.ThrowIfCancellationRequested();
                        var published = tables.Select(table => (table.TableName, table.Resource, (IEnumerable<string>)table.JsonColumns.ToList())).ToList();
                        var schemaChanged = tables.Any(table => table.SchemaChanged);
                        t.AfterCommit(() =>
                        {
                            writer.Catalog.Publish(published, [], [], t.Now);
                            if (schemaChanged)
                            {
                                writer.Catalog.SchemaChanged();
                            }
                        });
                        return (records, events);
                    }
                    finally
                    {
                        foreach (var table in tables)
                        {
                            table.Dispose();
                        }

                        // The apply path caches resource tables and their prepared statements; the rebuild may have
                        // added tables or columns behind its back, so it reloads them on its next batch.
                        writer.Records.RolledBack();
                    }
                },
                static () => "rebuilding the records from the log",
                cancellationToken),
            cancellationToken).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(started);
        MaintenanceLog.Rebuilt(logger, records, events, elapsed.TotalMilliseconds);
        return new RebuildReport(records, events, elapsed);
    }

    public static (long Records, long Events, IReadOnlyList<ResourceTable> Tables) Run(SqliteConnection connection, SqliteTransaction transaction, string at, CancellationToken cancellationToken)
    {
        var tables = new Dictionary<string, ResourceTable>(StringComparer.Ordinal);
        try
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "SELECT name FROM mirror_resources ORDER BY name";
            var resources = new List<string>();
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    resources.Add(reader.GetString(0));
                }
            }

            // Search indexes are rebuilt whole at the end, rather than row by row through their triggers.
            SearchIndexes.SuspendForRebuild(connection, transaction);
            command.CommandText = "DELETE FROM mirror_records";
            command.ExecuteNonQuery();
            foreach (var resource in resources)
            {
                var table = ResourceTable.Load(connection, transaction, resource)!;
                table.Begin(transaction);
                tables[resource] = table;
                command.CommandText = $"DELETE FROM {Identifiers.Quote(table.TableName)}";
                command.ExecuteNonQuery();
            }

            using var insert = new RawStatement(connection,
                "INSERT INTO mirror_records (resource, record_id, payload, source, last_synced_at, occurred_at, confidence, version, deleted_at) " +
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
            using var nested = new JsonCompactor(JsonDepth.Default);
            long records = 0, events = 0;
            command.CommandText = LastAppliedEvents;
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    if ((records & 1023) == 1023)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                    }

                    var resource = reader.GetString(0);
                    var recordId = reader.GetString(1);
                    var op = reader.GetString(2);
                    var payload = reader.IsDBNull(3) ? null : reader.GetString(3);
                    var deleted = op == LogVocabulary.DeleteOp || (op == LogVocabulary.SnapshotOp && payload is null);
                    var source = reader.GetString(4);
                    var confidence = reader.GetDouble(5);
                    var occurredAt = reader.GetString(6);
                    var appliedAt = reader.GetString(7);
                    var version = reader.GetInt64(8);
                    events += reader.GetInt64(10);
                    records++;

                    insert.Text(1, resource);
                    insert.Text(2, recordId);
                    insert.Text(3, deleted ? null : payload);
                    insert.Text(4, source);
                    insert.Text(5, appliedAt);
                    insert.Text(6, occurredAt);
                    insert.Real(7, confidence);
                    insert.Integer(8, version);
                    insert.Text(9, deleted ? appliedAt : null);
                    insert.Execute();
                    if (deleted || payload is null)
                    {
                        continue;
                    }

                    if (!tables.TryGetValue(resource, out var table))
                    {
                        table = ResourceTable.Create(connection, transaction, resource, at);
                        table.Begin(transaction);
                        tables[resource] = table;
                    }

                    using var document = JsonDocument.Parse(payload);
                    table.Upsert(recordId, document.RootElement, source, confidence, version, appliedAt, occurredAt, nested);
                }
            }

            SearchIndexes.RestoreAfterRebuild(connection, transaction);
            return (records, events, tables.Values.ToList());
        }
        catch
        {
            foreach (var table in tables.Values)
            {
                table.Dispose();
            }

            throw;
        }
    }
}
