using System.Diagnostics.CodeAnalysis;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace OxideMirror;

/// <summary>
/// The one write path: owns the store's writer connection and its write gate, and is the only code that writes
/// <c>mirror_events</c>, <c>mirror_records</c>, <c>mirror_cursors</c> and the resource tables. Every write runs through
/// <see cref="WriteAsync{T}"/> (gate, <c>BEGIN IMMEDIATE</c>, work, <c>COMMIT</c>; on failure a rollback, a reset of the
/// apply path's caches and a storage error naming the file), or, for work SQLite cannot run in a transaction, through
/// <see cref="ExclusiveAsync{T}"/>. It completes the commit signal watchers wait for, counts compaction steps for time
/// travel, and serialises maintenance (<see cref="MaintainAsync{T}"/>). Thread-safe.
/// </summary>
[SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "CloseAsync closes the connection; the gates stay undisposed, as before, so a caller still waiting on one when the store closes gets the store's ObjectDisposedException, not the semaphore's.")]
internal sealed partial class StoreWriter
{
    private readonly SqliteConnection _connection;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly SemaphoreSlim _maintenance = new(1, 1);
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string? _path;
    private readonly TimeSpan _busyTimeout;

    /// <summary>Completed (and replaced) after every commit and on close: the wake-up for watchers.</summary>
    private TaskCompletionSource _committed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The newest applied time in the log (read at open, then kept under the write gate).</summary>
    private DateTimeOffset _lastAppliedAt;

    private int _closed;

    /// <summary>Takes over an open, migrated writer connection (and closes it on <see cref="CloseAsync"/>).</summary>
    /// <param name="connection">The writer connection.</param>
    /// <param name="catalog">The store's catalog, which commits publish to.</param>
    /// <param name="path">The database file, or <see langword="null"/> for an in-memory database.</param>
    /// <param name="options">The store's options.</param>
    /// <param name="logger">The store's logger.</param>
    public StoreWriter(SqliteConnection connection, Catalog catalog, string? path, MirrorStoreOptions options, ILogger logger)
    {
        _connection = connection;
        _path = path;
        _time = options.TimeProvider;
        _busyTimeout = options.BusyTimeout;
        _logger = logger;
        Catalog = catalog;
        Records = new RecordWriter(connection, catalog, options.MaxPayloadBytes);
        _lastAppliedAt = EventLog.LastAppliedAt(connection);
    }

    /// <summary>Gets the catalog that commits publish to.</summary>
    public Catalog Catalog { get; }

    /// <summary>Gets the apply path's prepared commands; use them only inside <see cref="WriteAsync{T}"/>'s work.</summary>
    public RecordWriter Records { get; }

    /// <summary>Gets whether the database is a file (rather than in memory).</summary>
    public bool IsFile => _path is not null;

    /// <summary>Gets whether <see cref="CloseAsync"/> has begun.</summary>
    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>
    /// Gets the current commit signal: a task that completes after the next commit (or on close). Take it before reading,
    /// so that a commit landing between the read and the wait still completes it.
    /// </summary>
    public Task CommitSignal() => Volatile.Read(ref _committed).Task;

    /// <summary>
    /// Runs one write transaction: waits for the write gate, begins <c>IMMEDIATE</c>, binds the apply path to it, runs
    /// <paramref name="work"/> and commits; then publishes the apply path's changes, runs the work's after-commit actions
    /// and completes the commit signal. On any failure it rolls back, makes the apply path reload its cached tables, and
    /// turns a SQLite failure into a <see cref="MirrorStorageException"/> naming the file and <paramref name="doing"/>.
    /// </summary>
    /// <param name="work">The work, given the transaction; it runs on the calling thread, holding the gate.</param>
    /// <param name="doing">Names the work in a storage failure, for example "applying a batch of 3 delta(s)".</param>
    /// <param name="cancellationToken">A token to cancel while waiting for the gate or before the transaction begins.</param>
    /// <param name="appendsToLog">
    /// Whether the work appends to the log: then its time is never earlier than the log's newest applied time (whatever the
    /// clock does), and becomes it on commit.
    /// </param>
    public async Task<T> WriteAsync<T>(Func<WriteTransaction, T> work, Func<string> doing, CancellationToken cancellationToken, bool appendsToLog = false)
    {
        ThrowIfClosed();
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfClosed();
            cancellationToken.ThrowIfCancellationRequested();

            // Applied times never go backwards, whatever the clock does (an NTP step, a restored VM): time travel,
            // changes since a time and compaction by age all read the log's applied times as its order.
            var now = _time.GetUtcNow();
            if (appendsToLog && now < _lastAppliedAt)
            {
                now = _lastAppliedAt;
            }

            SqliteTransaction? transaction = null;
            var committed = false;
            try
            {
                transaction = _connection.BeginTransaction(deferred: false);
                Records.Begin(transaction);
                var scope = new WriteTransaction(transaction, now);
                var result = work(scope);
                SearchIndexes.Flush(_connection, transaction, Catalog.Search);
                transaction.Commit();
                committed = true;
                if (appendsToLog)
                {
                    _lastAppliedAt = now;
                }

                Records.Committed(now);
                scope.Committed();
                SignalCommitted();
                return result;
            }
            catch (SqliteException ex)
            {
                throw StorageFailure(ex, doing());
            }
            finally
            {
                if (!committed)
                {
                    // The rolled-back work may have created tables or columns the apply path cached: reload them.
                    Records.RolledBack();
                }

                if (transaction is not null)
                {
                    Transactions.End(_connection, transaction);
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Runs work on the writer connection outside a transaction (a temp table, <c>VACUUM</c>, a measurement), holding the
    /// write gate; a SQLite failure becomes a <see cref="MirrorStorageException"/> naming <paramref name="doing"/>.
    /// </summary>
    public async Task<T> ExclusiveAsync<T>(Func<SqliteConnection, T> work, string doing, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfClosed();
            cancellationToken.ThrowIfCancellationRequested();
            return work(_connection);
        }
        catch (SqliteException ex)
        {
            throw StorageFailure(ex, doing);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Runs maintenance (rebuild, what-if replay, compaction) so that no two run at once; writes are not held off by this
    /// alone, only by the write gate each step takes.
    /// </summary>
    public async Task<T> MaintainAsync<T>(Func<Task<T>> work, CancellationToken cancellationToken)
    {
        ThrowIfClosed();
        await _maintenance.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await work().ConfigureAwait(false);
        }
        finally
        {
            _maintenance.Release();
        }
    }

    /// <summary>Holds writes off, for a reader of an in-memory database (which SQLite serialises with the writer).</summary>
    public Task HoldWritesAsync(CancellationToken cancellationToken) => _gate.WaitAsync(cancellationToken);

    /// <summary>Lets writes go on after <see cref="HoldWritesAsync"/>.</summary>
    public void ReleaseWrites() => _gate.Release();

    /// <summary>
    /// Closes the write path: wakes every watcher, waits for a write in progress, runs <paramref name="closing"/> under
    /// the gate, then checkpoints a file's WAL and closes the connection. Returns <see langword="false"/> if already closed.
    /// </summary>
    public async ValueTask<bool> CloseAsync(Action closing)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return false;
        }

        SignalCommitted();
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            closing();
            Records.Dispose();
            if (IsFile)
            {
                try
                {
                    using var checkpoint = _connection.CreateCommand();
                    checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
                    checkpoint.ExecuteNonQuery();
                }
                catch (SqliteException ex)
                {
                    StoreLog.CheckpointFailed(_logger, ex.SqliteErrorCode);
                }
            }

            _connection.Dispose();
        }
        finally
        {
            _gate.Release();
        }

        return true;
    }

    /// <summary>Logs a storage failure of the store's own work and builds the exception that names the file and the fix.</summary>
    public MirrorException StorageFailure(SqliteException ex, string doing)
    {
        StoreLog.StorageFailed(_logger, doing, _path ?? "an in-memory database", ex.SqliteExtendedErrorCode);
        return StorageErrors.Translate(ex, _path, doing, _busyTimeout);
    }

    /// <summary>Throws the store's <see cref="ObjectDisposedException"/> once <see cref="CloseAsync"/> has begun.</summary>
    public void ThrowIfClosed() => ObjectDisposedException.ThrowIf(IsClosed, typeof(MirrorStore));

    /// <summary>Wakes every watcher: after each commit, and on close.</summary>
    private void SignalCommitted() =>
        Interlocked.Exchange(ref _committed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
