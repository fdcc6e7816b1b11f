using System.Runtime.CompilerServices;

namespace OxideMirror;

public sealed partial class MirrorStore
{
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
        return row?.Live;
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
        return row?.Tombstone;
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
            var from = after;
            var page = await ReadAsync((connection, token) => RecordReader.ListPageAsync(connection, resource, from, pageSize, token), cancellationToken).ConfigureAwait(false);
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

    /// <summary>Lists every resource the mirror has seen, in name order.</summary>
    /// <param name="cancellationToken">A token to cancel the read.</param>
    /// <returns>The resource names.</returns>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public Task<IReadOnlyList<string>> ListResourcesAsync(CancellationToken cancellationToken = default) =>
        ReadAsync(RecordReader.ResourcesAsync, cancellationToken);

    /// <summary>Counts the live records (deleted ones excluded) of every resource.</summary>
    /// <param name="cancellationToken">A token to cancel the read.</param>
    /// <returns>The count per resource name; a resource whose records were all deleted counts 0.</returns>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public Task<IReadOnlyDictionary<string, long>> RecordCountsAsync(CancellationToken cancellationToken = default) =>
        ReadAsync(RecordReader.CountsAsync, cancellationToken);

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
        return ReadAsync((connection, token) => RecordReader.CursorAsync(connection, source, resource, token), cancellationToken);
    }

    private Task<RecordRow?> FindRowAsync(string resource, string recordId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(recordId);
        return ReadAsync((connection, token) => RecordReader.FindAsync(connection, resource, recordId, token), cancellationToken);
    }

    /// <summary>Runs trusted read-only work on a leased read connection (<see cref="StoreReaders.ReadAsync"/>).</summary>
    private Task<T> ReadAsync<T>(Func<Microsoft.Data.Sqlite.SqliteConnection, CancellationToken, Task<T>> read, CancellationToken cancellationToken) =>
        _readers.ReadAsync(read, cancellationToken);

    /// <summary>Takes a read connection (<see cref="StoreReaders.LeaseAsync(CancellationToken)"/>).</summary>
    private ValueTask<ReaderLease> LeaseReaderAsync(CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        return _readers.LeaseAsync(cancellationToken);
    }
}
