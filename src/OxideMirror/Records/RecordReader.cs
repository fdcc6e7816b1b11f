using Dapper;
using Microsoft.Data.Sqlite;

namespace OxideMirror;

/// <summary>
/// Every read of the current state outside the write path: records and tombstones (<c>mirror_records</c>), the resources
/// seen (<c>mirror_resources</c>) and the cursors (<c>mirror_cursors</c>), on a connection the caller leased.
/// </summary>
internal static class RecordReader
{
    private const string RecordColumns =
        "resource AS Resource, record_id AS RecordId, payload AS Payload, source AS Source, last_synced_at AS LastSyncedAt, " +
        "occurred_at AS OccurredAt, confidence AS Confidence, version AS Version, deleted_at AS DeletedAt";

    /// <summary>Reads a record's row, live or deleted, or null when it was never seen.</summary>
    public static Task<RecordRow?> FindAsync(SqliteConnection connection, string resource, string recordId, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<RecordRow?>(new CommandDefinition(
            $"SELECT {RecordColumns} FROM mirror_records WHERE resource = @resource AND record_id = @recordId",
            new { resource, recordId },
            cancellationToken: cancellationToken));

    /// <summary>Reads up to <paramref name="limit"/> live records of a resource after <paramref name="after"/> (exclusive; null for the first), in record-id order.</summary>
    public static async Task<IReadOnlyList<MirroredRecord>> ListPageAsync(SqliteConnection connection, string resource, string? after, int limit, CancellationToken cancellationToken)
    {
        var sql = after is null
            ? $"SELECT {RecordColumns} FROM mirror_records WHERE resource = @resource AND deleted_at IS NULL ORDER BY record_id LIMIT @limit"
            : $"SELECT {RecordColumns} FROM mirror_records WHERE resource = @resource AND record_id > @after AND deleted_at IS NULL ORDER BY record_id LIMIT @limit";
        var rows = await connection.QueryAsync<RecordRow>(new CommandDefinition(sql, new { resource, after, limit }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(row => row.ToRecord()).ToList();
    }

    /// <summary>Reads the name of every resource the mirror has seen, in name order.</summary>
    public static async Task<IReadOnlyList<string>> ResourcesAsync(SqliteConnection connection, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<string>(new CommandDefinition("SELECT name FROM mirror_resources ORDER BY name", cancellationToken: cancellationToken)).ConfigureAwait(false)).AsList();

    /// <summary>Reads the live records of every resource the mirror has seen, as the write path keeps them (one per row of its table).</summary>
    public static async Task<IReadOnlyDictionary<string, long>> CountsAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<(string Name, long Count)>(new CommandDefinition(
            "SELECT name, row_count FROM mirror_resources ORDER BY name",
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.ToDictionary(r => r.Name, r => r.Count, StringComparer.Ordinal);
    }

    /// <summary>Reads a source's stored cursor for a resource (or <c>"*"</c>), or null.</summary>
    public static Task<string?> CursorAsync(SqliteConnection connection, string source, string resource, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT cursor FROM mirror_cursors WHERE source = @source AND resource = @resource",
            new { source, resource },
            cancellationToken: cancellationToken));
}
