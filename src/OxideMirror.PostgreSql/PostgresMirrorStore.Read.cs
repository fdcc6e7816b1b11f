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

    /// <summary>
    /// Streams a resource's live records in record-id order, a page per round trip, so that memory stays flat however many
    /// records there are and no transaction stays open between pages. The order is the primary key's: the database's
    /// collation for text (on a database created with the <c>C</c> collation, code-point order, as the SQLite store's).
    /// </summary>
    /// <param name="resource">The resource, for example <c>customers</c>.</param>
    /// <param name="pageSize">How many records to read per round trip, from 1 to 100,000. The default is 500.</param>
    /// <param name="after">Start after this record id (exclusive), for example the last id of a previous page; <see langword="null"/> (the default) starts at the first record.</param>
    /// <param name="cancellationToken">A token that ends the stream.</param>
    /// <returns>The records; a record changed while the stream runs may appear in its old or new state. An unknown resource streams none.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="resource"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="resource"/> is empty or white space.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="pageSize"/> is not between 1 and 100,000.</exception>
    /// <exception cref="MirrorStorageException">PostgreSQL failed or could not be reached.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public IAsyncEnumerable<MirroredRecord> ListRecordsAsync(string resource, int pageSize = 500, string? after = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(resource);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pageSize, 100_000);
        return ListPagesAsync(resource, pageSize, after, cancellationToken);
    }

    /// <summary>Lists every resource the mirror has seen, in ordinal name order.</summary>
    /// <param name="cancellationToken">A token to cancel.</param>
    /// <returns>The resource names.</returns>
    /// <exception cref="MirrorStorageException">PostgreSQL failed or could not be reached.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public Task<IReadOnlyList<string>> ListResourcesAsync(CancellationToken cancellationToken = default) =>
        ReadLogAsync("listing the resources", (connection, transaction, token) => PgRecords.ResourcesAsync(connection, transaction, _q, token), cancellationToken);

    /// <summary>Counts the live records (deleted ones excluded) of every resource, exactly, in one snapshot.</summary>
    /// <param name="cancellationToken">A token to cancel.</param>
    /// <returns>The count per resource name; a resource whose records were all deleted counts 0.</returns>
    /// <exception cref="MirrorStorageException">PostgreSQL failed or could not be reached.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    /// <remarks>Each count scans the resource's rows of <c>mirror_records</c>; for a cheap size at millions of records, <see cref="DescribeAsync(CancellationToken)"/> estimates.</remarks>
    public Task<IReadOnlyDictionary<string, long>> RecordCountsAsync(CancellationToken cancellationToken = default) =>
        ReadLogAsync("counting the records", (connection, transaction, token) => PgRecords.CountsAsync(connection, transaction, _q, token), cancellationToken);

    private async IAsyncEnumerable<MirroredRecord> ListPagesAsync(string resource, int pageSize, string? after, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (true)
        {
            var from = after;
            var page = await ReadLogAsync($"listing the records of resource '{resource}'", (connection, transaction, token) => PgRecords.ListPageAsync(connection, transaction, _q, resource, from, pageSize, token), cancellationToken).ConfigureAwait(false);
            foreach (var record in page)
            {
                after = record.RecordId;
                yield return record;
            }

            if (page.Count < pageSize)
            {
                yield break;
            }
        }
    }

    private async Task<MirroredRecord?> FindRecordAsync(string resource, string recordId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync($"reading record {resource}/{recordId}", cancellationToken).ConfigureAwait(false);
        return await PgRecords.FindAsync(connection, null, _q, resource, recordId, forUpdate: false, cancellationToken).ConfigureAwait(false);
    }
}
