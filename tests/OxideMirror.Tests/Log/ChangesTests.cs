using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using static OxideMirror.Tests.StoreTestKit;

namespace OxideMirror.Tests.Log;

/// <summary>Changes since a position or a time: the net change per record, paged, with the position to continue from.</summary>
public sealed class ChangesTests
{
    private static Delta Order(string id, int total) => Delta.Upsert("orders", id, new { total }, "shop").At(T0);

    private static Delta Remove(string resource, string id) => Delta.Delete(resource, id, "crm").At(T0);

    [Fact]
    public async Task GetChangesAsync_FromZero_ReportsNetChangePerRecordAndCountsPerResource()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyBatchAsync([Customer("c1", "Ada"), Customer("c2", "Grace"), Order("o1", 5)], LastWriteWins.Instance);
        await store.ApplyBatchAsync([Customer("c1", "Ada L"), Remove("customers", "c2"), Customer("c3", "Edsger"), Remove("customers", "c3"), Remove("customers", "c9")], LastWriteWins.Instance);

        var changes = await store.GetChangesAsync(0);

        changes.FromPosition.Should().Be(0);
        changes.Position.Should().Be(await store.GetPositionAsync());
        changes.HasMore.Should().BeFalse();
        changes.Changes.Select(c => (c.Resource, c.RecordId, c.Kind, c.ExistedAtStart, c.Version, c.ChangeCount)).Should().Equal(
            ("orders", "o1", ChangeKind.Inserted, false, 1L, 1),
            ("customers", "c1", ChangeKind.Inserted, false, 2L, 2),
            ("customers", "c2", ChangeKind.Deleted, false, 2L, 2),
            ("customers", "c3", ChangeKind.Deleted, false, 2L, 2),
            ("customers", "c9", ChangeKind.Deleted, false, 1L, 1));
        changes.Changes[1].Payload.ShouldBeJson("""{"name":"Ada L"}""");
        changes.Changes[2].Payload.ValueKind.Should().Be(JsonValueKind.Undefined);
        changes.Counts.Should().BeEquivalentTo(new Dictionary<string, ResourceChangeCounts>
        {
            ["customers"] = new(Inserted: 1, Updated: 0, Deleted: 3),
            ["orders"] = new(Inserted: 1, Updated: 0, Deleted: 0),
        });
    }

    [Fact]
    public async Task GetChangesAsync_FromEarlierPosition_ComparesWithTheStateAtThatPosition()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyBatchAsync([Customer("c1", "Ada"), Customer("c2", "Grace"), Customer("c4", "Alan"), Customer("c5", "Barbara")], LastWriteWins.Instance);
        var seen = (await store.GetChangesAsync(0)).Position;
        await store.ApplyBatchAsync(
            [Customer("c1", "Ada L"), Remove("customers", "c2"), Customer("c3", "Edsger"), Remove("customers", "c4"), Customer("c4", "Alan T"), Customer("c5", "B"), Customer("c5", "Barbara")],
            LastWriteWins.Instance);

        var changes = await store.GetChangesAsync(seen);

        changes.FromPosition.Should().Be(seen);
        changes.Changes.Select(c => (c.RecordId, c.Kind, c.ExistedAtStart)).Should().Equal(
            ("c1", ChangeKind.Updated, true),
            ("c2", ChangeKind.Deleted, true),
            ("c3", ChangeKind.Inserted, false),
            ("c4", ChangeKind.Updated, true), // deleted and re-created: live at both ends
            ("c5", ChangeKind.Updated, true)); // changed and changed back: still reported
        changes.Changes[0].Source.Should().Be("crm");
        changes.Counts["customers"].Should().Be(new ResourceChangeCounts(1, 3, 1));
    }

    [Fact]
    public async Task GetChangesAsync_SkippedAndUnchangedDeltas_AreNotReportedButPassedOver()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);
        var seen = await store.GetPositionAsync();
        await store.ApplyAsync(Customer("c1", "Eve"), KeepLocal.Instance);
        await store.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);

        var changes = await store.GetChangesAsync(seen);

        changes.Changes.Should().BeEmpty();
        changes.Counts.Should().BeEmpty();
        changes.Position.Should().Be(seen + 2);
        (await store.GetChangesAsync(changes.Position)).Position.Should().Be(changes.Position);
    }

    [Fact]
    public async Task GetChangesAsync_BacklogLargerThanLimit_IsPagedAndPagesAddUpToOneRead()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyBatchAsync(Enumerable.Range(0, 25).Select(i => Customer($"c{i:00}", "v1")).ToList(), LastWriteWins.Instance);
        await store.ApplyBatchAsync([Remove("customers", "c00"), Customer("c01", "v2"), Customer("c25", "new")], LastWriteWins.Instance);

        var pages = new List<ChangeSet>();
        var position = 0L;
        while (true)
        {
            var page = await store.GetChangesAsync(position, limit: 10);
            page.FromPosition.Should().Be(position);
            pages.Add(page);
            position = page.Position;
            if (!page.HasMore)
            {
                break;
            }
        }

        pages.Select(p => p.Changes.Sum(c => c.ChangeCount)).Should().Equal(10, 10, 8);
        pages.Select(p => p.HasMore).Should().Equal(true, true, false);
        pages.Select(p => p.Position).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        position.Should().Be(await store.GetPositionAsync());

        // c00 was inserted on page 1 and deleted on page 3: each page reports against its own start.
        pages[0].Changes.Should().ContainSingle(c => c.RecordId == "c00").Which.Kind.Should().Be(ChangeKind.Inserted);
        pages[2].Changes.Select(c => (c.RecordId, c.Kind, c.ExistedAtStart)).Should().Equal(
            ("c20", ChangeKind.Inserted, false), ("c21", ChangeKind.Inserted, false), ("c22", ChangeKind.Inserted, false),
            ("c23", ChangeKind.Inserted, false), ("c24", ChangeKind.Inserted, false),
            ("c00", ChangeKind.Deleted, true), ("c01", ChangeKind.Updated, true), ("c25", ChangeKind.Inserted, false));

        var whole = await store.GetChangesAsync(0, limit: 1000);
        whole.Changes.Select(c => (c.RecordId, c.Kind)).Should().Contain([("c00", ChangeKind.Deleted), ("c01", ChangeKind.Inserted)]);
        whole.Changes.Should().HaveCount(26);
    }

    [Fact]
    public async Task GetChangesAsync_ResourceFilter_ReportsOnlyThatResourceAndStillAdvancesToTheEnd()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyBatchAsync([Customer("c1", "Ada"), Order("o1", 5), Customer("c2", "Grace"), Order("o2", 7)], LastWriteWins.Instance);
        await store.ApplyBatchAsync([Customer("c3", "Edsger")], LastWriteWins.Instance);

        var orders = await store.GetChangesAsync(0, resource: "orders");

        orders.Changes.Select(c => c.RecordId).Should().Equal("o1", "o2");
        orders.Counts.Keys.Should().Equal("orders");
        orders.Position.Should().Be(await store.GetPositionAsync());

        var paged = await store.GetChangesAsync(0, resource: "orders", limit: 1);
        paged.Changes.Select(c => c.RecordId).Should().Equal("o1");
        paged.HasMore.Should().BeTrue();
        var next = await store.GetChangesAsync(paged.Position, resource: "orders", limit: 1);
        next.Changes.Select(c => c.RecordId).Should().Equal("o2");
    }

    [Fact]
    public async Task GetChangesAsync_SinceTime_ReportsChangesAppliedAfterIt()
    {
        var time = new FakeTimeProvider(T0);
        await using var store = await MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { TimeProvider = time });
        await store.ApplyBatchAsync([Customer("c1", "Ada"), Customer("c2", "Grace")], LastWriteWins.Instance);
        var afterFirst = await store.GetPositionAsync();
        time.Advance(TimeSpan.FromMinutes(10));
        await store.ApplyBatchAsync([Customer("c1", "Ada L"), Customer("c3", "Edsger")], LastWriteWins.Instance);

        var sinceFirst = await store.GetChangesAsync(T0.AddMinutes(5), resource: null, CancellationToken.None);
        var sinceStart = await store.GetChangesAsync(T0.AddSeconds(-1), resource: null, CancellationToken.None);
        var sinceNow = await store.GetChangesAsync(T0.AddMinutes(10), resource: null, CancellationToken.None);
        var customersAtFirstCommit = await store.GetChangesAsync(T0, "customers", CancellationToken.None);

        sinceFirst.FromPosition.Should().Be(afterFirst);
        sinceFirst.Changes.Select(c => (c.RecordId, c.Kind)).Should().Equal(("c1", ChangeKind.Updated), ("c3", ChangeKind.Inserted));
        sinceFirst.Changes.Should().OnlyContain(c => c.AppliedAt == T0.AddMinutes(10));
        sinceStart.FromPosition.Should().Be(0);
        sinceStart.Changes.Select(c => c.RecordId).Should().Equal("c2", "c1", "c3");
        sinceNow.Changes.Should().BeEmpty();
        customersAtFirstCommit.Changes.Select(c => c.RecordId).Should().Equal("c1", "c3");
    }

    [Fact]
    public async Task GetChangesAsync_SinceTimeAfterTheClockSteppedBack_ReportsEveryChangeAppliedAfterIt()
    {
        using var dir = new TempDirectory();
        var clock = new SettableClock(T0.AddHours(1));
        await using (var first = await MirrorStore.OpenAsync(dir.File(), new MirrorStoreOptions { TimeProvider = clock }))
        {
            await first.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);
        }

        // The clock steps back an hour (an NTP correction), across a reopen: the next batch is still applied after c1's.
        clock.Now = T0;
        await using var store = await MirrorStore.OpenAsync(dir.File(), new MirrorStoreOptions { TimeProvider = clock });
        await store.ApplyAsync(Customer("c2", "Grace"), LastWriteWins.Instance);
        clock.Now = T0.AddMinutes(10);
        await store.ApplyAsync(Customer("c3", "Edsger"), LastWriteWins.Instance);

        var sinceHalfPast = await store.GetChangesAsync(T0.AddMinutes(30), resource: null, CancellationToken.None);
        var history = await store.GetHistoryAsync("customers", "c2");

        sinceHalfPast.FromPosition.Should().Be(0);
        sinceHalfPast.Changes.Select(c => c.RecordId).Should().Equal("c1", "c2", "c3");
        history.Single().AppliedAt.Should().Be(T0.AddHours(1), "an applied time never goes back behind the log's last one");
    }

    [Fact]
    public async Task GetChangesAsync_SnapshotInTheWindow_AsksTheLogWhetherTheRecordExistedBefore()
    {
        using var directory = new TempDirectory();
        var path = directory.File();
        await using var store = await MirrorStore.OpenAsync(path);
        await store.ApplyBatchAsync([Customer("c1", "Ada"), Customer("c2", "Grace"), Customer("c3", "Alan")], LastWriteWins.Instance);
        await store.ApplyAsync(Remove("customers", "c3"), LastWriteWins.Instance);
        var seen = await store.GetPositionAsync();
        EventLogTestKit.Compact(path, "customers", "c1", removeEvents: false);
        EventLogTestKit.Compact(path, "customers", "c3", removeEvents: false);
        EventLogTestKit.Compact(path, "customers", "c2");

        var fromStart = await store.GetChangesAsync(0);
        var fromSeen = await store.GetChangesAsync(seen);

        fromStart.Changes.Select(c => (c.RecordId, c.Kind, c.ExistedAtStart)).Should().Equal(
            ("c1", ChangeKind.Inserted, false), ("c3", ChangeKind.Deleted, false), ("c2", ChangeKind.Inserted, false));
        fromSeen.Changes.Select(c => (c.RecordId, c.Kind, c.ExistedAtStart)).Should().Equal(
            ("c1", ChangeKind.Updated, true),   // the earlier insert is still in the log
            ("c3", ChangeKind.Deleted, false),  // deleted at the start, deleted now
            ("c2", ChangeKind.Inserted, false)); // the log no longer says it existed: documented
    }

    [Fact]
    public async Task GetChangesAsync_PositionPastTheEnd_ReturnsNothingAndKeepsThePosition()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);

        var changes = await store.GetChangesAsync(100);

        changes.Changes.Should().BeEmpty();
        changes.Position.Should().Be(100);
        changes.HasMore.Should().BeFalse();
    }

    [Fact]
    public async Task GetChangesAsync_InvalidArguments_Throw()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        await store.Invoking(s => s.GetChangesAsync(-1)).Should().ThrowAsync<ArgumentOutOfRangeException>().WithParameterName("sincePosition");
        (await store.Invoking(s => s.GetChangesAsync(0, limit: 0)).Should().ThrowAsync<ArgumentOutOfRangeException>().WithParameterName("limit"))
            .WithMessage("The limit must be between 1 and 100,000 events per page; read a larger backlog page by page.*");
        await store.Invoking(s => s.GetChangesAsync(0, limit: 100_001)).Should().ThrowAsync<ArgumentOutOfRangeException>().WithParameterName("limit");
        await store.Invoking(s => s.GetChangesAsync(0, resource: " ")).Should().ThrowAsync<ArgumentException>().WithParameterName("resource");
        await store.Invoking(s => s.GetChangesAsync(T0, "", CancellationToken.None)).Should().ThrowAsync<ArgumentException>().WithParameterName("resource");
    }

    [Fact]
    public async Task GetPositionAsync_EmptyLog_IsZeroAndGrowsWithEachEvent()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        (await store.GetPositionAsync()).Should().Be(0);

        await store.ApplyBatchAsync([Customer("c1", "Ada"), Customer("c1", "Ada"), Customer("c2", "Grace")], LastWriteWins.Instance);

        (await store.GetPositionAsync()).Should().Be(3);
    }
}
