using Npgsql;

namespace OxideMirror.PostgreSql;

/// <summary>
/// A mirror on PostgreSQL that many sync workers write and many agents read, on one or several machines: the same event
/// log, records, tombstones, per-resource tables and cursors as the SQLite <see cref="MirrorStore"/>, decided by the same
/// rules (<see cref="DeltaRules"/>), each page committed in one transaction, and agent SQL run as a SELECT-only role in
/// a read-only, bounded transaction.
/// </summary>
/// <remarks>
/// Thread-safe: every call takes its own connection from Npgsql's pool. Pages of different sources, from this process or
/// others, commit concurrently; pages of one source never interleave — a page takes the source's transaction-level
/// advisory lock, and a worker holding <see cref="LockSourceAsync"/>'s lease holds it for a whole sync — and a page
/// whose source is locked elsewhere is refused with a <see cref="SourceLockedException"/>.
/// </remarks>
public sealed partial class PostgresMirrorStore : IAsyncDisposable
{
    private readonly NpgsqlDataSource _data;
    private readonly NpgsqlDataSource _agent;
    private readonly NpgsqlDataSource _leases;
    private readonly NpgsqlDataSource _listen;
    private readonly CancellationTokenSource _closing = new();
    private readonly PostgresMirrorStoreOptions _options;
    private readonly string _q;
    private string _lockScope = string.Empty;
    private readonly string _channel;
    private readonly PgEventLog _log;
    private readonly object _clock = new();
    private DateTimeOffset _lastAppliedAt;
    private int _disposed;

    private PostgresMirrorStore(NpgsqlDataSource data, NpgsqlDataSource agent, NpgsqlDataSource leases, NpgsqlDataSource listen, PostgresMirrorStoreOptions options)
    {
        _data = data;
        _agent = agent;
        _leases = leases;
        _listen = listen;
        _options = options;
        _q = PgNames.Quote(options.Schema);
        _channel = PgLogPositions.Channel(options.Schema);
        _log = new PgEventLog(_q);
    }

    /// <summary>Gets the schema that holds the mirror.</summary>
    public string Schema => _options.Schema;

    /// <summary>Gets the login role agent queries run as.</summary>
    public string AgentRole => _options.AgentRoleName;

    /// <summary>
    /// Opens the mirror in <paramref name="connectionString"/>'s database: creates its schema and tables, or migrates them
    /// to this version, once, under an advisory lock (so two processes opening one mirror at once are safe).
    /// </summary>
    /// <param name="connectionString">An Npgsql connection string of a role that owns (or may create) the mirror's schema.</param>
    /// <param name="options">The store's options, or <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">A token to cancel the open.</param>
    /// <returns>The open store.</returns>
    /// <exception cref="ArgumentException"><paramref name="connectionString"/> is empty or not a connection string, or an option is invalid.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="MirrorSchemaException">The schema was written by a newer version of this package.</exception>
    /// <exception cref="MirrorStorageException">The server cannot be reached, or refused the migration.</exception>
    public static async Task<PostgresMirrorStore> OpenAsync(string connectionString, PostgresMirrorStoreOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        options ??= new PostgresMirrorStoreOptions();
        options.Validate();
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"The connection string is not one Npgsql reads ({ex.Message}). Pass a string such as \"Host=localhost;Database=mirror;Username=mirror_owner\".", nameof(connectionString), ex);
        }

        var agentConnection = options.AgentConnectionString ?? new NpgsqlConnectionStringBuilder(builder.ConnectionString)
        {
            Username = options.AgentRoleName,
            Password = options.AgentPassword,
            // Agent sessions are pooled (a new session costs milliseconds: the login, its authentication, its first
            // catalog reads); each query resets its session with DISCARD ALL before the pool takes it back, so nothing an
            // earlier query set survives into the next.
        }.ConnectionString;

        var data = NpgsqlDataSource.Create(builder.ConnectionString);
        var agent = NpgsqlDataSource.Create(agentConnection);
        // A lease's session lock must die with its connection, not idle on in a pool: leases connect unpooled.
        var leases = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(builder.ConnectionString) { Pooling = false }.ConnectionString);
        // A watch listens on a connection of its own for as long as it runs: unpooled, named, kept alive.
        var listen = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(builder.ConnectionString)
        {
            Pooling = false,
            ApplicationName = "oxidemirror-watch",
            KeepAlive = builder.KeepAlive > 0 ? builder.KeepAlive : 30,
        }.ConnectionString);
        var store = new PostgresMirrorStore(data, agent, leases, listen, options);
        try
        {
            await using var connection = await store.OpenConnectionAsync("opening the mirror", cancellationToken).ConfigureAwait(false);
            await PgMigrator.MigrateAsync(connection, options.Schema, cancellationToken).ConfigureAwait(false);
            var salt = (string)(await PgSql.ScalarAsync(connection, null, $"SELECT salt FROM {store._q}.mirror_lock_salt", cancellationToken).ConfigureAwait(false))!;
            store._lockScope = PgLocks.Scope(options.Schema, salt);
            var last = await PgSql.ScalarAsync(connection, null, $"SELECT max(applied_at) FROM {store._q}.mirror_events", cancellationToken).ConfigureAwait(false);
            store._lastAppliedAt = last is DateTime t ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)) : DateTimeOffset.MinValue;
            return store;
        }
        catch (PostgresException ex)
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw store.Failure(ex, "migrating the mirror's schema");
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Closes the store's connection pools.</summary>
    /// <returns>A task that completes when the pools are closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Ends the watches: each one's wait is cancelled, and it throws ObjectDisposedException.
        await _closing.CancelAsync().ConfigureAwait(false);
        await _data.DisposeAsync().ConfigureAwait(false);
        await _agent.DisposeAsync().ConfigureAwait(false);
        await _leases.DisposeAsync().ConfigureAwait(false);
        await _listen.DisposeAsync().ConfigureAwait(false);
        _closing.Dispose();
    }

    /// <summary>Gets the time a page writes at: the clock, but never earlier than the last page this store wrote.</summary>
    internal DateTimeOffset Now()
    {
        lock (_clock)
        {
            var now = _options.TimeProvider.GetUtcNow();
            // PostgreSQL keeps microseconds: truncate, so the time read back equals the time written.
            now = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % 10), TimeSpan.Zero);
            if (now < _lastAppliedAt)
            {
                now = _lastAppliedAt;
            }

            _lastAppliedAt = now;
            return now;
        }
    }

    internal Task<NpgsqlConnection> OpenConnectionAsync(string doing, CancellationToken cancellationToken) => OpenOnAsync(_data, doing, cancellationToken);

    internal async Task<NpgsqlConnection> OpenOnAsync(NpgsqlDataSource source, string doing, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        try
        {
            return await source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException ex) when (ex is not PostgresException)
        {
            throw new MirrorStorageException($"The PostgreSQL server could not be reached while {doing} ({ex.Message}). Check the connection string's host, port and credentials, and that the server is running; then retry.", MirrorStorageFailure.Other, path: null, ex);
        }
        catch (PostgresException ex)
        {
            throw Failure(ex, doing);
        }
    }

    /// <summary>Turns a server failure of the store's own work into the storage error that names what failed and the fix.</summary>
    internal MirrorStorageException Failure(PostgresException ex, string doing)
    {
        var failure = ex.SqlState switch
        {
            "40001" or "40P01" or "55P03" => MirrorStorageFailure.Busy,
            "53100" => MirrorStorageFailure.DiskFull,
            "25006" => MirrorStorageFailure.ReadOnly,
            _ => MirrorStorageFailure.Other,
        };
        var fix = failure switch
        {
            MirrorStorageFailure.Busy => "Another worker's transaction conflicted with this one; retry.",
            MirrorStorageFailure.DiskFull => "Free space on the server's disk, then retry.",
            MirrorStorageFailure.ReadOnly => "Connect to the primary server (not a replica) with a role that owns the mirror's schema.",
            _ => "Check that the connection string's role owns (or may create) the schema, then retry.",
        };
        return new MirrorStorageException($"PostgreSQL failed while {doing} in schema '{Schema}' ({ex.SqlState}: {ex.MessageText}); nothing of it was written. {fix}", failure, path: null, ex);
    }
}
