namespace OxideMirror.Tests.Storage;

/// <summary>
/// A file store checkpoints its WAL in the background once it passes the threshold, so the WAL stays bounded while a sync
/// runs; readers see every commit meanwhile; closing leaves no WAL behind; and the background checkpoint stops with the
/// store.
/// </summary>
public sealed class WalCheckpointerTests : IDisposable
{
    private const int Pages = 64;
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task Writes_PastTheThreshold_AreCheckpointedInTheBackgroundAndTheWalStaysBounded()
    {
        var path = _directory.File();
        await using var store = await MirrorStore.OpenAsync(path, new MirrorStoreOptions { WalCheckpointPages = Pages });
        var checkpointer = store.Checkpointer;
        checkpointer.Should().NotBeNull("a file store checkpoints in the background");

        for (var page = 0; page < 150; page++)
        {
            await store.ApplyBatchAsync(Page(page), LastWriteWins.Instance);
        }

        await WaitForAsync(() => checkpointer!.BackgroundCheckpoints > 0);
        var pageBytes = 4096 + 24;
        var largestCommit = 64;
        new FileInfo(path + "-wal").Length.Should().BeLessThanOrEqualTo(
            32 + (long)(checkpointer!.InlinePages + largestCommit) * pageBytes,
            "the WAL restarts after each checkpoint, and the writer checkpoints itself past the inline bound");
        (await store.QueryAsync("SELECT count(*) AS n FROM orders")).Rows[0]["n"].Should().Be(150L * 20);
    }

    [Fact]
    public async Task Readers_DuringBackgroundCheckpoints_SeeEveryCommitInOrder()
    {
        var path = _directory.File();
        await using var store = await MirrorStore.OpenAsync(path, new MirrorStoreOptions { WalCheckpointPages = Pages });
        using var done = new CancellationTokenSource();
        var counts = new List<long>();
        var reading = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                var rows = (await store.QueryAsync("SELECT count(*) AS n FROM mirror_events")).Rows;
                counts.Add((long)rows[0]["n"]!);
            }
        });

        for (var page = 0; page < 120; page++)
        {
            await store.ApplyBatchAsync(Page(page), LastWriteWins.Instance);
        }

        await done.CancelAsync();
        await reading;
        await WaitForAsync(() => store.Checkpointer!.BackgroundCheckpoints > 0);
        counts.Should().BeInAscendingOrder("a reader never sees a commit undone by a checkpoint");
        counts.Should().OnlyContain(n => n % 20 == 0, "a reader sees whole pages");
        (await store.QueryAsync("SELECT count(*) AS n FROM mirror_events")).Rows[0]["n"].Should().Be(120L * 20);
    }

    [Fact]
    public async Task Dispose_AfterBackgroundCheckpoints_LeavesNoWalAndTheDataReopens()
    {
        var path = _directory.File();
        var store = await MirrorStore.OpenAsync(path, new MirrorStoreOptions { WalCheckpointPages = Pages });
        for (var page = 0; page < 60; page++)
        {
            await store.ApplyBatchAsync(Page(page), LastWriteWins.Instance);
        }

        await WaitForAsync(() => store.Checkpointer!.BackgroundCheckpoints > 0);
        await store.DisposeAsync();

        (File.Exists(path + "-wal") ? new FileInfo(path + "-wal").Length : 0).Should().Be(0, "closing checkpoints the whole WAL and truncates it");
        await using var reopened = await MirrorStore.OpenAsync(path);
        (await reopened.QueryAsync("SELECT count(*) AS n FROM orders")).Rows[0]["n"].Should().Be(60L * 20);
    }

    [Fact]
    public async Task Compaction_ThatReclaimsSpace_WhileTheBackgroundCheckpoints_TruncatesTheWal()
    {
        var path = _directory.File();
        await using var store = await MirrorStore.OpenAsync(path, new MirrorStoreOptions { WalCheckpointPages = Pages });
        for (var page = 0; page < 60; page++)
        {
            await store.ApplyBatchAsync(Page(page % 10), LastWriteWins.Instance);
        }

        await store.CompactAsync(new RetentionPolicy { KeepVersions = 1, ReclaimSpace = true });

        new FileInfo(path + "-wal").Length.Should().Be(0, "VACUUM's pages are checkpointed and the WAL truncated");
        (await store.QueryAsync("SELECT count(*) AS n FROM orders")).Rows[0]["n"].Should().Be(10L * 20);
    }

    [Fact]
    public async Task InMemoryStore_HasNoBackgroundCheckpoint()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        store.Checkpointer.Should().BeNull();
    }

    public void Dispose() => _directory.Dispose();

    /// <summary>Twenty orders with payloads of about 300 bytes; page <paramref name="page"/> of a sync that only adds records.</summary>
    private static List<Delta> Page(int page) =>
        Enumerable.Range(0, 20)
            .Select(i => Delta.Upsert("orders", $"o{page}-{i}", new { total = page * 20 + i, note = new string((char)('a' + (i % 26)), 300) }, "shop"))
            .ToList();

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            DateTime.UtcNow.Should().BeBefore(deadline, "the background checkpoint should have run");
            await Task.Delay(20);
        }
    }
}
