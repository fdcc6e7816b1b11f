using System.Diagnostics;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace OxideMirror;

/// <summary>
/// Rebuilds <c>mirror_records</c>, every resource table and their history tables from the event log: <see cref="RebuildAsync"/> in one write
/// transaction of the write path, <see cref="Run"/> inside the caller's; each record's state follows from the log by
/// <see cref="RecordProjection"/>.
/// </summary>
internal static class LogRebuilder
{
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
            command.CommandText = "DELETE FROM mirror_records; UPDATE mirror_resources SET row_count = 0";
            command.ExecuteNonQuery();
            foreach (var resource in resources)
            {
                var table = ResourceTable.Load(connection, transaction, resource)!;
                table.Begin(transaction);
                tables[resource] = table;
                command.CommandText = $"DELETE FROM {Identifiers.Quote(table.TableName)}; DELETE FROM {Identifiers.Quote(table.HistoryTableName)}";
                command.ExecuteNonQuery();
            }

            command.CommandText = RecordProjection.InsertRecordsSql("mirror_records", RecordProjection.LastStateEventsSql("mirror_events"));
            long records = command.ExecuteNonQuery();
            cancellationToken.ThrowIfCancellationRequested();

            // Every version a later one replaced, with where it stopped being current: what time travel reads.
            command.CommandText = "DELETE FROM mirror_records_history; " + RecordProjection.InsertHistorySql("mirror_records_history", "mirror_events") + "; " +
                $"DELETE FROM {HistoryKey.EpochsTable}; {HistoryKey.FillEpochsSql}";
            command.ExecuteNonQuery();
            cancellationToken.ThrowIfCancellationRequested();
            command.CommandText = $"SELECT count(*) FROM mirror_events WHERE {RecordProjection.StateEvents}";
            var events = (long)command.ExecuteScalar()!;

            // The resource tables hold the live records, from the rows just written.
            using var nested = new JsonCompactor(JsonDepth.Default);
            command.CommandText = "SELECT resource, record_id, payload, source, confidence, version, last_synced_at, occurred_at FROM mirror_records WHERE deleted_at IS NULL";
            using (var reader = command.ExecuteReader())
            {
                var read = 0L;
                while (reader.Read())
                {
                    if ((++read & 1023) == 0)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                    }

                    var resource = reader.GetString(0);
                    if (!tables.TryGetValue(resource, out var table))
                    {
                        table = ResourceTable.Create(connection, transaction, resource, at);
                        table.Begin(transaction);
                        tables[resource] = table;
                    }

                    using var document = JsonDocument.Parse(reader.GetString(2));
                    table.Upsert(reader.GetString(1), document.RootElement, reader.GetString(3), reader.GetDouble(4), reader.GetInt64(5), reader.GetString(6), reader.GetString(7), nested, creates: true);
                }
            }

            foreach (var table in tables.Values)
            {
                cancellationToken.ThrowIfCancellationRequested();
                table.WriteRowCount();
            }

            ResourceTable.FillHistories(connection, transaction, tables, cancellationToken);

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
