namespace OxideMirror.Tests.Sync;

public sealed partial class SyncerTests
{
    [Fact]
    public async Task SyncAllAsync_OneSourceFails_OthersSyncAndFailureIsReported()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var outage = new InvalidOperationException("The remote API is down.");
        var alpha = StaticSource.FromDeltas("alpha", Items("a", 3, source: "alpha"));
        var broken = DelegateSource.Around(StaticSource.FromDeltas("broken", Items("b", 6, source: "broken"), pageSize: 2), (n, _) =>
        {
            if (n == 2)
            {
                throw outage;
            }
        });
        var invalid = new StaticSource("charlie",
        [
            new PullResult(Items("c", 2, source: "charlie"), "c-1", true),
            new PullResult([.. Items("c", 1, from: 2, source: "charlie"), Delta.Upsert("c", "", new { n = 0 }, "charlie")], "c-2", false),
        ]);
        var last = StaticSource.FromDeltas("dog", Items("d", 2, source: "dog"));
        var syncer = new Syncer(store).AddSource(last).AddSource(invalid).AddSource(broken).AddSource(alpha);

        var reports = await syncer.SyncAllAsync();

        reports.Select(r => r.Source).Should().Equal("alpha", "broken", "charlie", "dog");
        reports.Select(r => r.Succeeded).Should().Equal(true, false, false, true);
        reports[0].Pulled.Should().Be(3);
        reports[3].Pulled.Should().Be(2);

        reports[1].Error.Should().BeSameAs(outage);
        (reports[1].Pages, reports[1].Pulled, reports[1].FinalCursor).Should().Be((1, 2L, "2"));
        reports[1].ToString().Should().Contain("failed after 1 page(s)").And.Contain("The remote API is down.");
        (await store.GetCursorAsync("broken")).Should().Be("2", "the page committed before the failure stays committed");
        (await MirrorTables.LiveRecordIdsAsync(store, "b")).Should().Equal(Id(0), Id(1));

        reports[2].Error.Should().BeOfType<InvalidDeltaException>().Which.Field.Should().Be("RecordId");
        (reports[2].Pages, reports[2].FinalCursor).Should().Be((1, "c-1"));
        (await store.GetCursorAsync("charlie")).Should().Be("c-1");
        (await MirrorTables.LiveRecordIdsAsync(store, "c")).Should().Equal(Id(0), Id(1));

        (await MirrorTables.LiveRecordIdsAsync(store, "a")).Should().HaveCount(3);
        (await MirrorTables.LiveRecordIdsAsync(store, "d")).Should().HaveCount(2);
        (await store.GetCursorAsync("dog")).Should().Be("2");
    }

    [Fact]
    public async Task SyncAsync_DeltaMarkedWithAnotherSource_IsRefusedNamingBoth_AndCommitsNothingOfThatPage()
    {
        // Before, crm's page of deltas marked billing was applied: _source and freshness said billing, the cursor crm.
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var source = new StaticSource("crm",
        [
            new PullResult(Items("customers", 2, source: "crm"), "p1", true),
            new PullResult([.. Items("customers", 1, from: 2, source: "crm"), Delta.Upsert("customers", "c9", new { n = 9 }, "billing")], "p2", false),
        ]);

        var syncing = () => new Syncer(store).AddSource(source).SyncAsync(source);

        (await syncing.Should().ThrowExactlyAsync<MirrorException>()).Which.Message.Should()
            .Contain("Source 'crm'").And.Contain("came from source 'billing'").And.Contain("customers/c9").And.Contain("Nothing of this page was applied");
        (await store.GetCursorAsync("crm")).Should().Be("p1");
        (await MirrorTables.LiveRecordIdsAsync(store, "customers")).Should().HaveCount(2);
    }

    [Fact]
    public async Task SyncStreamAsync_DeltaMarkedWithAnotherSource_IsRefused()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var source = StaticSource.FromDeltas("crm", [Delta.Upsert("customers", "c1", new { n = 1 }, "billing")]);

        var streaming = () => new Syncer(store).SyncStreamAsync(source);

        (await streaming.Should().ThrowAsync<MirrorException>()).Which.Message.Should().Contain("came from source 'billing'");
        (await MirrorTables.LiveRecordIdsAsync(store, "customers")).Should().BeEmpty();
    }

    [Fact]
    public async Task SyncAsync_PageWithInvalidDelta_CommitsNothingOfThatPageAndKeepsCursor()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var source = new StaticSource("shop",
        [
            new PullResult(Items("orders", 2), "p1", true),
            new PullResult([.. Items("orders", 1, from: 2), Delta.Upsert("orders", "r099", new { n = 99 }, "shop").WithConfidence(double.NaN)], "p2", true),
            new PullResult(Items("orders", 1, from: 3), "p3", false),
        ]);
        var syncer = new Syncer(store);

        var thrown = await FluentActions.Awaiting(() => syncer.SyncAsync(source)).Should().ThrowExactlyAsync<InvalidDeltaException>();

        thrown.Which.Field.Should().Be("Provenance.Confidence");
        thrown.Which.Index.Should().Be(1);
        thrown.Which.Message.Should().Contain("orders/r099").And.Contain("NaN");
        (await store.GetCursorAsync("shop")).Should().Be("p1");
        (await MirrorTables.LiveRecordIdsAsync(store, "orders")).Should().Equal(Id(0), Id(1));
        (await store.EventCountAsync()).Should().Be(2);
        source.PullCount.Should().Be(2, "the sync stops at the bad page");

        var retry = await FluentActions.Awaiting(() => syncer.SyncAsync(source)).Should().ThrowAsync<InvalidDeltaException>();
        retry.Which.Index.Should().Be(1);
        (await store.EventCountAsync()).Should().Be(2, "a retry resumes before the bad page and still commits nothing of it");
        (await store.ApplyAsync(Delta.Upsert("orders", "x", new { n = 1 }, "shop"), LastWriteWins.Instance)).Applied.Should().BeTrue("the store stays usable");
    }

    [Fact]
    public async Task SyncAsync_SourceThrows_PropagatesSameExceptionAndKeepsCommittedPages()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var failure = new HttpRequestException("503 Service Unavailable");
        var source = DelegateSource.Around(StaticSource.FromDeltas("shop", Items("orders", 6), pageSize: 2), (n, _) =>
        {
            if (n == 3)
            {
                throw failure;
            }
        });

        var thrown = await FluentActions.Awaiting(() => new Syncer(store).SyncAsync(source)).Should().ThrowAsync<HttpRequestException>();

        thrown.Which.Should().BeSameAs(failure);
        (await store.GetCursorAsync("shop")).Should().Be("4");
        (await store.EventCountAsync()).Should().Be(4);
    }

    [Fact]
    public async Task SyncAsync_CancelledInsidePullOfPage3_CommitsPagesOneAndTwoOnly()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var cts = new CancellationTokenSource();
        var inner = StaticSource.FromDeltas("shop", Items("orders", 9), pageSize: 3);
        var source = new DelegateSource("shop", async (n, cursor, token) =>
        {
            var page = await inner.PullAsync(cursor, token);
            if (n == 3)
            {
                await cts.CancelAsync(); // the page is returned intact; only the token says stop
            }

            return page;
        });

        await FluentActions.Awaiting(() => new Syncer(store).SyncAsync(source, cts.Token)).Should().ThrowAsync<OperationCanceledException>();

        source.PullCount.Should().Be(3);
        (await store.GetCursorAsync("shop")).Should().Be("6");
        (await MirrorTables.LiveRecordIdsAsync(store, "orders")).Should().Equal(Enumerable.Range(0, 6).Select(Id));
        (await store.EventCountAsync()).Should().Be(6);
    }

    [Theory]
    [InlineData(3, 5)]     // cancelled while deciding the 2nd change of page 2: caught before commit
    [InlineData(600, 900)] // cancelled at change 300 of a 600-change page 2: caught inside the apply loop
    public async Task SyncAsync_CancelledWhileApplyingPage_CommitsNothingOfThatPage(int pageSize, int cancelAt)
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var cts = new CancellationTokenSource();
        var source = StaticSource.FromDeltas("shop", Items("orders", pageSize * 3), pageSize);
        var syncer = new Syncer(store, new CancellingStrategy(cts, cancelAt));

        await FluentActions.Awaiting(() => syncer.SyncAsync(source, cts.Token)).Should().ThrowAsync<OperationCanceledException>();

        (await store.GetCursorAsync("shop")).Should().Be(pageSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
        (await store.EventCountAsync()).Should().Be(pageSize);
        (await store.RecordCountsAsync())["orders"].Should().Be(pageSize);
    }

    [Fact]
    public async Task SyncAllAsync_Cancelled_ThrowsInsteadOfReporting()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var cts = new CancellationTokenSource();
        var first = DelegateSource.Around(StaticSource.FromDeltas("a", Items("a", 4, source: "a"), pageSize: 2), (n, _) =>
        {
            if (n == 2)
            {
                cts.Cancel();
            }
        });
        var second = StaticSource.FromDeltas("b", Items("b", 2, source: "b"));
        var syncer = new Syncer(store).AddSource(first).AddSource(second);

        await FluentActions.Awaiting(() => syncer.SyncAllAsync(cts.Token)).Should().ThrowAsync<OperationCanceledException>();

        second.PullCount.Should().Be(0);
        (await store.GetCursorAsync("a")).Should().Be("2");
    }

    [Fact]
    public async Task SyncAsync_EmptyPageWithHasMoreAndSameCursor_ThrowsInsteadOfLooping()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var source = new DelegateSource("stuck", (n, cursor, _) => n switch
        {
            1 => Task.FromResult(new PullResult(Items("orders", 1, source: "stuck"), "c1", HasMore: true)),
            < 10 => Task.FromResult(new PullResult([], cursor, HasMore: true)),
            _ => throw new InvalidOperationException("The syncer kept pulling a source that never advances."),
        });

        var thrown = await FluentActions.Awaiting(() => new Syncer(store).SyncAsync(source)).Should().ThrowExactlyAsync<MirrorException>();

        thrown.Which.Message.Should().Contain("'stuck'").And.Contain("'c1'").And.Contain("HasMore");
        source.PullCount.Should().Be(2);
        (await store.GetCursorAsync("stuck")).Should().Be("c1");
        (await store.EventCountAsync()).Should().Be(1);
    }

    [Fact]
    public async Task SyncAsync_NonEmptyPageWithHasMoreAndSameCursor_ThrowsAndAppliesNothingOfIt()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var source = new DelegateSource("stuck", (n, cursor, _) => n switch
        {
            1 => Task.FromResult(new PullResult(Items("orders", 1, source: "stuck"), "c1", HasMore: true)),
            < 10 => Task.FromResult(new PullResult(Items("orders", 3, source: "stuck"), cursor, HasMore: true)),
            _ => throw new InvalidOperationException("The syncer kept pulling a source that never advances."),
        });

        var thrown = await FluentActions.Awaiting(() => new Syncer(store).SyncAsync(source)).Should().ThrowExactlyAsync<MirrorException>();

        thrown.Which.Message.Should().Contain("'stuck'").And.Contain("'c1'").And.Contain("Nothing of this page was applied");
        source.PullCount.Should().Be(2);
        (await store.EventCountAsync()).Should().Be(1);
    }

    [Fact]
    public async Task SyncAsync_PageWithHasMoreButNullCursor_ThrowsInsteadOfRestartingFromTheBeginning()
    {
        // A paginator whose "next" link is missing while the body still says has_more: a null cursor means "from the
        // beginning", so following it would pull page 1 again, then this page, and so on without end.
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var source = new DelegateSource("lost", (n, cursor, _) => n < 10
            ? Task.FromResult(cursor is null
                ? new PullResult(Items("orders", 2, source: "lost"), "c1", HasMore: true)
                : new PullResult(Items("orders", 2, from: 2, source: "lost"), null, HasMore: true))
            : throw new InvalidOperationException("The syncer kept pulling a source that restarts."));

        var thrown = await FluentActions.Awaiting(() => new Syncer(store).SyncAsync(source)).Should().ThrowExactlyAsync<MirrorException>();

        thrown.Which.Message.Should().Contain("'lost'").And.Contain("'c1'").And.Contain("no NextCursor").And.Contain("Nothing of this page was applied");
        source.PullCount.Should().Be(2);
        (await store.GetCursorAsync("lost")).Should().Be("c1");
        (await MirrorTables.LiveRecordIdsAsync(store, "orders")).Should().Equal(Id(0), Id(1));
    }

    [Fact]
    public async Task SyncAsync_PageWithCursorSQLiteCannotStore_ThrowsMirrorExceptionAndAppliesNothingOfIt()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var source = new StaticSource("cut", [new PullResult(Items("orders", 1, source: "cut"), "c1", true), new PullResult(Items("orders", 1, from: 1, source: "cut"), "c2-\uD83D", false)]);

        var thrown = await FluentActions.Awaiting(() => new Syncer(store).SyncAsync(source)).Should().ThrowExactlyAsync<MirrorException>();

        thrown.Which.Message.Should().Contain("'cut'").And.Contain("\"c2-\\uD83D\"").And.Contain("unpaired UTF-16 surrogate").And.Contain("Nothing of this page was applied");
        (await store.GetCursorAsync("cut")).Should().Be("c1");
        (await store.EventCountAsync()).Should().Be(1);
    }

    [Fact]
    public async Task SyncAllAsync_StuckSourceFromStart_IsReportedNotLooped()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var source = new DelegateSource("stuck", (n, cursor, _) => n < 10
            ? Task.FromResult(new PullResult([], cursor, HasMore: true))
            : throw new InvalidOperationException("The syncer kept pulling a source that never advances."));

        var reports = await new Syncer(store).AddSource(source).SyncAllAsync();

        reports.Should().ContainSingle().Which.Error.Should().BeOfType<MirrorException>();
        source.PullCount.Should().Be(1);
    }

    [Fact]
    public async Task SyncAsync_EmptyPagesThatAdvanceCursor_AreFollowed()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var source = new StaticSource("quiet", [new PullResult([], "a", true), new PullResult([], "b", true), new PullResult(Items("o", 1, source: "quiet"), "c", false)]);

        var report = await new Syncer(store).SyncAsync(source);

        (report.Pages, report.Pulled, report.FinalCursor).Should().Be((3, 1L, "c"));
    }

    [Fact]
    public async Task SyncAsync_SourceReturnsNullPageOrNullDeltas_ThrowsMirrorException()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var nullPage = new DelegateSource("nullpage", (_, _, _) => Task.FromResult<PullResult>(null!));
        var nullDeltas = new DelegateSource("nulldeltas", (_, _, _) => Task.FromResult(new PullResult(null!, "x", false)));
        var syncer = new Syncer(store);

        (await FluentActions.Awaiting(() => syncer.SyncAsync(nullPage)).Should().ThrowExactlyAsync<MirrorException>()).Which.Message.Should().Contain("'nullpage'");
        (await FluentActions.Awaiting(() => syncer.SyncAsync(nullDeltas)).Should().ThrowExactlyAsync<MirrorException>()).Which.Message.Should().Contain("'nulldeltas'");
        (await store.GetCursorAsync("nulldeltas")).Should().BeNull();
    }
}
