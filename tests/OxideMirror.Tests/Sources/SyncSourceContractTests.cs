namespace OxideMirror.Tests.Sources;

/// <summary>
/// Laws every <see cref="ISyncSource"/> obeys, run once per implementation (and way of building it) by a derived class.
/// </summary>
public abstract class SyncSourceContractTests
{
    /// <summary>Gets (delta count, page size) pairs, including an empty source and pages that divide evenly or not.</summary>
    public static TheoryData<int, int> Shapes { get; } = new()
    {
        { 0, 3 },
        { 1, 3 },
        { 3, 3 },
        { 7, 3 },
        { 9, 3 },
        { 5, 1 },
        { 4, 10 },
    };

    /// <summary>Creates a source with id <paramref name="id"/> that serves <paramref name="deltas"/>, in order, in pages of at most <paramref name="pageSize"/>.</summary>
    private protected abstract ISyncSource CreateSource(string id, IReadOnlyList<Delta> deltas, int pageSize);

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task PullAsync_SameCursorTwice_ReturnsSamePage(int count, int pageSize)
    {
        var source = CreateSource("src", MakeDeltas(count), pageSize);
        string? cursor = null;
        var guard = 0;
        while (true)
        {
            var first = await source.PullAsync(cursor);
            var again = await source.PullAsync(cursor);

            again.Deltas.Should().Equal(first.Deltas);
            again.NextCursor.Should().Be(first.NextCursor);
            again.HasMore.Should().Be(first.HasMore);
            if (!first.HasMore)
            {
                break;
            }

            cursor = first.NextCursor;
            (++guard).Should().BeLessThan(100, "a finite source must end");
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task PullAsync_FollowingNextCursor_VisitsEveryDeltaOnceInOrder(int count, int pageSize)
    {
        var deltas = MakeDeltas(count);
        var source = CreateSource("src", deltas, pageSize);

        var seen = new List<Delta>();
        string? cursor = null;
        var pages = 0;
        while (true)
        {
            var page = await source.PullAsync(cursor);
            pages++;
            page.Deltas.Count.Should().BeLessThanOrEqualTo(pageSize);
            seen.AddRange(page.Deltas);
            if (!page.HasMore)
            {
                break;
            }

            page.NextCursor.Should().NotBe(cursor, "a page that says HasMore must advance the cursor");
            cursor = page.NextCursor;
            pages.Should().BeLessThan(100, "a finite source must end");
        }

        seen.Should().Equal(deltas, (a, b) => ReferenceEquals(a, b));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task PullAsync_AfterLastPage_ReturnsNoDeltasAndNoMore(int count, int pageSize)
    {
        var source = CreateSource("src", MakeDeltas(count), pageSize);
        var page = await source.PullAsync(null);
        while (page.HasMore)
        {
            page = await source.PullAsync(page.NextCursor);
        }

        var after = await source.PullAsync(page.NextCursor);

        after.Deltas.Should().BeEmpty();
        after.HasMore.Should().BeFalse();
        after.NextCursor.Should().Be(page.NextCursor, "resuming from the end keeps the cursor");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task SubscribeAsync_Default_YieldsOnePullsDeltas(int count, int pageSize)
    {
        var source = CreateSource("src", MakeDeltas(count), pageSize);
        var expected = (await source.PullAsync(null)).Deltas;

        var streamed = new List<Delta>();
        await foreach (var delta in source.SubscribeAsync(null))
        {
            streamed.Add(delta);
        }

        streamed.Should().Equal(expected, (a, b) => ReferenceEquals(a, b));
    }

    [Fact]
    public async Task SubscribeAsync_FromCursor_YieldsTheNextPage()
    {
        var deltas = MakeDeltas(6);
        var source = CreateSource("src", deltas, 2);
        var first = await source.PullAsync(null);
        var second = await source.PullAsync(first.NextCursor);

        var streamed = new List<Delta>();
        await foreach (var delta in source.SubscribeAsync(first.NextCursor))
        {
            streamed.Add(delta);
        }

        streamed.Should().Equal(second.Deltas, (a, b) => ReferenceEquals(a, b));
        streamed.Should().Equal(deltas.Skip(2).Take(2), (a, b) => ReferenceEquals(a, b));
    }

    [Fact]
    public async Task PullAsync_CancelledToken_ThrowsOperationCanceled()
    {
        var source = CreateSource("src", MakeDeltas(4), 2);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await FluentActions.Awaiting(() => source.PullAsync(null, cts.Token)).Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public async Task SubscribeAsync_CancelledMidStream_ThrowsOperationCanceled()
    {
        var source = CreateSource("src", MakeDeltas(4), 4);
        using var cts = new CancellationTokenSource();
        var received = 0;

        var act = async () =>
        {
            await foreach (var delta in source.SubscribeAsync(null, cts.Token))
            {
                received++;
                await cts.CancelAsync();
            }
        };

        await act.Should().ThrowAsync<OperationCanceledException>();
        received.Should().Be(1);
    }

    [Fact]
    public async Task PullAsync_UnknownCursor_ThrowsArgumentException()
    {
        var source = CreateSource("src", MakeDeltas(4), 2);

        var thrown = await FluentActions.Awaiting(() => source.PullAsync("no-such-cursor")).Should().ThrowAsync<ArgumentException>();

        thrown.Which.ParamName.Should().Be("cursor");
        thrown.Which.Message.Should().Contain("no-such-cursor");
    }

    [Fact]
    public void Id_Always_IsTheGivenId()
    {
        CreateSource("crm", MakeDeltas(1), 1).Id.Should().Be("crm");
    }

    private static List<Delta> MakeDeltas(int count) =>
        Enumerable.Range(0, count)
            .Select(i => i % 4 == 3
                ? Delta.Delete("items", "i" + (i - 1), "src")
                : Delta.Upsert("items", "i" + i, new { n = i }, "src"))
            .ToList();
}
