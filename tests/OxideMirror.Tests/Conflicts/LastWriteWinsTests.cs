namespace OxideMirror.Tests.Conflicts;

public sealed class LastWriteWinsTests : ConflictStrategyContractTests
{
    private static readonly DateTimeOffset T0 = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);

    protected override IConflictStrategy CreateStrategy() => LastWriteWins.Instance;

    [Fact]
    public async Task ApplyBatchAsync_OlderAndLessTrustedArrivingLast_StillWins()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var results = await store.ApplyBatchAsync(
            [
                Delta.Upsert("orders", "o1", new { v = 1 }, "a").At(T0.AddMinutes(10)).WithConfidence(1),
                Delta.Upsert("orders", "o1", new { v = 2 }, "b").At(T0.AddMinutes(20)).WithConfidence(0.9),
                Delta.Upsert("orders", "o1", new { v = 3 }, "c").At(T0).WithConfidence(0.1),
            ],
            LastWriteWins.Instance);

        results.Select(r => r.Decision).Should().Equal(ApplyDecision.Inserted, ApplyDecision.Updated, ApplyDecision.Updated);
        var record = await store.GetRecordAsync("orders", "o1");
        record!.Payload.ShouldBeJson("""{"v":3}""");
        record.Source.Should().Be("c");
        record.Version.Should().Be(3);
        record.OccurredAt.Should().Be(T0);
        (await MirrorTables.EventsAsync(store)).Select(e => (e.Version, e.Strategy)).Should().Equal((1L, "last-write-wins"), (2L, "last-write-wins"), (3L, "last-write-wins"));
    }

    [Fact]
    public async Task ApplyAsync_UpsertAfterDelete_Resurrects()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Delta.Upsert("orders", "o1", new { v = 1 }, "a").At(T0.AddDays(1)), LastWriteWins.Instance);
        await store.ApplyAsync(Delta.Delete("orders", "o1", "a").At(T0.AddDays(2)), LastWriteWins.Instance);

        var result = await store.ApplyAsync(Delta.Upsert("orders", "o1", new { v = 2 }, "a").At(T0), LastWriteWins.Instance);

        result.Should().Be(new AppliedDelta(true, ApplyDecision.Inserted, 3));
        (await store.GetRecordAsync("orders", "o1"))!.Payload.ShouldBeJson("""{"v":2}""");
    }
}
