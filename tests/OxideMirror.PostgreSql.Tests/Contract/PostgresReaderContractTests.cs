using OxideMirror.Contract.Tests;

namespace OxideMirror.PostgreSql.Tests.Contract;

/// <summary>Runs the shared reader contract suite against <see cref="PostgresMirrorStore.Reader"/>, each test on a fresh database with its agent role.</summary>
[Collection(PostgresTests.Name)]
public sealed class PostgresReaderContractTests(PostgresServer server) : MirrorReaderContractTests
{
    [PostgresFact]
    public async Task Reader_ServesNoOptionalRead_InThePostgreSqlDialect()
    {
        var (store, _) = await Mirrors.OpenAsync(server, agentRole: false);
        await using (store)
        {
            store.Reader.Dialect.Should().Be(QueryDialect.PostgreSql);
            store.Reader.Capabilities.Should().Be(MirrorReaderCapabilities.None);
        }
    }

    protected override async Task<ContractReader> OpenAsync()
    {
        var (store, _) = await Mirrors.OpenAsync(server);
        return new ContractReader(store.Reader, store.Writer, () => store.Reader, store);
    }
}
