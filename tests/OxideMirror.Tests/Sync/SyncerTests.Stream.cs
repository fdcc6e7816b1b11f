using Microsoft.Extensions.Time.Testing;

namespace OxideMirror.Tests.Sync;

public sealed partial class SyncerTests
{
    [Fact]
    public async Task SyncStreamAsync_StreamWithPauses_AppliesEverythingInOneBatchPerPause()
    {
        await using var store = await OpenStoreWithTickingClockAsync();
        var strategy = new ObservingStrategy();
        var source = new StreamSource("hooks", Items("o", 2, source: "hooks"), Items("o", 3, from: 2, source: "hooks"), Items("o", 1, from: 5, source: "hooks"))
        {
            Pause = strategy.WhenResolved, // each pause lasts until what came before it was applied
        };

        var report = await new Syncer(store, strategy).SyncStreamAsync(source);

        (report.Pulled, report.Applied, report.Pages).Should().Be((6L, 6L, 3));
        (await MirrorTables.LiveRecordIdsAsync(store, "o")).Should().Equal(Enumerable.Range(0, 6).Select(Id));
        (await BatchSizesAsync(store)).Should().Equal(2, 3, 1);
        (await store.GetCursorAsync("hooks")).Should().BeNull("a stream carries no cursor");
    }

    [Fact]
    public async Task SyncStreamAsync_LongBurst_CommitsInBatchesOfStreamBatchSize()
    {
        await using var store = await OpenStoreWithTickingClockAsync();
        var source = new StreamSource("hooks", Items("o", 10, source: "hooks")) { Pause = _ => Task.CompletedTask };

        var report = await new Syncer(store, options: new SyncerOptions { StreamBatchSize = 4 }).SyncStreamAsync(source);

        (report.Pulled, report.Pages).Should().Be((10L, 3));
        (await BatchSizesAsync(store)).Should().Equal(4, 4, 2);
    }

    [Fact]
    public async Task SyncStreamAsync_DefaultSubscribe_AppliesOnePullAndLeavesCursor()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var source = StaticSource.FromDeltas("shop", Items("orders", 5), pageSize: 3);

        var report = await new Syncer(store).SyncStreamAsync(source);

        source.PullCount.Should().Be(1);
        report.Pulled.Should().Be(3);
        (await store.EventCountAsync()).Should().Be(3);
        (await store.GetCursorAsync("shop")).Should().BeNull();
    }

    [Fact]
    public async Task SyncStreamAsync_FromCursor_StartsThere()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var source = StaticSource.FromDeltas("shop", Items("orders", 5), pageSize: 3);

        var report = await new Syncer(store).SyncStreamAsync(source, "3");

        (report.StartCursor, report.Pulled).Should().Be(("3", 2L));
        (await MirrorTables.LiveRecordIdsAsync(store, "orders")).Should().Equal(Id(3), Id(4));
    }

    [Fact]
    public async Task SyncStreamAsync_InvalidDeltaInFullBatch_ThrowsAndCommitsNothingOfThatBatch()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var source = new StreamSource("hooks", [.. Items("o", 3, source: "hooks"), Delta.Upsert("", "x", new { n = 1 }, "hooks"), .. Items("o", 1, from: 3, source: "hooks")]) { Pause = _ => Task.CompletedTask };

        var thrown = await FluentActions.Awaiting(() => new Syncer(store, options: new SyncerOptions { StreamBatchSize = 2 }).SyncStreamAsync(source))
            .Should().ThrowExactlyAsync<InvalidDeltaException>();

        thrown.Which.Field.Should().Be("Resource");
        thrown.Which.Index.Should().Be(1);
        (await MirrorTables.LiveRecordIdsAsync(store, "o")).Should().Equal(Id(0), Id(1));
    }

    [Fact]
    public async Task SyncStreamAsync_InvalidDeltaWhileStreamWaits_ThrowsInvalidDeltaException()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var strategy = new ObservingStrategy();
        var source = new StreamSource("hooks", Items("o", 2, source: "hooks"), [.. Items("o", 1, from: 2, source: "hooks"), Delta.Upsert("o", "", new { n = 1 }, "hooks")])
        {
            Pause = strategy.WhenResolved,
            AfterLastGroup = StallAsync(), // a push source waiting for its next webhook
        };

        var thrown = await FluentActions.Awaiting(() => new Syncer(store, strategy).SyncStreamAsync(source)).Should().ThrowExactlyAsync<InvalidDeltaException>();

        thrown.Which.Field.Should().Be("RecordId");
        (await MirrorTables.LiveRecordIdsAsync(store, "o")).Should().Equal(Id(0), Id(1));
    }

    [Fact]
    public async Task SyncStreamAsync_CancelledWhileStreamWaits_CommitsNothingOfTheBatchBeingAppliedAndThrows()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var cts = new CancellationTokenSource();
        var source = new StreamSource("hooks", Items("o", 3, source: "hooks")) { Pause = _ => Task.CompletedTask, AfterLastGroup = StallAsync() };
        var strategy = new CancellingStrategy(cts, 3); // cancels while the batch flushed at the wait is being decided

        await FluentActions.Awaiting(() => new Syncer(store, strategy).SyncStreamAsync(source, cancellationToken: cts.Token)).Should().ThrowAsync<OperationCanceledException>();

        (await store.EventCountAsync()).Should().Be(0);
    }

    /// <summary>Waits like a push source with nothing to send; a deadlock guard fails it, rather than hanging the run, if the syncer never acts.</summary>
    private static async Task StallAsync()
    {
        await Task.Delay(TimeSpan.FromSeconds(30));
        throw new TimeoutException("The stream waited 30 s and the syncer neither finished its batch nor ended the stream.");
    }

    private static async Task<MirrorStore> OpenStoreWithTickingClockAsync() =>
        await MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { TimeProvider = new FakeTimeProvider(T0) { AutoAdvanceAmount = TimeSpan.FromSeconds(1) } });

    /// <summary>Every batch is stamped with one applied_at read from the store's clock; with a ticking clock each batch has its own.</summary>
    private static async Task<List<int>> BatchSizesAsync(MirrorStore store) =>
        (await MirrorTables.EventsAsync(store))
            .GroupBy(e => e.AppliedAt)
            .OrderBy(g => g.Min(e => e.Seq))
            .Select(g => g.Count())
            .ToList();
}
