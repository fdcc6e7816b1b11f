namespace OxideMirror.Tests.Sync;

public sealed partial class SyncerTests
{
    [Fact]
    public async Task SyncAsync_TwoConcurrentSyncsOfSameSource_ApplyEachDeltaOnce()
    {
        using var dir = new TempDirectory();
        await using var store = await MirrorStore.OpenAsync(dir.File());
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inner = StaticSource.FromDeltas("shop", Items("orders", 10), pageSize: 4);
        var source = new DelegateSource("shop", async (n, cursor, token) =>
        {
            if (n == 1)
            {
                await release.Task; // hold the first sync inside its first pull while the second one starts
            }

            return await inner.PullAsync(cursor, token);
        });
        var syncer = new Syncer(store);

        var first = syncer.SyncAsync(source);
        var second = syncer.SyncAsync(source);
        release.SetResult();
        var reports = await Task.WhenAll(first, second);

        (await store.EventCountAsync()).Should().Be(10);
        reports.Sum(r => r.Pulled).Should().Be(10);
        reports.Select(r => r.Pulled).Should().BeEquivalentTo([10L, 0L]);
        (await store.GetCursorAsync("shop")).Should().Be("10");
        (await MirrorTables.EventsAsync(store)).Should().OnlyContain(e => e.Version == 1 && e.Decision == "insert");
    }

    [Fact]
    public async Task SyncAsync_SameSourceThroughTwoSyncersOnOneStore_ApplyEachDeltaOnce()
    {
        using var dir = new TempDirectory();
        await using var store = await MirrorStore.OpenAsync(dir.File());
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inner = StaticSource.FromDeltas("shop", Items("orders", 10), pageSize: 4);
        var source = new DelegateSource("shop", async (n, cursor, token) =>
        {
            if (n == 1)
            {
                await release.Task;
            }

            return await inner.PullAsync(cursor, token);
        });

        var first = new Syncer(store).SyncAsync(source);
        var second = new Syncer(store).SyncAsync(source);
        release.SetResult();
        var reports = await Task.WhenAll(first, second);

        (await store.EventCountAsync()).Should().Be(10);
        reports.Select(r => r.Pulled).Should().BeEquivalentTo([10L, 0L]);
    }

    [Fact]
    public async Task SyncAllAsync_WhileSameSourceSyncs_WaitsAndAppliesNothingTwice()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inner = StaticSource.FromDeltas("shop", Items("orders", 5), pageSize: 2);
        var source = new DelegateSource("shop", async (n, cursor, token) =>
        {
            if (n == 1)
            {
                await release.Task;
            }

            return await inner.PullAsync(cursor, token);
        });
        var syncer = new Syncer(store).AddSource(source);

        var one = syncer.SyncSourceAsync("shop");
        var all = syncer.SyncAllAsync();
        release.SetResult();
        await one;
        var reports = await all;

        reports.Should().ContainSingle().Which.Pulled.Should().Be(0);
        (await store.EventCountAsync()).Should().Be(5);
    }

    [Fact]
    public async Task SyncAsync_DifferentSourcesConcurrently_BothComplete()
    {
        using var dir = new TempDirectory();
        await using var store = await MirrorStore.OpenAsync(dir.File());
        var syncer = new Syncer(store);
        var a = StaticSource.FromDeltas("a", Items("a", 500, source: "a"), pageSize: 7);
        var b = StaticSource.FromDeltas("b", Items("b", 500, source: "b"), pageSize: 11);

        await Task.WhenAll(Task.Run(() => syncer.SyncAsync(a)), Task.Run(() => syncer.SyncAsync(b)));

        (await store.RecordCountsAsync()).Should().BeEquivalentTo(new Dictionary<string, long> { ["a"] = 500, ["b"] = 500 });
        (await store.GetCursorAsync("a")).Should().Be("500");
        (await store.GetCursorAsync("b")).Should().Be("500");
    }
}
