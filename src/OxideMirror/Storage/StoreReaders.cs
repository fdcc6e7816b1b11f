using Microsoft.Data.Sqlite;

namespace OxideMirror;

/// <summary>
/// The store's read side: the pool of read-only connections and the one way to take one. A lease refreshes the reader
/// against the catalog and, for an in-memory store (no WAL), holds writes off while it is out; trusted reads and agent
/// queries both take their connection here.
/// </summary>
/// <remarks>Thread-safe: the pool and the write part's gate are.</remarks>
internal sealed class StoreReaders : IDisposable
{
    private readonly ReaderPool _pool;
    private readonly StoreWriter _write;
    private readonly Catalog _catalog;
    private readonly bool _inMemory;

    public StoreReaders(ReaderPool pool, StoreWriter write, Catalog catalog, bool inMemory)
    {
        _pool = pool;
        _write = write;
        _catalog = catalog;
        _inMemory = inMemory;
    }

    /// <summary>Gets the read-only connection string of the pool's connections.</summary>
    public string ConnectionString => _pool.ConnectionString;

    /// <summary>Gets the pool of query memory that every reader's allocations, and as-of snapshots, are charged to.</summary>
    public QueryMemoryPool Memory => _pool.Memory;

    /// <summary>
    /// Takes a read-only connection, refreshed to the catalog's schema generation; for an in-memory store, writes wait
    /// until the lease is disposed. Dispose the lease to give the connection back (set <see cref="ReaderLease.Healthy"/>
    /// to false first when it failed in a way that may have left it unusable).
    /// </summary>
    /// <remarks>The connection has no as-of views installed: its names resolve to the live tables.</remarks>
    public ValueTask<ReaderLease> LeaseAsync(CancellationToken cancellationToken) => LeaseAsync(asOf: false, cancellationToken);

    /// <summary>Takes a read-only connection, as <see cref="LeaseAsync(CancellationToken)"/> does, for an as-of query or not.</summary>
    /// <param name="asOf">
    /// True for an as-of query (<see cref="AsOfQueries"/>): the connection may have the as-of views installed. False for
    /// any other use: a connection that had them has them dropped first.
    /// </param>
    /// <param name="cancellationToken">A token to cancel the wait for a connection.</param>
    public async ValueTask<ReaderLease> LeaseAsync(bool asOf, CancellationToken cancellationToken)
    {
        if (_inMemory)
        {
            await _write.HoldWritesAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            _write.ThrowIfClosed();
            ReaderPool.Reader reader;
            try
            {
                reader = await _pool.RentAsync(asOf, cancellationToken).ConfigureAwait(false);
            }
            catch (SqliteException ex)
            {
                throw _write.StorageFailure(ex, "opening a read-only connection to it");
            }

            try
            {
                reader.Refresh(_catalog);
                if (!asOf)
                {
                    reader.DropAsOf();
                }
            }
            catch (SqliteException ex)
            {
                _pool.Return(reader, healthy: false);
                throw _write.StorageFailure(ex, "opening a read-only connection to it");
            }
            catch
            {
                _pool.Return(reader, healthy: false);
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

    /// <summary>
    /// Runs trusted read-only work on a leased connection; a SQLite failure becomes the store's storage error and retires
    /// the connection.
    /// </summary>
    public async Task<T> ReadAsync<T>(Func<SqliteConnection, CancellationToken, Task<T>> read, CancellationToken cancellationToken)
    {
        _write.ThrowIfClosed();
        using var lease = await LeaseAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await read(lease.Reader.Connection, cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException ex)
        {
            lease.Healthy = false;
            throw _write.StorageFailure(ex, "reading from it");
        }
    }

    /// <summary>Gives a leased reader back (<see cref="ReaderLease.Dispose"/>).</summary>
    internal void Return(ReaderPool.Reader reader, bool healthy)
    {
        _pool.Return(reader, healthy);
        if (_inMemory)
        {
            _write.ReleaseWrites();
        }
    }

    /// <summary>Closes the pooled connections and the query memory pool.</summary>
    public void Dispose()
    {
        _pool.Dispose();
        _pool.Memory.Dispose();
    }
}
