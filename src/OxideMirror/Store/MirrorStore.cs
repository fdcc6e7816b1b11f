using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace OxideMirror;

/// <summary>
/// A local, event-sourced SQLite mirror of remote API data: an append-only event log, the current records, per-source
/// cursors, and a safe, bounded read-only SQL path for agents.
/// </summary>
/// <remarks>
/// <para>
/// Open one store per database file and share it: the store is thread-safe. Writes (<see cref="ApplyAsync"/>,
/// <see cref="ApplyBatchAsync"/>, <see cref="SetCursorAsync"/>) go through one writer connection, one transaction per
/// call, in call order. Reads and queries use separate read-only connections; on a file store (WAL) they run while a
/// write is in progress and see only committed transactions. An in-memory store serialises reads with writes.
/// </para>
/// <para>
/// Microsoft.Data.Sqlite runs SQLite synchronously, so the asynchronous methods here complete their database work on the
/// calling thread once they hold the lock they wait for; they do not hop to the thread pool.
/// </para>
/// </remarks>
public sealed partial class MirrorStore : IAsyncDisposable
{
    /// <summary>The writer connection, which <see cref="_write"/> owns and closes.</summary>
    private readonly StoreWriter _write;
    private readonly ReaderPool _readers;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> _sourceGates = new(StringComparer.Ordinal);
    private readonly MirrorStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly bool _inMemory;
    private readonly Catalog _catalog;

    private MirrorStore(string? path, SqliteConnection writer, Catalog catalog, ReaderPool readers, MirrorStoreOptions options, ILogger logger)
    {
        Path = path;
        _write = new StoreWriter(writer, catalog, path, options, logger);
        _catalog = catalog;
        _readers = readers;
        _options = options;
        _time = options.TimeProvider;
        _logger = logger;
        _inMemory = path is null;
    }

    /// <summary>Gets the full path of the database file, or <see langword="null"/> for an in-memory store.</summary>
    public string? Path { get; }

    /// <summary>Gets the schema version of the open database (the highest applied migration).</summary>
    public int SchemaVersion { get; private init; }

    /// <summary>Gets the highest of your own migrations (<see cref="MirrorStoreOptions.Migrations"/>) the database has applied, or 0.</summary>
    public int UserSchemaVersion { get; private init; }

    /// <summary>Gets the options the store was opened with.</summary>
    public MirrorStoreOptions Options => _options;

    /// <summary>
    /// Opens the mirror in a SQLite file, creating the file and applying schema migrations as needed. A path that does
    /// not exist, an empty file and a SQLite database without tables become a new mirror; any other file is refused
    /// unchanged. Several processes may open (and create) the same file at once.
    /// </summary>
    /// <param name="path">The database file's path; its folder must exist.</param>
    /// <param name="options">The store's options, or <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">A token to cancel opening.</param>
    /// <returns>The open store; dispose it to close the file.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or white space, or <see cref="MirrorStoreOptions.Migrations"/> has a gap, a duplicate version or a null entry.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="MirrorSchemaException">The file is not a SQLite database, is another application's SQLite database (it holds tables but no mirror; it is left unchanged), was written by a newer OxideMirror, or one of your migrations failed (it was rolled back).</exception>
    /// <exception cref="MirrorStorageException">The file cannot be opened or written: the path is a directory, its folder is missing, it is read-only (<see cref="MirrorStorageFailure.ReadOnly"/>), its disk is full, or another process held its lock past <see cref="MirrorStoreOptions.BusyTimeout"/>.</exception>
    public static Task<MirrorStore> OpenAsync(string path, MirrorStoreOptions? options = null, CancellationToken cancellationToken = default)
    {
        Ids.ThrowIfBlank(path);
        cancellationToken.ThrowIfCancellationRequested();
        var full = System.IO.Path.GetFullPath(path);
        var builder = new SqliteConnectionStringBuilder { DataSource = full, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false };
        var reader = new SqliteConnectionStringBuilder { DataSource = full, Mode = SqliteOpenMode.ReadOnly, Pooling = false };
        return Task.FromResult(Open(full, builder, reader, options ?? new MirrorStoreOptions()));
    }

    /// <summary>
    /// Opens a private in-memory mirror, for tests and short-lived agents. It disappears when the store is disposed.
    /// Reads and queries wait for a write in progress (there is no WAL in memory).
    /// </summary>
    /// <param name="options">The store's options, or <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">A token to cancel opening.</param>
    /// <returns>The open store.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="ArgumentException"><see cref="MirrorStoreOptions.Migrations"/> has a gap, a duplicate version or a null entry.</exception>
    /// <exception cref="MirrorSchemaException">One of your migrations failed (it was rolled back).</exception>
    public static Task<MirrorStore> OpenInMemoryAsync(MirrorStoreOptions? options = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var name = "file:/oxidemirror-" + Guid.NewGuid().ToString("N") + "?vfs=memdb";
        var builder = new SqliteConnectionStringBuilder { DataSource = name, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false };
        var reader = new SqliteConnectionStringBuilder { DataSource = name, Mode = SqliteOpenMode.ReadOnly, Pooling = false };
        return Task.FromResult(Open(null, builder, reader, options ?? new MirrorStoreOptions()));
    }

    /// <summary>Waits for a write in progress, then closes the store's connections. Safe to call more than once.</summary>
    /// <returns>A task that completes when the store is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        await _write.CloseAsync(() =>
        {
            _readers.Dispose();
            _asOfCache?.Dispose();
            _readers.Memory.Dispose();
        }).ConfigureAwait(false);
    }

    private static MirrorStore Open(string? path, SqliteConnectionStringBuilder writerString, SqliteConnectionStringBuilder readerString, MirrorStoreOptions options)
    {
        options.Validate();
        var where = path ?? "an in-memory database";
        var logger = options.LoggerFactory.CreateLogger<MirrorStore>();
        SqliteConnection? writer = null;
        try
        {
            if (path is not null)
            {
                MirrorFile.ThrowIfNotMirror(path);
            }

            // Two processes opening one file at once can get SQLITE_BUSY without SQLite's busy handler waiting at all:
            // both switching a new file to WAL (SQLite refuses one at once rather than deadlock), or one opening the WAL
            // while the other sets it up. Microsoft.Data.Sqlite's retries used to hide this (and stretch every wait to
            // 30 s); now opening starts again on a fresh connection, each attempt waiting only for what is left of
            // BusyTimeout. Every step is safe to repeat: migrations read the version again under the write lock.
            var started = Stopwatch.GetTimestamp();
            int applied, userVersion;
            while (true)
            {
                writer = OpenWriter(path, writerString);
                try
                {
                    var left = options.BusyTimeout - Stopwatch.GetElapsedTime(started);
                    Configure(writer, path is not null, left > TimeSpan.Zero ? left : TimeSpan.Zero, where);
                    applied = Migrator.Migrate(writer, options.TimeProvider, where);
                    userVersion = UserMigrator.Migrate(writer, options.Migrations, options.TimeProvider, where, logger);
                    SetBusyTimeout(writer, options.BusyTimeout);
                    break;
                }
                catch (SqliteException ex) when (ex.SqliteErrorCode is StorageErrors.SqliteBusy && Stopwatch.GetElapsedTime(started) < options.BusyTimeout)
                {
                    writer.Dispose();
                    writer = null;
                    Thread.Sleep(10);
                }
            }

            StoreLog.Opened(logger, where, Migrator.LatestVersion, applied);
            var catalog = Catalog.Load(writer);
            var maxValueBytes = (int)Math.Min(int.MaxValue, Math.Max(options.MaxQueryBytes, 1_000_000));
            var readers = new ReaderPool(readerString.ToString(), options.MaxReaders, maxValueBytes, new QueryMemoryPool(options.QueryMemoryBudget));
            return new MirrorStore(path, writer, catalog, readers, options, logger) { SchemaVersion = Migrator.LatestVersion, UserSchemaVersion = userVersion };
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is StorageErrors.SqliteNotADatabase)
        {
            writer?.Dispose();
            throw MirrorFile.NotSqlite(where, ex);
        }
        catch (SqliteException ex)
        {
            writer?.Dispose();
            StoreLog.StorageFailed(logger, "opening", where, ex.SqliteExtendedErrorCode);
            throw StorageErrors.Translate(ex, path, "opening it", options.BusyTimeout);
        }
        catch
        {
            writer?.Dispose();
            throw;
        }
    }

    /// <summary>Opens the writer connection, refusing a file SQLite could open only for reading.</summary>
    private static SqliteConnection OpenWriter(string? path, SqliteConnectionStringBuilder writerString)
    {
        var writer = new SqliteConnection(writerString.ToString());
        try
        {
            writer.Open();

            // Microsoft.Data.Sqlite retries a statement that SQLite reports busy for the command's timeout (30 s by
            // default) on top of SQLite's own busy_timeout, so a write behind another process's lock waited about 30 s
            // per statement whatever BusyTimeout said. A negative timeout makes it give up at the first busy answer,
            // which SQLite returns only once busy_timeout (BusyTimeout) has passed.
            writer.DefaultTimeout = -1;

            // SQLite opens a file it may not write read-only without a word, and the first write then failed.
            if (path is not null && SQLitePCL.raw.sqlite3_db_readonly(writer.Handle, "main") == 1)
            {
                throw StorageErrors.ReadOnly(path, "opening it", ex: null);
            }

            return writer;
        }
        catch
        {
            writer.Dispose();
            throw;
        }
    }

    private static void SetBusyTimeout(SqliteConnection writer, TimeSpan busyTimeout)
    {
        using var command = writer.CreateCommand();
        command.CommandText = string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {(long)busyTimeout.TotalMilliseconds}");
        command.ExecuteNonQuery();
    }

    private static void Configure(SqliteConnection writer, bool file, TimeSpan busyTimeout, string where)
    {
        using var command = writer.CreateCommand();
        var busy = (long)busyTimeout.TotalMilliseconds;
        command.CommandText = $"PRAGMA busy_timeout = {busy}; PRAGMA foreign_keys = OFF; PRAGMA cache_size = -32768; PRAGMA wal_autocheckpoint = 16384;";
        command.ExecuteNonQuery();
        if (file)
        {
            // Refuse a database this build cannot use before switching it to WAL, which rewrites its header.
            Migrator.ThrowIfUnsupported(writer, where);
            command.CommandText = "PRAGMA journal_mode = WAL";
            var mode = command.ExecuteScalar() as string;
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new MirrorException($"The mirror needs WAL journaling, but SQLite kept journal_mode '{mode}'. Put the file on a local file system that supports shared memory.");
            }

            // The bundled SQLite defaults to FULL even in WAL; NORMAL loses nothing to a process crash, and a mirror can
            // re-fetch the last commits an OS crash might lose.
            command.CommandText = "PRAGMA synchronous = NORMAL";
        }
        else
        {
            command.CommandText = "PRAGMA synchronous = OFF";
        }

        command.ExecuteNonQuery();
    }

    /// <summary>Gets the lock that keeps two syncs of one source from overlapping, whichever syncer runs them.</summary>
    internal SemaphoreSlim SourceGate(string sourceId) => _sourceGates.GetOrAdd(sourceId, static _ => new SemaphoreSlim(1, 1));

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_write.IsClosed, this);
}
