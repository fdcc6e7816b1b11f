using OxideMirror.Contract.Tests;

namespace OxideMirror.Tests.Contract;

/// <summary>Runs the shared writer contract suite against the SQLite store's <see cref="MirrorStore.Writer"/>, on a temp file.</summary>
public sealed class SqliteWriterContractTests : MirrorWriterContractTests, IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Writer_IsOneInstance_AndTheSyncerOverItWritesTheStore()
    {
        await using var store = await MirrorStore.OpenAsync(_directory.File("same.db"));

        var syncer = new Syncer(store.Writer);

        store.Writer.Should().BeSameAs(store.Writer);
        syncer.Store.Should().BeSameAs(store, "the SQLite store's writer keeps the syncer's Store");
        new Syncer(store).Writer.Should().BeSameAs(store.Writer);
    }

    protected override async Task<ContractMirror> OpenAsync()
    {
        var store = await MirrorStore.OpenAsync(_directory.File($"{Guid.NewGuid():N}.db"));
        return new ContractMirror(store.Writer, (r, id) => store.GetRecordAsync(r, id), (r, id) => store.GetTombstoneAsync(r, id), store);
    }
}
