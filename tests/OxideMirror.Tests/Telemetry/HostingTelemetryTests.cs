using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace OxideMirror.Tests.Telemetry;

public sealed class HostingTelemetryTests
{
    [Fact]
    public async Task AddOxideMirror_ContainerWithMetrics_OpensTheStoreOnTheContainersMeterFactory()
    {
        var services = new ServiceCollection().AddMetrics();
        services.AddOxideMirror(_ => { });
        await using var container = services.BuildServiceProvider();

        var store = await container.GetRequiredService<IMirrorStoreProvider>().GetStoreAsync();

        store.Options.MeterFactory.Should().BeSameAs(container.GetRequiredService<IMeterFactory>());
    }

    [Fact]
    public async Task AddOxideMirror_ContainerWithoutMetrics_OpensTheStoreOnTheProcesssMeter()
    {
        var services = new ServiceCollection();
        services.AddOxideMirror(_ => { });
        await using var container = services.BuildServiceProvider();

        var store = await container.GetRequiredService<IMirrorStoreProvider>().GetStoreAsync();

        store.Options.MeterFactory.Should().BeNull();
        store.Telemetry.Instruments.Should().BeSameAs(MirrorTelemetry.Shared);
    }
}
