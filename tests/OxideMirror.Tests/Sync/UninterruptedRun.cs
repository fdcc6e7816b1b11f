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

    /// <summary>Gets the pages after whose commit the history tests ask as-of questions (1-based; the last is the end).</summary>
    public static IReadOnlyList<int> AsOfPages { get; } = [1, 9, 30, 47, Pages];

    internal MirrorSnapshot Snapshot { get; private set; } = null!;

    /// <summary>Gets the as-of answers of the reference at <see cref="AsOfPages"/> (see <see cref="MirrorSnapshot.AsOfAnswersAsync"/>).</summary>
    internal IReadOnlyList<string> AsOfAnswers { get; private set; } = null!;

    internal static GeneratedSource NewSource() => new(Seed, Pages, PageSize);

    public async Task InitializeAsync()
    {
        using var directory = new TempDirectory();
        await using var store = await MirrorStore.OpenAsync(directory.File("reference.db"));
        var report = await new Syncer(store, MergeJson.Instance).SyncAsync(NewSource());
        report.Pulled.Should().Be((long)Pages * PageSize);
        Snapshot = await MirrorSnapshot.ReadAsync(store, report.Source);
        Snapshot.AppliedTimes.Should().HaveCount(Pages, "each page commits in one transaction at its own applied time, which the history comparisons rely on");
        Snapshot.History.Should().NotBeEmpty("the feed updates and deletes records, so it must leave history");
        AsOfAnswers = await Snapshot.AsOfAnswersAsync(store, AsOfPages, PageSize);
    }

    public Task DisposeAsync() => Task.CompletedTask;
}
