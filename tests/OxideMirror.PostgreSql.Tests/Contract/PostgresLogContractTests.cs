using OxideMirror.Contract.Tests;

namespace OxideMirror.PostgreSql.Tests.Contract;

/// <summary>Runs the shared log contract suite against <see cref="PostgresMirrorStore"/>, each test on a fresh database.</summary>
[Collection(PostgresTests.Name)]
public sealed class PostgresLogContractTests(PostgresServer server) : MirrorLogContractTests
{
    protected override async Task<ContractLog> OpenAsync(TimeProvider? clock = null)
    {
        var (store, connectionString) = await Mirrors.OpenAsync(server, o => o.TimeProvider = clock ?? TimeProvider.System, agentRole: false);
        return Wrap(store, connectionString, clock);
    }

    private static ContractLog Wrap(PostgresMirrorStore store, string connectionString, TimeProvider? clock) => new(
        store.Writer,
        () => store.GetPositionAsync(),
        (since, resource, limit) => store.GetChangesAsync(since, resource, limit),
        (since, resource) => store.GetChangesAsync(since, resource, CancellationToken.None),
        (resource, id) => store.GetHistoryAsync(resource, id),
        store.WatchAsync,
        async () =>
        {
            // Another instance: another set of connection pools, as another process would have.
            var options = Mirrors.Options(connectionString);
            options.TimeProvider = clock ?? TimeProvider.System;
            return Wrap(await PostgresMirrorStore.OpenAsync(connectionString, options), connectionString, clock);
        },
        store);
}
