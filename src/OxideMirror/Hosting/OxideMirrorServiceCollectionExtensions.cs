using OxideMirror;
using OxideMirror.Hosting;
using OxideMirror.Kernel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers OxideMirror in a Microsoft.Extensions.DependencyInjection container.</summary>
public static class OxideMirrorServiceCollectionExtensions
{
    /// <summary>
    /// Registers the mirror: an <see cref="IMirrorStoreProvider"/> that opens the store (and its <see cref="Syncer"/>, with
    /// the configured sources and every <see cref="ISyncSource"/> in the container) once, on first use; an
    /// <see cref="InMemoryMessageBus"/> as <see cref="IMessageBus"/> unless one is registered; a hosted service that opens
    /// the store when the host starts and runs a <see cref="MirrorModule"/> on the bus; and a hosted service that syncs each
    /// source on its interval when <see cref="OxideMirrorOptions.EnableBackgroundSync"/> is set.
    /// </summary>
    /// <param name="services">The container's services.</param>
    /// <param name="configure">A callback that configures the mirror; options are validated when the store opens.</param>
    /// <returns>The same services, to chain calls.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configure"/> is null.</exception>
    public static IServiceCollection AddOxideMirror(this IServiceCollection services, Action<OxideMirrorOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<OxideMirrorOptions>().Configure(configure);
        services.TryAddSingleton<IMessageBus, InMemoryMessageBus>();
        services.TryAddSingleton<MirrorStoreProvider>();
        services.TryAddSingleton<IMirrorStoreProvider>(sp => sp.GetRequiredService<MirrorStoreProvider>());
        services.TryAddSingleton<MirrorModuleService>();
        services.TryAddSingleton<BackgroundSyncService>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, MirrorModuleService>(sp => sp.GetRequiredService<MirrorModuleService>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, BackgroundSyncService>(sp => sp.GetRequiredService<BackgroundSyncService>()));
        return services;
    }
}
