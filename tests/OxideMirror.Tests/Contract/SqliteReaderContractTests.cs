using OxideMirror.Contract.Tests;

namespace OxideMirror.Tests.Contract;

/// <summary>Runs the shared reader contract suite against the SQLite store's <see cref="MirrorStore.Reader"/>, on a temp file.</summary>
public sealed class SqliteReaderContractTests : MirrorReaderContractTests, IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Reader_ServesEveryCapability_InTheSqliteDialect()
    {
        await using var store = await MirrorStore.OpenAsync(_directory.File("caps.db"));

        store.Reader.Dialect.Should().Be(QueryDialect.Sqlite);
        store.Reader.Capabilities.Should().Be(MirrorReaderCapabilities.QueryPlans | MirrorReaderCapabilities.Search | MirrorReaderCapabilities.TimeTravel);
        store.Reader.QueryTimeout.Should().Be(store.Options.QueryTimeout);
    }

    protected override async Task<ContractReader> OpenAsync()
    {
        var store = await MirrorStore.OpenAsync(_directory.File($"{Guid.NewGuid():N}.db"));
        return new ContractReader(store.Reader, store.Writer, () => store.Reader, store);
    }
}
