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
    private readonly QueryMemoryPool _memory;
    private readonly SemaphoreSlim _slots;
    private readonly int _maxReaders;
    private readonly ConcurrentBag<Reader> _idle = [];
    private readonly ConcurrentBag<Reader> _idleAsOf = [];
    private volatile bool _disposed;
    private int _open;

    public ReaderPool(string connectionString, int maxReaders, int maxValueBytes, QueryMemoryPool memory)
    {
        _connectionString = connectionString;
        _maxValueBytes = maxValueBytes;
        _memory = memory;
        _slots = new SemaphoreSlim(maxReaders, maxReaders);
        _maxReaders = maxReaders;
    }

    /// <summary>Gets the connection string the readers open (its data source is the store's file or memdb URI).</summary>
    public string ConnectionString => _connectionString;

    /// <summary>Gets the pool the store's agent queries charge their SQLite memory to.</summary>
    public QueryMemoryPool Memory => _memory;

    /// <summary>
    /// Takes an idle reader, or opens one when none is idle and a slot is free. <paramref name="asOf"/> says what the
    /// caller will do: an as-of query takes a reader that has the as-of views installed (<see cref="Reader.AsOf"/>), any
    /// other use one without them, so that neither has to make or drop them (which also throws away the statements the
    /// reader kept). When none of that kind is idle, a new reader is opened while fewer than the pool's maximum are open,
    /// and only then is one of the other kind taken.
    /// </summary>
    public async ValueTask<Reader> RentAsync(bool asOf, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, typeof(MirrorStore));
            var (preferred, other) = asOf ? (_idleAsOf, _idle) : (_idle, _idleAsOf);
            if (preferred.TryTake(out var reader))
            {
                return reader;
            }

            // Holding a slot, this caller finds a reader idle whenever the maximum is open.
            if (Interlocked.Increment(ref _open) > _maxReaders)
            {
                Interlocked.Decrement(ref _open);
                if (other.TryTake(out reader) || preferred.TryTake(out reader))
                {
                    return reader;
                }

                Interlocked.Increment(ref _open);
            }

            try
            {
                return Reader.Open(_connectionString, _maxValueBytes, _memory);
            }
            catch
            {
                Interlocked.Decrement(ref _open);
                throw;
            }
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
            Interlocked.Decrement(ref _open);
        }
        else
        {
            (reader.AsOf is null ? _idle : _idleAsOf).Add(reader);
        }

        _slots.Release();
    }

    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryTake(out var reader) || _idleAsOf.TryTake(out reader))
        {
            reader.Dispose();
        }
    }

    internal sealed class Reader : IDisposable
    {
        // Agent statements this connection keeps prepared after they ran, by text. Preparing is most of a small query's
        // cost, and through the as-of views it is most of the cost of being as of a moment; a statement accepted once is
        // accepted again (see QueryRunner.Run). They are disposed whenever the temp schema changes (RunTrusted), so all
        // of them were prepared through the views the connection holds now, or all against the live tables. Each holds a
        // few kilobytes, charged to the query memory pool while it is kept.
        private const int KeptCapacity = 32;
        private const int LongestKeptSql = 4096;
        private readonly Dictionary<string, KeptStatement> _kept = new(StringComparer.Ordinal);

        private Reader(SqliteConnection connection, QueryGuard guard)
        {
            Connection = connection;
            Guard = guard;
        }

        public SqliteConnection Connection { get; }

        public QueryGuard Guard { get; }

        /// <summary>Gets or sets the catalog's schema generation this connection last refreshed at.</summary>
        public int SchemaGeneration { get; set; }

        /// <summary>
        /// Gets or sets the as-of views installed on this connection, or null. While they are, an unqualified resource
        /// name resolves to a view: only as-of queries may run on the connection (<see cref="DropAsOf"/> first otherwise).
        /// </summary>
        public AsOfViewSet? AsOf { get; set; }

        /// <summary>Drops the installed as-of views, if any, so that names resolve to the live tables again.</summary>
        /// <exception cref="MirrorException">They could not be dropped; retire the connection.</exception>
        public void DropAsOf()
        {
            if (AsOf is { } views)
            {
                AsOf = null;
                RunTrusted(views.Drop);
            }
        }

        /// <summary>
        /// Runs the store's own statements on this query connection: lets them past the authorizer and <c>query_only</c>
        /// (which also covers the temp schema), and puts both back whatever happens. They change the temp schema, so the
        /// kept statements are disposed first: none is ever prepared again by SQLite while a query runs it.
        /// </summary>
        /// <exception cref="MirrorException">A statement failed; retire the connection.</exception>
        public void RunTrusted(IReadOnlyList<string> statements)
        {
            Forget();
            using var command = Connection.CreateCommand();
            Guard.Trusted = true;
            try
            {
                command.CommandText = "PRAGMA query_only = 0";
                command.ExecuteNonQuery();
                foreach (var statement in statements)
                {
                    command.CommandText = statement;
                    command.ExecuteNonQuery();
                }
            }
            catch (SqliteException ex)
            {
                throw new MirrorException($"Could not prepare the mirror's as-of views on a query connection (SQLite error {ex.SqliteErrorCode}: {ex.Message}); the connection was retired. Retry the query.", ex);
            }
            finally
            {
                try
                {
                    command.CommandText = "PRAGMA query_only = 1";
                    command.ExecuteNonQuery();
                }
                finally
                {
                    Guard.Trusted = false;
                }
            }
        }

        /// <summary>
        /// Makes the connection reload the schema if the writer changed it. Statements re-prepare on a schema change by
        /// themselves, but <c>EXPLAIN QUERY PLAN</c> starts no read transaction and would explain against the old schema.
        /// </summary>
        public void Refresh(Catalog catalog)
        {
            Guard.Search = catalog.Search;
            var generation = catalog.SchemaGeneration;
            if (generation == SchemaGeneration)
            {
                return;
            }

            using var command = Connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM sqlite_schema";
            command.ExecuteScalar();
            SchemaGeneration = generation;
            Forget();
        }

        /// <summary>
        /// Opens and hardens a read-only connection to the data source of <paramref name="connectionString"/>, through
        /// the <see cref="TempFileVfs"/> wrapper of the VFS it would otherwise use.
        /// </summary>
        public static Reader Open(string connectionString, int maxValueBytes, QueryMemoryPool memory)
        {
            SqliteSetup.Prepare();
            var builder = new SqliteConnectionStringBuilder(connectionString);
            var baseVfs = SqliteUri.BaseVfs(builder.DataSource);
            var wrapper = TempFileVfs.WrapperOf(baseVfs)
                ?? throw new MirrorException($"The VFS {baseVfs} has no OxideMirror temp-file wrapper, so no query connection can be opened on it.");
            builder.DataSource = SqliteUri.For(builder.DataSource, wrapper, readOnly: false);
            var connection = new SqliteConnection(builder.ToString());
            try
            {
                connection.Open();
                var guard = QueryGuard.Install(connection.Handle!, maxValueBytes, memory);
                var reader = new Reader(connection, guard);
                AsOfViews.RegisterMoment(connection.Handle!, () => reader.AsOf?.Moment);
                return reader;
            }
            catch
            {
                connection.Dispose();
                throw;
            }
        }

        /// <summary>
        /// Takes the statement this connection kept for <paramref name="text"/>, prepared through the views it holds now (or
        /// against the live tables when it holds none); the caller runs it, and keeps or disposes it.
        /// </summary>
        public bool TryTake(string text, out KeptStatement kept)
        {
            if (_kept.Remove(text, out kept!))
            {
                return true;
            }

            kept = null!;
            return false;
        }

        /// <summary>
        /// Keeps <paramref name="kept"/> for the next run of its text on this connection, unless the text is long or the
        /// statement was prepared at an older schema generation; otherwise disposes it.
        /// </summary>
        public void Keep(string text, KeptStatement kept)
        {
            if (text.Length > LongestKeptSql || kept.Generation != SchemaGeneration)
            {
                kept.Statement.Dispose();
                return;
            }

            if (_kept.Count >= KeptCapacity)
            {
                Forget();
            }

            _kept[text] = kept;
        }

        public void Dispose()
        {
            Forget();
            Connection.Dispose();
        }

        /// <summary>Disposes the kept statements.</summary>
        private void Forget()
        {
            foreach (var kept in _kept.Values)
            {
                kept.Statement.Dispose();
            }

            _kept.Clear();
        }
    }

    /// <summary>
    /// An agent statement a <see cref="Reader"/> keeps prepared: what its first preparation found (the tables the
    /// authorizer saw it read, and its value-touching steps, or null for an <c>EXPLAIN</c>) and the schema generation it
    /// was prepared at.
    /// </summary>
    internal sealed record KeptStatement(SQLitePCL.sqlite3_stmt Statement, string[] TablesRead, int? ValueSteps, int Generation);
}
