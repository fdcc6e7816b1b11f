using System.Runtime.CompilerServices;
using Dapper;

namespace OxideMirror;

public sealed partial class MirrorStore
{
    private const string RecordColumns =
        "resource AS Resource, record_id AS RecordId, payload AS Payload, source AS Source, last_synced_at AS LastSyncedAt, " +
        "occurred_at AS OccurredAt, confidence AS Confidence, version AS Version, deleted_at AS DeletedAt";

    /// <summary>Gets a record's current state.</summary>
    /// <param name="resource">The resource, for example <c>customers</c>.</param>
    /// <param name="recordId">The record's id.</param>
    /// <param name="cancellationToken">A token to cancel the read.</param>
    /// <returns>The record, or <see langword="null"/> when it was never seen or was deleted (see <see cref="GetTombstoneAsync"/>).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="resource"/> or <paramref name="recordId"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public async Task<MirroredRecord?> GetRecordAsync(string resource, string recordId, CancellationToken cancellationToken = default)
    {
        var row = await FindRowAsync(resource, recordId, cancellationToken).ConfigureAwait(false);
        return row is { DeletedAt: null } ? row.ToRecord() : null;
    }

    /// <summary>Gets the tombstone of a deleted record, which tells "deleted at T by source S" from "never seen".</summary>
    /// <param name="resource">The resource, for example <c>customers</c>.</param>
    /// <param name="recordId">The record's id.</param>
    /// <param name="cancellationToken">A token to cancel the read.</param>
    /// <returns>The tombstone, or <see langword="null"/> when the record exists or was never seen.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="resource"/> or <paramref name="recordId"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public async Task<Tombstone?> GetTombstoneAsync(string resource, string recordId, CancellationToken cancellationToken = default)
    {
        var row = await FindRowAsync(resource, recordId, cancellationToken).ConfigureAwait(false);
        return row is { DeletedAt: { } deletedAt }
            ? new Tombstone(row.Resource, row.RecordId, Timestamps.Read(deletedAt), Timestamps.Read(row.OccurredAt), row.Source, row.Version)
            : null;
    }

    /// <summary>
    /// Streams a resource's live records in record-id order, reading a page at a time so that no read transaction stays
    /// open between pages and memory stays flat however many records there are. Ids are ordered by their UTF-8 bytes
    /// (SQLite's BINARY collation), which is Unicode code-point order; it differs from <see cref="string.CompareOrdinal(string, string)"/>
    /// only between characters above U+FFFF and those from U+E000 to U+FFFF.
    /// </summary>
    /// <param name="resource">The resource, for example <c>customers</c>.</param>
    /// <param name="pageSize">How many records to read per round trip. The default is 500.</param>
    /// <param name="after">Start after this record id (exclusive), for example the last id of a previous page; <see langword="null"/> (the default) starts at the first record.</param>
    /// <param name="cancellationToken">A token that ends the stream.</param>
    /// <returns>The records; a record changed while the stream runs may appear in its old or new state.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="resource"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="pageSize"/> is not between 1 and 100,000.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public async IAsyncEnumerable<MirroredRecord> ListRecordsAsync(string resource, int pageSize = 500, string? after = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pageSize, 100_000);
        while (true)
        {
            var sql = after is null
                ? $"SELECT {RecordColumns} FROM mirror_records WHERE resource = @resource AND deleted_at IS NULL ORDER BY record_id LIMIT @limit"
                : $"SELECT {RecordColumns} FROM mirror_records WHERE resource = @resource AND record_id > @after AND deleted_at IS NULL ORDER BY record_id LIMIT @limit";
            var page = await ReadAsync(
                (connection, token) => connection.QueryAsync<RecordRow>(new CommandDefinition(sql, new { resource, after, limit = pageSize }, cancellationToken: token)),
                cancellationToken).ConfigureAwait(false);
            var count = 0;
            foreach (var row in page)
            {
                count++;
                after = row.RecordId;
                yield return row.ToRecord();
            }

            if (count < pageSize)
            {
                yield break;
            }
        }
    }

    /// <summary>Lists every resource the mirror has seen, in name order.</summary>
    /// <param name="cancellationToken">A token to cancel the read.</param>
    /// <returns>The resource names.</returns>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public async Task<IReadOnlyList<string>> ListResourcesAsync(CancellationToken cancellationToken = default)
    {
        var names = await ReadAsync(
            (connection, token) => connection.QueryAsync<string>(new CommandDefinition("SELECT name FROM mirror_resources ORDER BY name", cancellationToken: token)),
            cancellationToken).ConfigureAwait(false);
        return names.AsList();
    }

    /// <summary>Counts the live records (deleted ones excluded) of every resource.</summary>
    /// <param name="cancellationToken">A token to cancel the read.</param>
    /// <returns>The count per resource name; a resource whose records were all deleted counts 0.</returns>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public async Task<IReadOnlyDictionary<string, long>> RecordCountsAsync(CancellationToken cancellationToken = default)
    {
        var rows = await ReadAsync(
            (connection, token) => connection.QueryAsync<(string Name, long Count)>(new CommandDefinition(
                "SELECT r.name, (SELECT count(*) FROM mirror_records m WHERE m.resource = r.name AND m.deleted_at IS NULL) FROM mirror_resources r ORDER BY r.name",
                cancellationToken: token)),
            cancellationToken).ConfigureAwait(false);
        return rows.ToDictionary(r => r.Name, r => r.Count, StringComparer.Ordinal);
    }

    /// <summary>Counts the events in the log, applied or not.</summary>
    /// <param name="resource">A resource to count for, or <see langword="null"/> (the default) for all.</param>
    /// <param name="cancellationToken">A token to cancel the read.</param>
    /// <returns>The number of events.</returns>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public Task<long> EventCountAsync(string? resource = null, CancellationToken cancellationToken = default) =>
        ReadAsync((connection, token) => EventLog.CountAsync(connection, resource, token), cancellationToken);

    /// <summary>Gets a source's stored cursor.</summary>
    /// <param name="source">The source's id.</param>
    /// <param name="resource">The resource the cursor belongs to, or <c>"*"</c> (the default) for the whole source.</param>
    /// <param name="cancellationToken">A token to cancel the read.</param>
    /// <returns>The cursor, or <see langword="null"/> when none is stored.</returns>
    /// <exception cref="ArgumentException"><paramref name="source"/> or <paramref name="resource"/> is empty or white space.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public Task<string?> GetCursorAsync(string source, string resource = "*", CancellationToken cancellationToken = default)
    {
        Ids.ThrowIfBlank(source);
        Ids.ThrowIfBlank(resource);
        return ReadAsync(
            (connection, token) => connection.ExecuteScalarAsync<string?>(new CommandDefinition(
                "SELECT cursor FROM mirror_cursors WHERE source = @source AND resource = @resource",
                new { source, resource },
                cancellationToken: token)),
            cancellationToken);
    }

    private Task<RecordRow?> FindRowAsync(string resource, string recordId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(recordId);
        return ReadAsync((connection, token) => QueryRowAsync(connection, resource, recordId, token), cancellationToken);
    }

    private static Task<RecordRow?> QueryRowAsync(Microsoft.Data.Sqlite.SqliteConnection connection, string resource, string recordId, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<RecordRow?>(new CommandDefinition(
            $"SELECT {RecordColumns} FROM mirror_records WHERE resource = @resource AND record_id = @recordId",
            new { resource, recordId },
            cancellationToken: cancellationToken));

    /// <summary>Runs trusted read-only work on a pooled read connection (and, for an in-memory store, under the write gate).</summary>
    private async Task<T> ReadAsync<T>(Func<Microsoft.Data.Sqlite.SqliteConnection, CancellationToken, Task<T>> read, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        using var lease = await LeaseReaderAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await read(lease.Reader.Connection, cancellationToken).ConfigureAwait(false);
        }
        catch (Microsoft.Data.Sqlite.SqliteException ex)
        {
            lease.Healthy = false;
            throw StorageFailure(ex, "reading from it");
        }
    }

    private async ValueTask<ReaderLease> LeaseReaderAsync(CancellationToken cancellationToken)
    {
        if (_inMemory)
        {
            await _write.HoldWritesAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            ThrowIfDisposed();
            ReaderPool.Reader reader;
            try
            {
                reader = await _readers.RentAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Microsoft.Data.Sqlite.SqliteException ex)
            {
                throw StorageFailure(ex, "opening a read-only connection to it");
            }

            try
            {
                reader.Refresh(_catalog);
            }
            catch (Microsoft.Data.Sqlite.SqliteException ex)
            {
                _readers.Return(reader, healthy: false);
                throw StorageFailure(ex, "opening a read-only connection to it");
            }
            catch
            {
                _readers.Return(reader, healthy: false);
                throw;
            }

            return new ReaderLease(this, reader);
        }
        catch
        {
            if (_inMemory)
            {
                _write.ReleaseWrites();
            }

            throw;
        }
    }

    private sealed class ReaderLease(MirrorStore store, ReaderPool.Reader reader) : IDisposable
    {
        public ReaderPool.Reader Reader { get; } = reader;

        public bool Healthy { get; set; } = true;

        public void Dispose()
        {
            store._readers.Return(Reader, Healthy);
            if (store._inMemory)
            {
                store._write.ReleaseWrites();
            }
        }
    }

    private sealed class RecordRow
    {
        public string Resource { get; set; } = string.Empty;

        public string RecordId { get; set; } = string.Empty;

        public string? Payload { get; set; }

        public string Source { get; set; } = string.Empty;

        public string LastSyncedAt { get; set; } = string.Empty;

        public string OccurredAt { get; set; } = string.Empty;

        public double Confidence { get; set; }

        public long Version { get; set; }

        public string? DeletedAt { get; set; }

        public MirroredRecord ToRecord() => new()
        {
            Resource = Resource,
            RecordId = RecordId,
            RawPayload = Payload,
            Source = Source,
            LastSyncedAt = Timestamps.Read(LastSyncedAt),
            OccurredAt = Timestamps.Read(OccurredAt),
            Confidence = Confidence,
            Version = Version,
            IsDeleted = DeletedAt is not null,
        };
    }
}
