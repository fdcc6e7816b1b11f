using System.Text.Json;
using Npgsql;

namespace OxideMirror.PostgreSql;

/// <summary>Reads one record of <c>mirror_records</c>, live or a tombstone, as the write path and the store's readers see it.</summary>
internal static class PgRecords
{
    public static async Task<MirroredRecord?> FindAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string quotedSchema, string resource, string recordId, bool forUpdate, CancellationToken cancellationToken)
    {
        await using var command = PgSql.Command(connection, transaction,
            $"SELECT payload::text, source, last_synced_at, occurred_at, confidence, version, deleted_at IS NOT NULL FROM {quotedSchema}.mirror_records WHERE resource = $1 AND record_id = $2" + (forUpdate ? " FOR UPDATE" : string.Empty),
            resource, recordId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var deleted = reader.GetBoolean(6);
        JsonElement payload = default;
        if (!deleted && !reader.IsDBNull(0))
        {
            using var document = JsonDocument.Parse(reader.GetString(0));
            payload = document.RootElement.Clone();
        }

        return new MirroredRecord
        {
            Resource = resource,
            RecordId = recordId,
            Payload = payload,
            Source = reader.GetString(1),
            LastSyncedAt = reader.GetFieldValue<DateTimeOffset>(2),
            OccurredAt = reader.GetFieldValue<DateTimeOffset>(3),
            Confidence = reader.GetDouble(4),
            Version = reader.GetInt64(5),
            IsDeleted = deleted,
        };
    }
}
