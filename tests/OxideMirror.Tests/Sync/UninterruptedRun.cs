using OxideMirror.CrashHost;

namespace OxideMirror.Tests.Sync;

/// <summary>
/// The reference for the crash tests: the same generated feed synced in one uninterrupted run into a fresh file,
/// done once per test class and kept in memory.
/// </summary>
public sealed class UninterruptedRun : IAsyncLifetime
{
    public const int Seed = 20240601;
    public const int Pages = 60;
    public const int PageSize = 500;

    internal MirrorSnapshot Snapshot { get; private set; } = null!;

    internal static GeneratedSource NewSource() => new(Seed, Pages, PageSize);

    public async Task InitializeAsync()
    {
        using var directory = new TempDirectory();
        await using var store = await MirrorStore.OpenAsync(directory.File("reference.db"));
        var report = await new Syncer(store, MergeJson.Instance).SyncAsync(NewSource());
        report.Pulled.Should().Be((long)Pages * PageSize);
        Snapshot = await MirrorSnapshot.ReadAsync(store, report.Source);
    }

    public Task DisposeAsync() => Task.CompletedTask;
}
