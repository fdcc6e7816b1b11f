using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace OxideMirror;

/// <summary>
/// Checkpoints a file store's WAL off the write path: the writer connection's commit hook wakes a background task once
/// the WAL holds <see cref="BackgroundPages"/> pages, and that task copies them into the database on a connection of its
/// own, in two steps. First a <c>PASSIVE</c> checkpoint while writes go on (it blocks neither the writer nor a reader);
/// then, holding the write gate, a second one that copies only what was committed meanwhile. A WAL restarts from its
/// beginning only at a write that finds it wholly copied, which a writer that never pauses would never give a checkpoint
/// running beside it; the short second step does. If the background still falls behind (a slow disk, a long reader
/// holding old pages), the hook checkpoints on the writer itself once the WAL reaches <see cref="InlinePages"/>, as
/// SQLite's automatic checkpoint would. It is the only code that checkpoints: close and <c>VACUUM</c> truncate through
/// <see cref="Truncate"/>, which waits for a background step in progress. Thread-safe.
/// </summary>
/// <remarks>
/// SQLite's automatic checkpoint (<c>wal_autocheckpoint</c>) runs inside the <c>COMMIT</c> that crosses its threshold, so
/// every few hundred pages of a sync one page's commit also copied and synced tens of megabytes. Where the hook cannot be
/// set (another SQLite library than e_sqlite3), the writer keeps SQLite's automatic checkpoint at the same threshold.
/// </remarks>
internal sealed class WalCheckpointer : IDisposable
{
    /// <summary>The WAL size, in pages, at which a commit wakes the background checkpoint: 64 MiB of 4 KiB pages.</summary>
    public const int DefaultBackgroundPages = 16384;

    private readonly SqliteConnection _connection;
    private readonly nint _writer;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly ILogger _logger;
    private readonly Func<CancellationToken, Task> _holdWrites;
    private readonly Action _releaseWrites;
    private readonly Task _loop;
    private GCHandle _self;
    private int _wakePending;
    private long _background;
    private long _inline;
    private int _disposed;

    private unsafe WalCheckpointer(SqliteConnection writer, string connectionString, int backgroundPages, Func<CancellationToken, Task> holdWrites, Action releaseWrites, ILogger logger)
    {
        _holdWrites = holdWrites;
        _releaseWrites = releaseWrites;
        BackgroundPages = backgroundPages;
        InlinePages = checked(backgroundPages * 4);
        _logger = logger;
        _connection = new SqliteConnection(connectionString);
        _connection.Open();
        _connection.DefaultTimeout = -1;
        using (var command = _connection.CreateCommand())
        {
            command.CommandText = "PRAGMA cache_size = -512";
            command.ExecuteNonQuery();
        }

        _writer = writer.Handle!.DangerousGetHandle();
        _self = GCHandle.Alloc(this);
        NativeMethods.WalHook(_writer, &OnCommit, (void*)GCHandle.ToIntPtr(_self));
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Gets the WAL size, in pages, at which a commit wakes the background checkpoint.</summary>
    public int BackgroundPages { get; }

    /// <summary>Gets the WAL size, in pages, at which a commit checkpoints on the writer itself.</summary>
    public int InlinePages { get; }

    /// <summary>Gets how many background checkpoints have run.</summary>
    public long BackgroundCheckpoints => Interlocked.Read(ref _background);

    /// <summary>Gets how many checkpoints the writer ran itself because the background had fallen behind.</summary>
    public long InlineCheckpoints => Interlocked.Read(ref _inline);

    /// <summary>
    /// Sets <paramref name="writer"/>'s commit hook and starts the background checkpoint; returns <see langword="null"/>
    /// (leaving SQLite's automatic checkpoint in place) when e_sqlite3 cannot be called directly.
    /// </summary>
    /// <param name="writer">The store's open writer connection, in WAL mode.</param>
    /// <param name="connectionString">The connection string of the checkpoint's own connection to the same file.</param>
    /// <param name="backgroundPages">The WAL size, in pages, at which to checkpoint in the background.</param>
    /// <param name="holdWrites">Waits for the write gate (and takes it), for the second step.</param>
    /// <param name="releaseWrites">Releases the write gate.</param>
    /// <param name="logger">The store's logger, for failed checkpoints.</param>
    public static WalCheckpointer? Start(SqliteConnection writer, string connectionString, int backgroundPages, Func<CancellationToken, Task> holdWrites, Action releaseWrites, ILogger logger)
    {
        try
        {
            return new WalCheckpointer(writer, connectionString, backgroundPages, holdWrites, releaseWrites, logger);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
        catch (SqliteException ex)
        {
            // The writer keeps SQLite's automatic checkpoint; the store works as before.
            StoreLog.CheckpointFailed(logger, ex.SqliteErrorCode);
            return null;
        }
    }

    /// <summary>
    /// Checkpoints the whole WAL and truncates it, on <paramref name="connection"/> (the writer, holding the write gate),
    /// after any background checkpoint in progress; logs and returns <see langword="false"/> when SQLite could not.
    /// </summary>
    public static bool Truncate(WalCheckpointer? checkpointer, SqliteConnection connection, ILogger logger)
    {
        // After Dispose (on close) no background checkpoint runs, and the lock is gone.
        var wait = checkpointer is { _disposed: 0 } ? checkpointer._lock : null;
        wait?.Wait();
        try
        {
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
            using var reader = command.ExecuteReader();
            return !reader.Read() || reader.GetInt64(0) == 0;
        }
        catch (SqliteException ex)
        {
            StoreLog.CheckpointFailed(logger, ex.SqliteErrorCode);
            return false;
        }
        finally
        {
            wait?.Release();
        }
    }

    /// <summary>
    /// Removes the writer's commit hook, stops the background task (waiting for a checkpoint in progress) and closes the
    /// checkpoint's connection. Call it holding the write gate, before the writer connection closes.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        unsafe
        {
            NativeMethods.WalHook(_writer, null, null);
        }

        _stop.Cancel();
        try
        {
            _loop.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
        }

        _connection.Dispose();
        _self.Free();
        _stop.Dispose();
        _wake.Dispose();
        _lock.Dispose();
    }

    /// <summary>The writer's commit hook: wakes the background checkpoint, or checkpoints inline past <see cref="InlinePages"/>.</summary>
    [UnmanagedCallersOnly]
    private static unsafe int OnCommit(void* argument, nint db, byte* database, int pages)
    {
        try
        {
            var self = (WalCheckpointer)GCHandle.FromIntPtr((nint)argument).Target!;
            if (pages >= self.InlinePages)
            {
                // Wait for a background step in progress (it would make this one fail busy), then copy everything, as
                // SQLite's automatic checkpoint does (PASSIVE, on the writer): the writer's next write restarts the WAL.
                self._lock.Wait();
                try
                {
                    if (NativeMethods.WalCheckpoint(db, database, 0, null, null) == 0)
                    {
                        Interlocked.Increment(ref self._inline);
                    }
                }
                finally
                {
                    self._lock.Release();
                }
            }
            else if (pages >= self.BackgroundPages && Interlocked.Exchange(ref self._wakePending, 1) == 0)
            {
                self._wake.Release();
            }
        }
#pragma warning disable CA1031 // An exception must not unwind into SQLite's commit; the commit has happened either way.
        catch (Exception)
#pragma warning restore CA1031
        {
        }

        return 0;
    }

    private async Task RunAsync()
    {
        while (true)
        {
            await _wake.WaitAsync(_stop.Token).ConfigureAwait(false);
            Volatile.Write(ref _wakePending, 0);
            await _lock.WaitAsync(_stop.Token).ConfigureAwait(false);
            try
            {
                Checkpoint();
            }
            finally
            {
                _lock.Release();
            }

            // Close and VACUUM take the gate and then wait for the lock: so the lock is free while this waits for the gate.
            await _holdWrites(_stop.Token).ConfigureAwait(false);
            try
            {
                Checkpoint();
                Interlocked.Increment(ref _background);
            }
            finally
            {
                _releaseWrites();
            }
        }
    }

    private void Checkpoint()
    {
        try
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
            command.ExecuteNonQuery();
        }
        catch (SqliteException ex)
        {
            StoreLog.CheckpointFailed(_logger, ex.SqliteErrorCode);
        }
    }
}
