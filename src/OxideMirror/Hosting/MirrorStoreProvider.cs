using System.Diagnostics.Metrics;
using OxideMirror.Kernel;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace OxideMirror.Hosting;

/// <summary>Opens the configured store once, on first use, and disposes it with the container.</summary>
internal sealed class MirrorStoreProvider : IMirrorStoreProvider, IAsyncDisposable, IDisposable
{
    private readonly OxideMirrorOptions _options;
    private readonly IEnumerable<ISyncSource> _registered;
    private readonly ILoggerFactory _loggerFactory;
    private readonly IMeterFactory? _meterFactory;
    private readonly ILogger _logger;
    private readonly IServiceProvider _services;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Opened? _opened;
    private bool _disposed;

    public MirrorStoreProvider(IOptions<OxideMirrorOptions> options, IEnumerable<ISyncSource> registered, IServiceProvider services, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null)
    {
        _services = services;
        _meterFactory = meterFactory;
        _options = options.Value;
        _registered = registered;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<MirrorStoreProvider>();
    }

    public OxideMirrorOptions Options => _options;

    public ILoggerFactory LoggerFactory => _loggerFactory;

    /// <summary>Gets the background sync's first run of each source, which <see cref="BackgroundSyncService"/> completes.</summary>
    public FirstSyncs FirstSyncs { get; } = new();

    public QueryDialect Dialect => _options.Dialect;

    public MirrorReaderCapabilities Capabilities => _options.Capabilities;

    public async ValueTask<MirrorStore> GetStoreAsync(CancellationToken cancellationToken = default)
    {
        if (_options.OpenOtherStore is not null)
        {
            throw new InvalidOperationException($"The mirror is kept by a {_options.Dialect} store (OxideMirrorOptions.UseStore), not a SQLite MirrorStore. Read it through IMirrorStoreProvider.GetReaderAsync, and sync it with the syncer from GetSyncerAsync.");
        }

        return (await OpenAsync(cancellationToken).ConfigureAwait(false)).Store!;
    }

    public async ValueTask<MirrorReader> GetReaderAsync(CancellationToken cancellationToken = default) =>
        (await OpenAsync(cancellationToken).ConfigureAwait(false)).Reader;

    public async ValueTask<Syncer> GetSyncerAsync(CancellationToken cancellationToken = default) =>
        (await OpenAsync(cancellationToken).ConfigureAwait(false)).Syncer;

    public async Task<SyncReport> WhenSyncedAsync(string sourceId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sourceId);
        RequireBackgroundSync();
        var syncer = await GetSyncerAsync(cancellationToken).ConfigureAwait(false);
        _ = syncer.GetSource(sourceId);
        return await FirstSyncs.For(sourceId).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<SyncReport>> WhenAllSyncedAsync(CancellationToken cancellationToken = default)
    {
        RequireBackgroundSync();
        var syncer = await GetSyncerAsync(cancellationToken).ConfigureAwait(false);
        var runs = syncer.Sources.Select(s => s.Id).Order(StringComparer.Ordinal).Select(FirstSyncs.For).ToList();
        return await Task.WhenAll(runs).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            _disposed = true;
            if (_opened is { } opened)
            {
                await opened.Owner.DisposeAsync().ConfigureAwait(false);
                _opened = null;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private void RequireBackgroundSync()
    {
        if (!_options.EnableBackgroundSync)
        {
            throw new InvalidOperationException("The background sync is off (OxideMirrorOptions.EnableBackgroundSync is false), so no first sync will come to wait for. Set EnableBackgroundSync to true, or sync yourself with the syncer from GetSyncerAsync.");
        }
    }

    private async ValueTask<Opened> OpenAsync(CancellationToken cancellationToken)
    {
        if (_opened is { } ready)
        {
            return ready;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_opened is { } raced)
            {
                return raced;
            }

            _options.Validate();
            if (_options.Syncer.LoggerFactory is NullLoggerFactory)
            {
                _options.Syncer.LoggerFactory = _loggerFactory;
            }

            var opened = _options.OpenOtherStore is { } open
                ? await OpenOtherAsync(open, cancellationToken).ConfigureAwait(false)
                : await OpenSqliteAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                foreach (var source in _options.Sources.Concat(_registered).Distinct())
                {
                    opened.Syncer.AddSource(source);
                }
            }
            catch
            {
                await opened.Owner.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            KernelLog.StoreOpened(_logger, opened.Where);
            _opened = opened;
            return opened;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<Opened> OpenSqliteAsync(CancellationToken cancellationToken)
    {
        if (_options.Store.LoggerFactory is NullLoggerFactory)
        {
            _options.Store.LoggerFactory = _loggerFactory;
        }

        _options.Store.MeterFactory ??= _meterFactory;
        var store = _options.StorePath is { } path
            ? await MirrorStore.OpenAsync(path, _options.Store, cancellationToken).ConfigureAwait(false)
            : await MirrorStore.OpenInMemoryAsync(_options.Store, cancellationToken).ConfigureAwait(false);
        try
        {
            return new Opened(store, store.Reader, new Syncer(store, _options.Strategy, _options.Syncer), store, _options.StorePath ?? ":memory:");
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task<Opened> OpenOtherAsync(Func<IServiceProvider, CancellationToken, Task<HostedMirror>> open, CancellationToken cancellationToken)
    {
        var hosted = await open(_services, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException("The OxideMirrorOptions.UseStore callback returned null; it must return the opened store's HostedMirror.");
        try
        {
            if (hosted.Reader.Dialect != _options.Dialect || hosted.Reader.Capabilities != _options.Capabilities)
            {
                throw new InvalidOperationException($"The store UseStore opened reads {hosted.Reader.Dialect} with capabilities {hosted.Reader.Capabilities}, but UseStore declared {_options.Dialect} with {_options.Capabilities}. Declare what the store's reader serves.");
            }

            return new Opened(null, hosted.Reader, new Syncer(hosted.Writer, _options.Strategy, _options.Syncer), hosted.Owner, hosted.Reader.Dialect + " store");
        }
        catch
        {
            await hosted.Owner.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The opened mirror: the SQLite store (or null for another store), its reader, its syncer, and what to dispose.</summary>
    private sealed record Opened(MirrorStore? Store, MirrorReader Reader, Syncer Syncer, IAsyncDisposable Owner, string Where);
}
