using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace OxideMirror;

/// <summary>Opens a mirror's database: the writer connection, its settings and migrations, the catalog and the readers.</summary>
internal static class StoreOpener
{
    /// <summary>
    /// Validates the options, refuses a file that is not a mirror, opens the writer connection (retrying a busy start
    /// within <see cref="MirrorStoreOptions.BusyTimeout"/>), configures it, applies the migrations, loads the catalog and
    /// creates the reader pool. Storage failures become the store's exceptions; nothing stays open after a failure.
    /// </summary>
    public static Opened Open(string? path, SqliteConnectionStringBuilder writerString, SqliteConnectionStringBuilder readerString, MirrorStoreOptions options)
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
                    EnsureHistoryTables(writer);
                    EnsureRowCounts(writer);
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
            return new Opened(writer, catalog, readers, userVersion, logger);
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

    /// <summary>
    /// Gives every resource table of a store made before schema version 6 its history table keyed by <see cref="HistoryKey"/>
    /// (time travel reads it): made for a store from before version 3, made again for one from before version 6.
    /// </summary>
    private static void EnsureHistoryTables(SqliteConnection writer) => Complete(
        writer,
        $"SELECT EXISTS (SELECT 1 FROM mirror_resources WHERE {ResourceTable.UnkeyedHistoryFilter})",
        ResourceTable.EnsureHistoryTables);

    /// <summary>Counts the rows of every resource table whose count is not known yet (a store made before schema version 5).</summary>
    private static void EnsureRowCounts(SqliteConnection writer) => Complete(
        writer,
        "SELECT EXISTS (SELECT 1 FROM mirror_resources WHERE row_count IS NULL)",
        ResourceTable.CountRows);

    /// <summary>
    /// Finishes, under the write lock, what a schema script could not do in SQL alone (work per resource table), when
    /// <paramref name="pendingSql"/> says some is left: a store that has nothing left pays that one read.
    /// </summary>
    private static void Complete(SqliteConnection writer, string pendingSql, Action<SqliteConnection, SqliteTransaction> complete)
    {
        using (var check = writer.CreateCommand())
        {
            check.CommandText = pendingSql;
            if ((long)check.ExecuteScalar()! == 0)
            {
                return;
            }
        }

        var transaction = writer.BeginTransaction(deferred: false);
        try
        {
            complete(writer, transaction);
            transaction.Commit();
        }
        finally
        {
            Transactions.End(writer, transaction);
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

    /// <summary>What opening produced, for the store to own.</summary>
    internal sealed record Opened(SqliteConnection Writer, Catalog Catalog, ReaderPool Readers, int UserVersion, ILogger Logger);
}
