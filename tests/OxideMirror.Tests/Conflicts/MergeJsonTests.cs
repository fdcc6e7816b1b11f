namespace OxideMirror.Tests.Conflicts;

public sealed class MergeJsonTests : ConflictStrategyContractTests
{
    protected override IConflictStrategy CreateStrategy() => MergeJson.Instance;

    [Fact]
    public async Task ApplyAsync_NestedObjects_DeepMergesAndLogsMerge()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(
            Delta.Upsert("customers", "c1", Json.Parse("""{"name":"Ada","address":{"city":"London","zip":"N1","geo":{"lat":1,"lng":2}},"tags":["a","b"],"vip":true}"""), "crm"),
            MergeJson.Instance);
        const string Change = """{"address":{"city":"Paris","geo":{"lat":3}},"tags":["c"],"tier":"gold"}""";

        var result = await store.ApplyAsync(Delta.Upsert("customers", "c1", Json.Parse(Change), "billing"), MergeJson.Instance);

        const string Expected = """{"name":"Ada","address":{"city":"Paris","zip":"N1","geo":{"lat":3,"lng":2}},"tags":["c"],"vip":true,"tier":"gold"}""";
        result.Should().Be(new AppliedDelta(true, ApplyDecision.Merged, 2));
        var record = await store.GetRecordAsync("customers", "c1");
        record!.Payload.ShouldBeJson(Expected);
        record.Source.Should().Be("billing");

        var events = await MirrorTables.EventsAsync(store, "customers", "c1");
        events.Select(e => e.Decision).Should().Equal("insert", "merge");
        events[0].MergedPayload.Should().BeNull();
        events[1].Applied.Should().BeTrue();
        events[1].Strategy.Should().Be("merge-json");
        events[1].Payload.ShouldBeJson(Change);
        events[1].MergedPayload.ShouldBeJson(Expected);
    }

    [Fact]
    public async Task ApplyAsync_ArraysAndScalars_AreReplacedNotMerged()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Delta.Upsert("t", "1", Json.Parse("""{"list":[1,2,3],"obj":{"x":1},"num":1,"gone":5,"keep":"k"}"""), "s"), MergeJson.Instance);

        await store.ApplyAsync(Delta.Upsert("t", "1", Json.Parse("""{"list":[9],"obj":7,"num":{"y":2},"gone":null}"""), "s"), MergeJson.Instance);

        var record = await store.GetRecordAsync("t", "1");
        record!.Payload.ShouldBeJson("""{"list":[9],"obj":7,"num":{"y":2},"gone":null,"keep":"k"}""");
    }

    [Fact]
    public async Task ApplyAsync_ArrayOfObjects_ReplacedWholeNotMergedByIndex()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Delta.Upsert("t", "1", Json.Parse("""{"items":[{"a":1,"b":2},{"a":3}]}"""), "s"), MergeJson.Instance);

        await store.ApplyAsync(Delta.Upsert("t", "1", Json.Parse("""{"items":[{"a":9}]}"""), "s"), MergeJson.Instance);

        (await store.GetRecordAsync("t", "1"))!.Payload.ShouldBeJson("""{"items":[{"a":9}]}""");
    }

    [Fact]
    public async Task ApplyAsync_ChangeThatMergesToSamePayload_IsUnchanged()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Delta.Upsert("t", "1", Json.Parse("""{"a":1,"b":{"c":2}}"""), "s"), MergeJson.Instance);

        var result = await store.ApplyAsync(Delta.Upsert("t", "1", Json.Parse("""{"b":{"c":2}}"""), "s"), MergeJson.Instance);

        result.Should().Be(new AppliedDelta(false, ApplyDecision.Unchanged, 1));
        (await MirrorTables.EventsAsync(store)).Select(e => (e.Decision, e.Applied)).Should().Equal(("insert", true), ("unchanged", false));
    }

    [Fact]
    public async Task ApplyAsync_UpsertAfterDelete_StartsFromIncomingPayloadOnly()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Delta.Upsert("t", "1", Json.Parse("""{"old":1,"shared":{"x":1}}"""), "s"), MergeJson.Instance);

        var deleted = await store.ApplyAsync(Delta.Delete("t", "1", "s"), MergeJson.Instance);
        var inserted = await store.ApplyAsync(Delta.Upsert("t", "1", Json.Parse("""{"shared":{"y":2}}"""), "s"), MergeJson.Instance);

        deleted.Should().Be(new AppliedDelta(true, ApplyDecision.Deleted, 2));
        inserted.Should().Be(new AppliedDelta(true, ApplyDecision.Inserted, 3));
        (await store.GetRecordAsync("t", "1"))!.Payload.ShouldBeJson("""{"shared":{"y":2}}""");
        (await MirrorTables.EventsAsync(store)).Select(e => e.Decision).Should().Equal("insert", "delete", "insert");
    }

    [Fact]
    public void Resolve_DisjointKeys_ReturnsUnionAsMergedPayload()
    {
        var (existing, incoming) = Build("live-upsert-disjoint-keys");

        var resolution = MergeJson.Instance.Resolve(existing, incoming);

        resolution.Kind.Should().Be(ConflictResolutionKind.ApplyMerged);
        resolution.MergedPayload.ShouldBeJson("""{"a":1,"b":{"c":[1,2]}}""");
    }
}
