namespace OxideMirror.PostgreSql;

public sealed partial class PostgresMirrorStore
{
    /// <summary>Gets a source's stored cursor.</summary>
    /// <param name="source">The source's id.</param>
    /// <param name="resource">The resource the cursor belongs to, or <c>"*"</c> (the default) for the whole source.</param>
    /// <param name="cancellationToken">A token to cancel.</param>
    /// <returns>The cursor, or <see langword="null"/> when none is stored (the next sync starts from the beginning).</returns>
    /// <exception cref="ArgumentException"><paramref name="source"/> or <paramref name="resource"/> is empty or white space.</exception>
    /// <exception cref="MirrorStorageException">PostgreSQL failed.</exception>
    public async Task<string?> GetCursorAsync(string source, string resource = "*", CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        ArgumentException.ThrowIfNullOrWhiteSpace(resource);
        await using var connection = await OpenConnectionAsync($"reading the cursor of source '{source}'", cancellationToken).ConfigureAwait(false);
        return await PgSql.ScalarAsync(connection, null, $"SELECT cursor FROM {_q}.mirror_cursors WHERE source = $1 AND resource = $2", cancellationToken, source, resource).ConfigureAwait(false) as string;
    }

    /// <summary>Gets a record's current state; a deleted record is not returned.</summary>
    /// <param name="resource">The resource.</param>
    /// <param name="recordId">The record's id.</param>
    /// <param name="cancellationToken">A token to cancel.</param>
    /// <returns>The record, or <see langword="null"/> when it was never seen or is deleted.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="resource"/> or <paramref name="recordId"/> is null.</exception>
    /// <exception cref="MirrorStorageException">PostgreSQL failed.</exception>
    public async Task<MirroredRecord?> GetRecordAsync(string resource, string recordId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(recordId);
        var record = await FindRecordAsync(resource, recordId, cancellationToken).ConfigureAwait(false);
        return record is { IsDeleted: false } ? record : null;
    }

    /// <summary>Gets a record's tombstone, or <see langword="null"/> when the record is live or was never seen.</summary>
    /// <param name="resource">The resource.</param>
    /// <param name="recordId">The record's id.</param>
    /// <param name="cancellationToken">A token to cancel.</param>
    /// <returns>The tombstone.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="resource"/> or <paramref name="recordId"/> is null.</exception>
    /// <exception cref="MirrorStorageException">PostgreSQL failed.</exception>
    public async Task<Tombstone?> GetTombstoneAsync(string resource, string recordId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(recordId);
        var record = await FindRecordAsync(resource, recordId, cancellationToken).ConfigureAwait(false);
        return record is { IsDeleted: true } ? new Tombstone(record.Resource, record.RecordId, record.LastSyncedAt, record.OccurredAt, record.Source, record.Version) : null;
    }

    private async Task<MirroredRecord?> FindRecordAsync(string resource, string recordId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync($"reading record {resource}/{recordId}", cancellationToken).ConfigureAwait(false);
        return await PgRecords.FindAsync(connection, null, _q, resource, recordId, forUpdate: false, cancellationToken).ConfigureAwait(false);
    }
}
