using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace OxideMirror;

/// <summary>
/// Owns the store's read-only connections: opened unpooled (so no other code in the process can be handed one),
/// hardened once by <see cref="QueryGuard"/>, and lent to one caller at a time.
/// </summary>
internal sealed class ReaderPool : IDisposable
{
    private readonly string _connectionString;
    private readonly int _maxValueBytes;
    private readonly SemaphoreSlim _slots;
    private readonly ConcurrentBag<Reader> _idle = [];
    private volatile bool _disposed;

    public ReaderPool(string connectionString, int maxReaders, int maxValueBytes)
    {
        _connectionString = connectionString;
        _maxValueBytes = maxValueBytes;
        _slots = new SemaphoreSlim(maxReaders, maxReaders);
    }

    public async ValueTask<Reader> RentAsync(CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, typeof(MirrorStore));
            if (_idle.TryTake(out var reader))
            {
                return reader;
            }

            return Reader.Open(_connectionString, _maxValueBytes);
        }
        catch
        {
            _slots.Release();
            throw;
        }
    }

    public void Return(Reader reader, bool healthy = true)
    {
        if (_disposed || !healthy)
        {
            reader.Dispose();
        }
        else
        {
            _idle.Add(reader);
        }

        _slots.Release();
    }

    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryTake(out var reader))
        {
            reader.Dispose();
        }
    }

    internal sealed class Reader : IDisposable
    {
        private Reader(SqliteConnection connection, QueryGuard guard)
        {
            Connection = connection;
            Guard = guard;
        }

        public SqliteConnection Connection { get; }

        public QueryGuard Guard { get; }

        public static Reader Open(string connectionString, int maxValueBytes)
        {
            var connection = new SqliteConnection(connectionString);
            try
            {
                connection.Open();
                var guard = QueryGuard.Install(connection.Handle!, maxValueBytes);
                return new Reader(connection, guard);
            }
            catch
            {
                connection.Dispose();
                throw;
            }
        }

        public void Dispose() => Connection.Dispose();
    }
}
