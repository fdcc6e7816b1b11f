using System.Globalization;

namespace OxideMirror.Tests.Sync;

public sealed partial class SyncerTests
{
    private static readonly DateTimeOffset T0 = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task SyncAsync_MultiPageSource_FollowsUntilNoMoreAndStoresFinalCursor()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var source = StaticSource.FromDeltas("shop", Items("orders", 7), pageSize: 3);

        var report = await new Syncer(store).SyncAsync(source);

        source.PullCount.Should().Be(3);
        report.Pages.Should().Be(3);
        report.Pulled.Should().Be(7);
        report.StartCursor.Should().BeNull();
        report.FinalCursor.Should().Be("7");
        report.Succeeded.Should().BeTrue();
        (await store.GetCursorAsync("shop")).Should().Be("7");
        (await MirrorTables.LiveRecordIdsAsync(store, "orders")).Should().Equal(Enumerable.Range(0, 7).Select(Id));
        (await MirrorTables.EventsAsync(store)).Select(e => e.RecordId).Should().Equal(Enumerable.Range(0, 7).Select(Id), "pages are applied in order");
    }

    [Fact]
    public async Task SyncAsync_SecondSync_ResumesFromStoredCursorAndPullsNothingNew()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var source = StaticSource.FromDeltas("shop", Items("orders", 7), pageSize: 3);
        var syncer = new Syncer(store);
        await syncer.SyncAsync(source);

        var second = await syncer.SyncAsync(source);

        source.PullCount.Should().Be(4, "the second sync pulls once, from the stored cursor");
        second.StartCursor.Should().Be("7");
        second.FinalCursor.Should().Be("7");
        second.Pulled.Should().Be(0);
        second.Applied.Should().Be(0);
        (await store.EventCountAsync()).Should().Be(7);
        (await store.GetCursorAsync("shop")).Should().Be("7");
    }

    [Fact]
    public async Task SyncAsync_AfterReopeningFileStore_ResumesAndAppliesOnlyNewPages()
    {
        using var dir = new TempDirectory();
        var source = new StaticSource("shop", [new PullResult(Items("orders", 2), "a", true), new PullResult(Items("orders", 2, from: 2), "b", false)]);
        await using (var store = await MirrorStore.OpenAsync(dir.File()))
        {
            await new Syncer(store).SyncAsync(source);
        }

        source.Enqueue(new PullResult(Items("orders", 3, from: 4), "c", false));
        await using var reopened = await MirrorStore.OpenAsync(dir.File());
        var report = await new Syncer(reopened).AddSource(source).SyncSourceAsync("shop");

        report.StartCursor.Should().Be("b");
        report.Pulled.Should().Be(3);
        report.FinalCursor.Should().Be("c");
        (await reopened.EventCountAsync()).Should().Be(7);
        (await MirrorTables.LiveRecordIdsAsync(reopened, "orders")).Should().HaveCount(7);
    }

    [Fact]
    public async Task SyncAsync_MaxPagesPerSync_StopsAndNextSyncContinues()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var source = StaticSource.FromDeltas("shop", Items("orders", 10), pageSize: 2);
        var syncer = new Syncer(store, options: new SyncerOptions { MaxPagesPerSync = 2 });

        var first = await syncer.SyncAsync(source);
        var cursorAfterFirst = await store.GetCursorAsync("shop");
        var second = await syncer.SyncAsync(source);

        (first.Pages, first.Pulled, first.FinalCursor).Should().Be((2, 4L, "4"));
        cursorAfterFirst.Should().Be("4");
        (second.Pages, second.Pulled, second.FinalCursor).Should().Be((2, 4L, "8"));
        (await store.EventCountAsync()).Should().Be(8);
    }

    [Fact]
    public async Task SyncAsync_MixedDecisions_ReportCountsEveryDeltaOnce()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var source = new StaticSource("vet",
        [
            new PullResult(
                [
                    Delta.Upsert("pets", "p1", new { name = "Rex" }, "vet").WithConfidence(0.5),            // insert
                    Delta.Upsert("pets", "p1", new { name = "Max" }, "vet").WithConfidence(0.9),            // update
                    Delta.Upsert("pets", "p1", new { name = "Bo" }, "vet").WithConfidence(0.1),             // skip
                    Delta.Upsert("owners", "o1", new { name = "Ann" }, "vet"),                              // insert
                ],
                "page-1",
                true),
            new PullResult(
                [
                    Delta.Upsert("pets", "p2", new { name = "Tom" }, "vet"),                                // insert
                    Delta.Delete("pets", "p2", "vet"),                                                      // delete
                    Delta.Upsert("owners", "o1", new { name = "Ann" }, "vet"),                              // unchanged
                    Delta.Upsert("owners", "o2", new { name = "Bob" }, "vet").WithId("evt-1"),              // insert
                    Delta.Upsert("owners", "o2", new { name = "Bobby" }, "vet").WithId("evt-1"),            // duplicate
                ],
                "page-2",
                false),
        ]);

        var report = await new Syncer(store, HighestConfidence.Instance).SyncAsync(source);

        report.Pages.Should().Be(2);
        report.Pulled.Should().Be(9);
        report.Applied.Should().Be(6);
        (report.Skipped, report.Unchanged, report.Duplicates, report.Missing).Should().Be((1L, 1L, 1L, 0L), "the strategy skipped one, one was unchanged, one was a duplicate");
        report.PerResource.Keys.Should().BeEquivalentTo("pets", "owners");
        var pets = report.PerResource["pets"];
        (pets.Inserted, pets.Updated, pets.Merged, pets.Deleted, pets.Skipped, pets.Unchanged, pets.Duplicates).Should().Be((2L, 1L, 0L, 1L, 1L, 0L, 0L));
        (pets.Applied, pets.Total).Should().Be((4L, 5L));
        var owners = report.PerResource["owners"];
        (owners.Inserted, owners.Updated, owners.Merged, owners.Deleted, owners.Skipped, owners.Unchanged, owners.Duplicates).Should().Be((2L, 0L, 0L, 0L, 0L, 1L, 1L));
        (owners.Applied, owners.Total).Should().Be((2L, 4L));
        (await store.EventCountAsync()).Should().Be(8, "a duplicate is not logged");
        (await store.GetRecordAsync("owners", "o2"))!.Payload.ShouldBeJson("""{"name":"Bob"}""");
    }

    [Fact]
    public async Task SyncAsync_MergeStrategy_CountsMerged()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var source = StaticSource.FromDeltas("crm", [Delta.Upsert("c", "1", new { a = 1 }, "crm"), Delta.Upsert("c", "1", new { b = 2 }, "crm")]);

        var report = await new Syncer(store, MergeJson.Instance).SyncAsync(source);

        (report.PerResource["c"].Inserted, report.PerResource["c"].Merged, report.Applied).Should().Be((1L, 1L, 2L));
    }

    [Fact]
    public async Task SyncSourceAsync_UnknownId_ThrowsNamingIdAndKnownIds()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var syncer = new Syncer(store)
            .AddSource(new StaticSource("zeta", []))
            .AddSource(new StaticSource("alpha", []));

        var thrown = await FluentActions.Awaiting(() => syncer.SyncSourceAsync("nope")).Should().ThrowExactlyAsync<UnknownSourceException>();

        thrown.Which.SourceId.Should().Be("nope");
        thrown.Which.Message.Should().Contain("'nope'").And.Contain("known sources: 'alpha', 'zeta'");
    }

    [Fact]
    public async Task SyncSourceAsync_NoSourcesAdded_SaysNoneWereAdded()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var thrown = await FluentActions.Awaiting(() => new Syncer(store).SyncSourceAsync("nope")).Should().ThrowAsync<UnknownSourceException>();

        thrown.Which.Message.Should().Contain("'nope'").And.Contain("none have been added");
    }

    [Fact]
    public async Task SyncSourceAsync_KnownId_SyncsThatSource()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var a = StaticSource.FromDeltas("a", Items("x", 2, source: "a"));
        var b = StaticSource.FromDeltas("b", Items("y", 3, source: "b"));
        var syncer = new Syncer(store).AddSource(a).AddSource(b);

        var report = await syncer.SyncSourceAsync("b");

        (report.Source, report.Pulled).Should().Be(("b", 3L));
        (a.PullCount, b.PullCount).Should().Be((0, 1));
    }

    [Fact]
    public async Task AddSource_DuplicateId_ThrowsAndKeepsFirst()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var first = new StaticSource("crm", []);
        var syncer = new Syncer(store).AddSource(first);

        var thrown = FluentActions.Invoking(() => syncer.AddSource(new StaticSource("crm", []))).Should().Throw<ArgumentException>();

        thrown.Which.Message.Should().Contain("'crm'");
        thrown.Which.ParamName.Should().Be("source");
        syncer.Sources.Should().ContainSingle().Which.Should().BeSameAs(first);
        syncer.GetSource("crm").Should().BeSameAs(first);
    }

    [Fact]
    public async Task AddSource_NullOrEmptyId_Throws()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var syncer = new Syncer(store);

        FluentActions.Invoking(() => syncer.AddSource(null!)).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => syncer.AddSource(new DelegateSource(" ", (_, c, _) => Task.FromResult(PullResult.Empty(c))))).Should().Throw<ArgumentException>();
        syncer.Sources.Should().BeEmpty();
    }

    [Fact]
    public async Task SyncAllAsync_NoSources_ReturnsNoReports()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        (await new Syncer(store).SyncAllAsync()).Should().BeEmpty();
    }

    private static string Id(int i) => "r" + i.ToString("D3", CultureInfo.InvariantCulture);

    /// <summary>Makes <paramref name="count"/> inserts of records <c>r{from}</c>, <c>r{from+1}</c>, … of a resource.</summary>
    private static List<Delta> Items(string resource, int count, int from = 0, string source = "shop") =>
        Enumerable.Range(from, count).Select(i => Delta.Upsert(resource, Id(i), new { n = i }, source).At(T0.AddSeconds(i))).ToList();
}
