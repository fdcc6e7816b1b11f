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
    private readonly StoreWriter _write;
    private readonly StoreReaders _readers;
    private readonly AsOfQueries _asOf;
    private readonly AgentQueries _queries;
    private readonly MirrorStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Catalog _catalog;
    private readonly MirrorWriter _writer;
    private readonly MirrorReader _reader;

    private MirrorStore(string? path, string name, StoreOpener.Opened opened, MirrorStoreOptions options)
    {
        Path = path;
        _options = options;
        _time = options.TimeProvider;
        _logger = opened.Logger;
        _catalog = opened.Catalog;
        _write = new StoreWriter(opened.Writer, opened.Catalog, path, options, opened.Logger);
        _readers = new StoreReaders(opened.Readers, _write, opened.Catalog, inMemory: path is null);
        _asOf = new AsOfQueries(opened.Catalog);
        Telemetry = new StoreTelemetry(name, options, () => _write.Records.LogPosition, opened.Catalog.SourcesSyncedAt());
        _queries = new AgentQueries(_readers, _write, opened.Catalog, options, _asOf, opened.Logger, Telemetry);
        _writer = new SqliteWriter(this);
        _reader = new SqliteReader(this);
    }

    /// <summary>Gets the full path of the database file, or <see langword="null"/> for an in-memory store.</summary>
    public string? Path { get; }

    /// <summary>Gets the schema version of the open database (the highest applied migration).</summary>
    public int SchemaVersion { get; private init; }

    /// <summary>Gets the highest of your own migrations (<see cref="MirrorStoreOptions.Migrations"/>) the database has applied, or 0.</summary>
    public int UserSchemaVersion { get; private init; }

    /// <summary>Gets the store's telemetry: the instruments it and its syncers record on, and what its gauges read.</summary>
    internal StoreTelemetry Telemetry { get; }

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
            Telemetry.Dispose();
        }).ConfigureAwait(false);
    }

    private static MirrorStore Open(string? path, SqliteConnectionStringBuilder writerString, SqliteConnectionStringBuilder readerString, MirrorStoreOptions options)
    {
        var opened = StoreOpener.Open(path, writerString, readerString, options);
        return new MirrorStore(path, path ?? writerString.DataSource, opened, options) { SchemaVersion = Migrator.LatestVersion, UserSchemaVersion = opened.UserVersion };
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_write.IsClosed, this);
}
