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
    private readonly ConcurrentBag<Reader> _idle = [];
    private readonly ConcurrentBag<Reader> _idleAsOf = [];
    private volatile bool _disposed;

    public ReaderPool(string connectionString, int maxReaders, int maxValueBytes, QueryMemoryPool memory)
    {
        _connectionString = connectionString;
        _maxValueBytes = maxValueBytes;
        _memory = memory;
        _slots = new SemaphoreSlim(maxReaders, maxReaders);
    }

    /// <summary>Gets the connection string the readers open (its data source is the store's file or memdb URI).</summary>
    public string ConnectionString => _connectionString;

    /// <summary>Gets the pool the store's agent queries charge their SQLite memory to.</summary>
    public QueryMemoryPool Memory => _memory;

    /// <summary>
    /// Takes an idle reader, or opens one when none is idle and a slot is free. <paramref name="asOf"/> says what the
    /// caller will do: an as-of query takes a reader that has the as-of views installed (<see cref="Reader.AsOf"/>) when
    /// one is idle, any other use one without them, so that neither has to make or drop them where it can be helped.
    /// </summary>
    public async ValueTask<Reader> RentAsync(bool asOf, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, typeof(MirrorStore));
            var (preferred, other) = asOf ? (_idleAsOf, _idle) : (_idle, _idleAsOf);
            if (preferred.TryTake(out var reader) || other.TryTake(out reader))
            {
                return reader;
            }

            return Reader.Open(_connectionString, _maxValueBytes, _memory);
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
        // Counts of value-touching program steps (ProgramCost) by SQL text, with the schema generation they were read at:
        // an agent repeating a query skips the second compile that reading its program costs.
        private const int CostCapacity = 256;
        private const int LongestCachedSql = 4096;
        private readonly Dictionary<(string? Views, string Text), (int Generation, int Steps)> _costs = [];

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
                RunTrusted(views.Drop, at: null);
            }
        }

        /// <summary>
        /// Runs the store's own statements on this query connection: lets them past the authorizer and <c>query_only</c>
        /// (which also covers the temp schema), and puts both back whatever happens. <paramref name="at"/>, when given, is
        /// bound as <c>$at</c>.
        /// </summary>
        /// <exception cref="MirrorException">A statement failed; retire the connection.</exception>
        public void RunTrusted(IReadOnlyList<string> statements, string? at)
        {
            using var command = Connection.CreateCommand();
            if (at is not null)
            {
                command.Parameters.AddWithValue("$at", at);
            }

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
                    command.Parameters.Clear();
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
                return new Reader(connection, guard);
            }
            catch
            {
                connection.Dispose();
                throw;
            }
        }

        /// <summary>
        /// Returns how many steps of <paramref name="text"/>'s program can touch a value of any size, from this reader's
        /// cache when it was counted at the current schema generation. A schema change made by another process on the
        /// same file does not move the generation; a query that read it through <c>SELECT *</c> is then short by the new
        /// columns until this store changes its own schema.
        /// </summary>
        public int ProgramSteps(string text, ReadOnlySpan<byte> utf8)
        {
            // As of a moment the same text compiles through the as-of views, to another program: cached under the views'
            // nonce (the same views whatever the moment).
            var key = (Guard.AsOfViews is not null ? AsOf?.Nonce : null, text);
            if (_costs.TryGetValue(key, out var known) && known.Generation == SchemaGeneration)
            {
                return known.Steps;
            }

            var steps = ProgramCost.Measure(Connection.Handle!, utf8);
            if (text.Length <= LongestCachedSql)
            {
                if (_costs.Count >= CostCapacity)
                {
                    _costs.Clear();
                }

                _costs[key] = (SchemaGeneration, steps);
            }

            return steps;
        }

        public void Dispose() => Connection.Dispose();
    }
}
