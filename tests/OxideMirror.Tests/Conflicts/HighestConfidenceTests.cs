namespace OxideMirror.Tests.Conflicts;

public sealed class HighestConfidenceTests : ConflictStrategyContractTests
{
    private static readonly DateTimeOffset T0 = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);

    protected override IConflictStrategy CreateStrategy() => HighestConfidence.Instance;

    [Fact]
    public void Resolve_LowerConfidence_Skips()
    {
        var (existing, incoming) = Build("live-upsert-older-less-trusted");

        HighestConfidence.Instance.Resolve(existing, incoming).Should().BeSameAs(ConflictResolution.Skip);
    }

    [Fact]
    public void Resolve_EqualConfidence_AppliesIncoming()
    {
        var (existing, incoming) = Build("live-upsert-same-time-same-confidence");

        HighestConfidence.Instance.Resolve(existing, incoming).Should().BeSameAs(ConflictResolution.Apply);
    }

    [Fact]
    public async Task ApplyAsync_LowerConfidenceUpdate_SkipsAndLogsIt()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Delta.Upsert("pets", "p1", new { name = "Rex" }, "vet").WithConfidence(0.9).At(T0), HighestConfidence.Instance);

        var result = await store.ApplyAsync(Delta.Upsert("pets", "p1", new { name = "Max" }, "shelter").WithConfidence(0.5).At(T0.AddHours(1)), HighestConfidence.Instance);

        result.Should().Be(new AppliedDelta(false, ApplyDecision.Skipped, 1));
        var record = await store.GetRecordAsync("pets", "p1");
        record!.Payload.ShouldBeJson("""{"name":"Rex"}""");
        record.Source.Should().Be("vet");
        record.Confidence.Should().Be(0.9);
        record.Version.Should().Be(1);

        var events = await MirrorTables.EventsAsync(store, "pets", "p1");
        events.Should().HaveCount(2);
        events[0].Should().Match<EventRow>(e => e.Decision == "insert" && e.Applied && e.Version == 1);
        events[1].Decision.Should().Be("skip");
        events[1].Applied.Should().BeFalse();
        events[1].Strategy.Should().Be("highest-confidence");
        events[1].Source.Should().Be("shelter");
        events[1].Confidence.Should().Be(0.5);
        events[1].Payload.ShouldBeJson("""{"name":"Max"}""");
        events[1].Version.Should().Be(1);
    }

    [Fact]
    public async Task ApplyAsync_HigherOrEqualConfidenceUpdate_Replaces()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Delta.Upsert("pets", "p1", new { name = "Rex" }, "shelter").WithConfidence(0.5), HighestConfidence.Instance);

        var higher = await store.ApplyAsync(Delta.Upsert("pets", "p1", new { name = "Max" }, "vet").WithConfidence(0.8), HighestConfidence.Instance);
        var equal = await store.ApplyAsync(Delta.Upsert("pets", "p1", new { name = "Bo" }, "vet").WithConfidence(0.8), HighestConfidence.Instance);

        higher.Should().Be(new AppliedDelta(true, ApplyDecision.Updated, 2));
        equal.Should().Be(new AppliedDelta(true, ApplyDecision.Updated, 3));
        var record = await store.GetRecordAsync("pets", "p1");
        record!.Payload.ShouldBeJson("""{"name":"Bo"}""");
        record.Confidence.Should().Be(0.8);
    }

    [Fact]
    public async Task ApplyAsync_LessTrustedUpsertAfterTrustedDelete_StaysDeleted()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Delta.Upsert("pets", "p1", new { name = "Rex" }, "vet").WithConfidence(0.9), HighestConfidence.Instance);
        await store.ApplyAsync(Delta.Delete("pets", "p1", "vet").WithConfidence(0.9), HighestConfidence.Instance);

        var result = await store.ApplyAsync(Delta.Upsert("pets", "p1", new { name = "Ghost" }, "rumour").WithConfidence(0.2), HighestConfidence.Instance);

        result.Decision.Should().Be(ApplyDecision.Skipped);
        (await store.GetRecordAsync("pets", "p1")).Should().BeNull();
        (await store.GetTombstoneAsync("pets", "p1")).Should().NotBeNull();
    }
}
