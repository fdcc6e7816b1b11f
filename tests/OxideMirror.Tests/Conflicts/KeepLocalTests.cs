namespace OxideMirror.Tests.Conflicts;

public sealed class KeepLocalTests : ConflictStrategyContractTests
{
    protected override IConflictStrategy CreateStrategy() => KeepLocal.Instance;

    [Fact]
    public async Task ApplyAsync_LaterUpserts_KeepFirstVersionAndLogSkips()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var first = await store.ApplyAsync(Delta.Upsert("notes", "n1", new { text = "first" }, "local"), KeepLocal.Instance);

        var second = await store.ApplyAsync(Delta.Upsert("notes", "n1", new { text = "second" }, "remote").WithConfidence(1), KeepLocal.Instance);

        first.Should().Be(new AppliedDelta(true, ApplyDecision.Inserted, 1));
        second.Should().Be(new AppliedDelta(false, ApplyDecision.Skipped, 1));
        var record = await store.GetRecordAsync("notes", "n1");
        record!.Payload.ShouldBeJson("""{"text":"first"}""");
        record.Source.Should().Be("local");
        (await MirrorTables.EventsAsync(store)).Select(e => (e.Decision, e.Applied, e.Strategy))
            .Should().Equal(("insert", true, "keep-local"), ("skip", false, "keep-local"));
    }

    [Fact]
    public async Task ApplyAsync_DeleteOfLiveRecord_IsSkipped()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Delta.Upsert("notes", "n1", new { text = "first" }, "local"), KeepLocal.Instance);

        var result = await store.ApplyAsync(Delta.Delete("notes", "n1", "remote"), KeepLocal.Instance);

        result.Should().Be(new AppliedDelta(false, ApplyDecision.Skipped, 1));
        (await store.GetRecordAsync("notes", "n1")).Should().NotBeNull();
    }

    [Fact]
    public async Task ApplyAsync_UpsertAfterDelete_Applies()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Delta.Upsert("notes", "n1", new { text = "first" }, "local"), KeepLocal.Instance);
        await store.ApplyAsync(Delta.Delete("notes", "n1", "admin"), LastWriteWins.Instance);

        var result = await store.ApplyAsync(Delta.Upsert("notes", "n1", new { text = "reborn" }, "remote"), KeepLocal.Instance);
        var later = await store.ApplyAsync(Delta.Upsert("notes", "n1", new { text = "later" }, "remote"), KeepLocal.Instance);

        result.Should().Be(new AppliedDelta(true, ApplyDecision.Inserted, 3));
        later.Should().Be(new AppliedDelta(false, ApplyDecision.Skipped, 3));
        (await store.GetRecordAsync("notes", "n1"))!.Payload.ShouldBeJson("""{"text":"reborn"}""");
    }
}
