namespace OxideMirror.Tests.Conflicts;

public sealed class NewestWinsTests : ConflictStrategyContractTests
{
    private static readonly DateTimeOffset T0 = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);

    protected override IConflictStrategy CreateStrategy() => NewestWins.Instance;

    [Fact]
    public async Task ApplyAsync_OlderOccurredAt_IsSkipped()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Delta.Upsert("orders", "o1", new { status = "shipped" }, "shop").At(T0.AddMinutes(10)), NewestWins.Instance);

        var result = await store.ApplyAsync(Delta.Upsert("orders", "o1", new { status = "paid" }, "shop").At(T0.AddMinutes(5)), NewestWins.Instance);

        result.Should().Be(new AppliedDelta(false, ApplyDecision.Skipped, 1));
        var record = await store.GetRecordAsync("orders", "o1");
        record!.Payload.ShouldBeJson("""{"status":"shipped"}""");
        record.OccurredAt.Should().Be(T0.AddMinutes(10));
        (await MirrorTables.EventsAsync(store)).Select(e => (e.Decision, e.Strategy)).Should().Equal(("insert", "newest-wins"), ("skip", "newest-wins"));
    }

    [Fact]
    public async Task ApplyAsync_SameInstantInAnotherOffset_IsATieAndApplies()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Delta.Upsert("orders", "o1", new { status = "paid" }, "shop").At(T0), NewestWins.Instance);

        var result = await store.ApplyAsync(Delta.Upsert("orders", "o1", new { status = "shipped" }, "shop").At(T0.ToOffset(TimeSpan.FromHours(2))), NewestWins.Instance);

        result.Decision.Should().Be(ApplyDecision.Updated);
    }

    [Fact]
    public async Task SyncAsync_OutOfOrderPage_CannotRollBack()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var source = new StaticSource("shop",
        [
            new PullResult([Delta.Upsert("orders", "o1", new { status = "shipped" }, "shop").At(T0.AddMinutes(10))], "p1", true),
            new PullResult([Delta.Upsert("orders", "o1", new { status = "paid" }, "shop").At(T0.AddMinutes(5)), Delta.Upsert("orders", "o2", new { status = "new" }, "shop").At(T0)], "p2", false),
        ]);

        var report = await new Syncer(store, NewestWins.Instance).SyncAsync(source);

        (await store.GetRecordAsync("orders", "o1"))!.Payload.ShouldBeJson("""{"status":"shipped"}""");
        (await store.GetRecordAsync("orders", "o2")).Should().NotBeNull();
        report.PerResource["orders"].Skipped.Should().Be(1);
        report.PerResource["orders"].Inserted.Should().Be(2);
    }

    [Fact]
    public async Task ApplyAsync_OlderUpsertAfterLaterDelete_DoesNotResurrect()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Delta.Upsert("orders", "o1", new { status = "paid" }, "shop").At(T0), NewestWins.Instance);
        await store.ApplyAsync(Delta.Delete("orders", "o1", "shop").At(T0.AddMinutes(30)), NewestWins.Instance);

        var stale = await store.ApplyAsync(Delta.Upsert("orders", "o1", new { status = "shipped" }, "shop").At(T0.AddMinutes(10)), NewestWins.Instance);

        stale.Should().Be(new AppliedDelta(false, ApplyDecision.Skipped, 2));
        (await store.GetRecordAsync("orders", "o1")).Should().BeNull();
        var tombstone = await store.GetTombstoneAsync("orders", "o1");
        tombstone!.OccurredAt.Should().Be(T0.AddMinutes(30));
        tombstone.Version.Should().Be(2);
    }

    [Fact]
    public async Task ApplyAsync_NewerUpsertAfterDelete_Resurrects()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Delta.Upsert("orders", "o1", new { status = "paid" }, "shop").At(T0), NewestWins.Instance);
        await store.ApplyAsync(Delta.Delete("orders", "o1", "shop").At(T0.AddMinutes(30)), NewestWins.Instance);

        var result = await store.ApplyAsync(Delta.Upsert("orders", "o1", new { status = "restored" }, "shop").At(T0.AddMinutes(40)), NewestWins.Instance);

        result.Should().Be(new AppliedDelta(true, ApplyDecision.Inserted, 3));
        (await store.GetRecordAsync("orders", "o1"))!.Payload.ShouldBeJson("""{"status":"restored"}""");
    }
}
