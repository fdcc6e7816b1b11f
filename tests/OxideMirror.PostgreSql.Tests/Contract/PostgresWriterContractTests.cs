using OxideMirror.Contract.Tests;

namespace OxideMirror.PostgreSql.Tests.Contract;

/// <summary>Runs the shared writer contract suite against <see cref="PostgresMirrorStore.Writer"/>, each test on a fresh database.</summary>
[Collection(PostgresTests.Name)]
public sealed class PostgresWriterContractTests(PostgresServer server) : MirrorWriterContractTests
{
    protected override async Task<ContractMirror> OpenAsync()
    {
        var (store, _) = await Mirrors.OpenAsync(server, agentRole: false);
        return new ContractMirror(store.Writer, (r, id) => store.GetRecordAsync(r, id), (r, id) => store.GetTombstoneAsync(r, id), store);
    }
}
