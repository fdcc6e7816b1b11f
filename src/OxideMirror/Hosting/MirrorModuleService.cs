using OxideMirror.Kernel;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace OxideMirror.Hosting;

/// <summary>
/// Runs a <see cref="MirrorModule"/> on the container's <see cref="IMessageBus"/> for the host's lifetime: opens the store
/// when the host starts, and stops the module (gracefully until the host's shutdown timeout, then cancelling) when it stops.
/// </summary>
internal sealed class MirrorModuleService(MirrorStoreProvider provider, IMessageBus bus) : IHostedService, IAsyncDisposable, IDisposable
{
    private MirrorModule? _module;

    /// <summary>Gets the running module, or <see langword="null"/> before the host started or when the module is disabled.</summary>
    public MirrorModule? Module => _module;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var options = provider.Options;
        if (!options.EnableModule)
        {
            return;
        }

        var reader = await provider.GetReaderAsync(cancellationToken).ConfigureAwait(false);
        var syncer = await provider.GetSyncerAsync(cancellationToken).ConfigureAwait(false);
        if (options.Module.LoggerFactory is NullLoggerFactory)
        {
            options.Module.LoggerFactory = provider.LoggerFactory;
        }

        var module = new MirrorModule(reader, syncer, options.Module);
        await module.InitAsync(bus, cancellationToken).ConfigureAwait(false);
        await module.StartAsync(cancellationToken).ConfigureAwait(false);
        _module = module;
    }

    public Task StopAsync(CancellationToken cancellationToken) =>
        _module is { } module ? module.StopAsync(cancellationToken) : Task.CompletedTask;

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _module, null) is { } module)
        {
            await module.DisposeAsync().ConfigureAwait(false);
        }
    }
}
