using OxideMirror.Contract.Tests;

namespace OxideMirror.Tests.Contract;

/// <summary>Runs the shared log contract suite against the SQLite store, on a temp file.</summary>
public sealed class SqliteLogContractTests : MirrorLogContractTests, IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    protected override Task<ContractLog> OpenAsync(TimeProvider? clock = null) =>
        OpenAtAsync(_directory.File($"{Guid.NewGuid():N}.db"), clock);

    private static async Task<ContractLog> OpenAtAsync(string path, TimeProvider? clock)
    {
        var store = await MirrorStore.OpenAsync(path, new MirrorStoreOptions { TimeProvider = clock ?? TimeProvider.System });
        return new ContractLog(
            store.Writer,
            () => store.GetPositionAsync(),
            (since, resource, limit) => store.GetChangesAsync(since, resource, limit),
            (since, resource) => store.GetChangesAsync(since, resource, CancellationToken.None),
            (resource, id) => store.GetHistoryAsync(resource, id),
            store.WatchAsync,
            () => OpenAtAsync(path, clock),
            store);
    }
}
