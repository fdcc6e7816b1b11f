using System.Globalization;

namespace OxideMirror.Tests.Sources;

/// <summary>Runs the source contract against a <see cref="StaticSource"/> built from explicit pages, and checks its own promises.</summary>
public sealed class StaticSourceTests : SyncSourceContractTests
{
    private protected override ISyncSource CreateSource(string id, IReadOnlyList<Delta> deltas, int pageSize) =>
        new StaticSource(id, Pages(deltas, pageSize));

    [Fact]
    public async Task PullAsync_PagesCreatedWithoutHasMore_SayHasMoreWhileMorePagesAreHeld()
    {
        var source = new StaticSource("s", [Page("a", 1, hasMore: false), Page("b", 1, hasMore: false), Page("c", 1, hasMore: false)]);

        var first = await source.PullAsync(null);
        var second = await source.PullAsync(first.NextCursor);
        var third = await source.PullAsync(second.NextCursor);

        (first.HasMore, second.HasMore, third.HasMore).Should().Be((true, true, false));
        (first.NextCursor, second.NextCursor, third.NextCursor).Should().Be(("a", "b", "c"));
    }

    [Fact]
    public async Task Enqueue_AfterLastPageWasServed_IsServedFromTheOldCursor()
    {
        var source = new StaticSource("s", [Page("a", 2)]);
        var first = await source.PullAsync(null);
        (await source.PullAsync(first.NextCursor)).Deltas.Should().BeEmpty();

        var added = Page("b", 3);
        source.Enqueue(added);
        var next = await source.PullAsync(first.NextCursor);

        next.Deltas.Should().Equal(added.Deltas);
        next.NextCursor.Should().Be("b");
    }

    [Fact]
    public async Task PullCount_EveryPull_CountsOnce()
    {
        var source = new StaticSource("s", [Page("a", 1), Page("b", 1)]);

        await source.PullAsync(null);
        await source.PullAsync("a");
        await source.PullAsync("b");
        await FluentActions.Awaiting(() => source.PullAsync("zzz")).Should().ThrowAsync<ArgumentException>();

        source.PullCount.Should().Be(4);
    }

    [Fact]
    public async Task PullAsync_NoPages_ReturnsEmptyLastPage()
    {
        var source = new StaticSource("s", []);

        var page = await source.PullAsync(null);

        page.Should().Be(PullResult.Empty(null));
    }

    [Fact]
    public void Constructor_BadArguments_Throw()
    {
        FluentActions.Invoking(() => new StaticSource(null!, [])).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => new StaticSource(" ", [])).Should().Throw<ArgumentException>().Which.ParamName.Should().Be("id");
        FluentActions.Invoking(() => new StaticSource("s", null!)).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => new StaticSource("s", [null!])).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => new StaticSource("s", [new PullResult(null!, "c", false)])).Should().Throw<ArgumentNullException>();
    }

    [Fact]
    public async Task PullAsync_PageCompletingAPass_ServesItAndTheSyncerDeletesWhatThePassNoLongerLists()
    {
        // A webhook-fed or replayed source says a full listing ended the same way HttpSource does, without the store.
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var source = new StaticSource("s", [Page("a", 3)]);
        var syncer = new Syncer(store);
        await syncer.SyncAsync(source);
        source.Enqueue(Page("b", 0) with { CompletedPasses = [new CompletedPass("r", ["a0", "a2"])] });
        source.Enqueue(Page("c", 1));

        var served = await source.PullAsync("a");
        var report = await syncer.SyncAsync(source);

        served.HasMore.Should().BeTrue("a page followed by another says HasMore");
        served.CompletedPasses.Should().ContainSingle().Which.RecordIds.Should().Equal("a0", "a2");
        (report.Pages, report.Pulled, report.Missing).Should().Be((2, 1L, 1L));
        (await MirrorTables.LiveRecordIdsAsync(store, "r")).Should().Equal("a0", "a2", "c0");
        (await store.GetTombstoneAsync("r", "a1")).Should().NotBeNull();
    }

    private static List<PullResult> Pages(IReadOnlyList<Delta> deltas, int pageSize)
    {
        var pages = deltas.Chunk(pageSize)
            .Select((chunk, i) => new PullResult(chunk, "page-" + (i + 1).ToString(CultureInfo.InvariantCulture), HasMore: false))
            .ToList();
        return pages.Count > 0 ? pages : [PullResult.Empty("page-0")];
    }

    private static PullResult Page(string cursor, int count, bool hasMore = false) =>
        new(Enumerable.Range(0, count).Select(i => Delta.Upsert("r", cursor + i.ToString(CultureInfo.InvariantCulture), new { i }, "s")).ToList(), cursor, hasMore);
}
