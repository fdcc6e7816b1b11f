using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace OxideMirror.PostgreSql;

/// <summary>Reads records of <c>mirror_records</c>, live or tombstones, as the write path and the store's readers see them.</summary>
internal static class PgRecords
{
    private const string Columns = "resource, record_id, payload::text, source, last_synced_at, occurred_at, confidence, version, deleted_at IS NOT NULL";

    public static async Task<MirroredRecord?> FindAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string quotedSchema, string resource, string recordId, bool forUpdate, CancellationToken cancellationToken)
    {
        await using var command = PgSql.Command(connection, transaction,
            $"SELECT {Columns} FROM {quotedSchema}.mirror_records WHERE resource = $1 AND record_id = $2" + (forUpdate ? " FOR UPDATE" : string.Empty),
            resource, recordId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
    }

    /// <summary>
    /// Adds to <paramref name="batch"/> the query that reads (and locks, <c>FOR UPDATE</c>, in key order) the records of
    /// <paramref name="keys"/> that exist; <see cref="ReadAllAsync"/> reads its rows.
    /// </summary>
    public static void AddFindMany(NpgsqlBatch batch, string quotedSchema, IReadOnlyCollection<(string Resource, string RecordId)> keys)
    {
        var command = new NpgsqlBatchCommand(
            $"SELECT {Columns} FROM {quotedSchema}.mirror_records WHERE (resource, record_id) IN (SELECT * FROM unnest($1::text[], $2::text[])) ORDER BY resource, record_id FOR UPDATE");
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = keys.Select(k => k.Resource).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = keys.Select(k => k.RecordId).ToArray() });
        batch.BatchCommands.Add(command);
    }

    /// <summary>Reads the rows of the current result set of <paramref name="reader"/> into <paramref name="found"/>.</summary>
    public static async Task ReadAllAsync(NpgsqlDataReader reader, Dictionary<(string Resource, string RecordId), MirroredRecord?> found, CancellationToken cancellationToken)
    {
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var record = Read(reader);
            found[(record.Resource, record.RecordId)] = record;
        }
    }

    /// <summary>
    /// Reads up to <paramref name="limit"/> live records of <paramref name="resource"/> after <paramref name="after"/>, in the
    /// primary key's order (the database's collation for text), so that each page is an index range scan.
    /// </summary>
    public static async Task<List<MirroredRecord>> ListPageAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string quotedSchema, string resource, string? after, int limit, CancellationToken cancellationToken)
    {
        await using var command = after is null
            ? PgSql.Command(connection, transaction, $"SELECT {Columns} FROM {quotedSchema}.mirror_records WHERE resource = $1 AND deleted_at IS NULL ORDER BY record_id LIMIT $2", resource, limit)
            : PgSql.Command(connection, transaction, $"SELECT {Columns} FROM {quotedSchema}.mirror_records WHERE resource = $1 AND record_id > $3 AND deleted_at IS NULL ORDER BY record_id LIMIT $2", resource, limit, after);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var page = new List<MirroredRecord>(Math.Min(limit, 1024));
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            page.Add(Read(reader));
        }

        return page;
    }

    /// <summary>Counts the live records of every resource the mirror has seen (0 for one whose records were all deleted).</summary>
    public static async Task<IReadOnlyDictionary<string, long>> CountsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string quotedSchema, CancellationToken cancellationToken)
    {
        await using var command = PgSql.Command(connection, transaction,
            $"SELECT r.name, (SELECT count(*) FROM {quotedSchema}.mirror_records m WHERE m.resource = r.name AND m.deleted_at IS NULL) FROM {quotedSchema}.mirror_resources r");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            counts[reader.GetString(0)] = reader.GetInt64(1);
        }

        return counts;
    }

    /// <summary>Lists the resources the mirror has seen, in ordinal name order.</summary>
    public static async Task<IReadOnlyList<string>> ResourcesAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string quotedSchema, CancellationToken cancellationToken)
    {
        await using var command = PgSql.Command(connection, transaction, $"SELECT name FROM {quotedSchema}.mirror_resources");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var names = new List<string>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            names.Add(reader.GetString(0));
        }

        names.Sort(StringComparer.Ordinal);
        return names;
    }

    private static MirroredRecord Read(NpgsqlDataReader reader)
    {
        var deleted = reader.GetBoolean(8);
        JsonElement payload = default;
        if (!deleted && !reader.IsDBNull(2))
        {
            using var document = JsonDocument.Parse(reader.GetString(2));
            payload = document.RootElement.Clone();
        }

        return new MirroredRecord
        {
            Resource = reader.GetString(0),
            RecordId = reader.GetString(1),
            Payload = payload,
            Source = reader.GetString(3),
            LastSyncedAt = reader.GetFieldValue<DateTimeOffset>(4),
            OccurredAt = reader.GetFieldValue<DateTimeOffset>(5),
            Confidence = reader.GetDouble(6),
            Version = reader.GetInt64(7),
            IsDeleted = deleted,
        };
    }
}
