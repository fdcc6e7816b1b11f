namespace OxideMirror.Tests.Sources;

/// <summary>Runs the source contract against <see cref="StaticSource.FromDeltas"/>, and checks its paging.</summary>
public sealed class StaticSourceFromDeltasTests : SyncSourceContractTests
{
    private protected override ISyncSource CreateSource(string id, IReadOnlyList<Delta> deltas, int pageSize) =>
        StaticSource.FromDeltas(id, deltas, pageSize);

    [Fact]
    public async Task FromDeltas_SevenInPagesOfThree_UsesRunningCountsAsCursors()
    {
        var deltas = Enumerable.Range(0, 7).Select(i => Delta.Upsert("r", $"{i}", new { i }, "s")).ToList();
        var source = StaticSource.FromDeltas("s", deltas, 3);

        var pages = new List<PullResult> { await source.PullAsync(null) };
        while (pages[^1].HasMore)
        {
            pages.Add(await source.PullAsync(pages[^1].NextCursor));
        }

        pages.Select(p => (p.Deltas.Count, p.NextCursor, p.HasMore)).Should().Equal((3, "3", true), (3, "6", true), (1, "7", false));
    }

    [Fact]
    public async Task FromDeltas_EvenlyDivided_LastPageSaysNoMore()
    {
        var source = StaticSource.FromDeltas("s", Enumerable.Range(0, 4).Select(i => Delta.Upsert("r", $"{i}", new { i }, "s")), 2);

        var second = await source.PullAsync("2");

        second.HasMore.Should().BeFalse();
        second.NextCursor.Should().Be("4");
    }

    [Fact]
    public void FromDeltas_BadArguments_Throw()
    {
        FluentActions.Invoking(() => StaticSource.FromDeltas("s", null!)).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => StaticSource.FromDeltas("s", [], 0)).Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("pageSize");
        FluentActions.Invoking(() => StaticSource.FromDeltas(" ", [])).Should().Throw<ArgumentException>();
    }
}
