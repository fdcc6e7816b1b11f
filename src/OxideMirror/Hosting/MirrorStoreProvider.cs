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
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (MirrorStore Store, Syncer Syncer)? _opened;
    private bool _disposed;

    public MirrorStoreProvider(IOptions<OxideMirrorOptions> options, IEnumerable<ISyncSource> registered, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null)
    {
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

    public async ValueTask<MirrorStore> GetStoreAsync(CancellationToken cancellationToken = default) =>
        (await OpenAsync(cancellationToken).ConfigureAwait(false)).Store;

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
                await opened.Store.DisposeAsync().ConfigureAwait(false);
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

    private async ValueTask<(MirrorStore Store, Syncer Syncer)> OpenAsync(CancellationToken cancellationToken)
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
            if (_options.Store.LoggerFactory is NullLoggerFactory)
            {
                _options.Store.LoggerFactory = _loggerFactory;
            }

            _options.Store.MeterFactory ??= _meterFactory;
            if (_options.Syncer.LoggerFactory is NullLoggerFactory)
            {
                _options.Syncer.LoggerFactory = _loggerFactory;
            }

            var store = _options.StorePath is { } path
                ? await MirrorStore.OpenAsync(path, _options.Store, cancellationToken).ConfigureAwait(false)
                : await MirrorStore.OpenInMemoryAsync(_options.Store, cancellationToken).ConfigureAwait(false);
            try
            {
                var syncer = new Syncer(store, _options.Strategy, _options.Syncer);
                foreach (var source in _options.Sources.Concat(_registered).Distinct())
                {
                    syncer.AddSource(source);
                }

                var where = _options.StorePath ?? ":memory:";
                KernelLog.StoreOpened(_logger, where);
                _opened = (store, syncer);
                return (store, syncer);
            }
            catch
            {
                await store.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}
