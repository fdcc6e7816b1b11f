using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

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

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Resolve_RandomObjectsSmallAndLarge_MatchesAPlainRecursiveMerge(int seed)
    {
        // Objects of up to 60 keys, on both sides of the size past which keys are looked up through a dictionary.
        var random = new Random(seed);
        for (var i = 0; i < 50; i++)
        {
            var left = RandomObject(random, depth: 3);
            var right = RandomObject(random, depth: 3);
            var existing = new MirroredRecord
            {
                Resource = "customers", RecordId = "c1", RawPayload = left.ToJsonString(), Source = "crm",
                LastSyncedAt = DateTimeOffset.UnixEpoch, OccurredAt = DateTimeOffset.UnixEpoch, Confidence = 1, Version = 1,
            };
            using var incoming = JsonDocument.Parse(right.ToJsonString());

            var resolution = MergeJson.Instance.Resolve(existing, Delta.Upsert("customers", "c1", incoming.RootElement, "crm"));

            resolution.Kind.Should().Be(ConflictResolutionKind.ApplyMerged);
            resolution.MergedPayload.GetRawText().Should().Be(Merged(left, right).ToJsonString());
        }
    }

    [Fact]
    public void Resolve_LargeObjects_KeepTheLastOfDuplicateKeys_AsTryGetPropertyDoes()
    {
        var keys = string.Join(",", Enumerable.Range(0, 40).Select(i => $"\"k{i}\":{i}"));
        var existing = new MirroredRecord
        {
            Resource = "customers", RecordId = "c1", RawPayload = "{" + keys + "}", Source = "crm",
            LastSyncedAt = DateTimeOffset.UnixEpoch, OccurredAt = DateTimeOffset.UnixEpoch, Confidence = 1, Version = 1,
        };
        using var incoming = JsonDocument.Parse("{" + keys.Replace(":", ":-", StringComparison.Ordinal) + ",\"k3\":\"first\",\"k3\":\"last\"}");

        var merged = MergeJson.Instance.Resolve(existing, Delta.Upsert("customers", "c1", incoming.RootElement, "crm")).MergedPayload;

        merged.GetProperty("k3").GetString().Should().Be("last");
        merged.GetProperty("k39").GetInt32().Should().Be(-39);
    }

    private static JsonObject RandomObject(Random random, int depth)
    {
        var result = new JsonObject();
        var count = random.Next(4) == 0 ? random.Next(17, 61) : random.Next(0, 17);
        for (var i = 0; i < count; i++)
        {
            // Keys from a small pool, so that the two sides share some.
            var key = "k" + random.Next(0, 80).ToString(CultureInfo.InvariantCulture);
            result[key] = depth > 0 && random.Next(3) == 0 ? RandomObject(random, depth - 1) : JsonValue.Create(random.Next(100));
        }

        return result;
    }

    /// <summary>The merge rule written out plainly: the change's keys win, objects on both sides merge, other keys survive.</summary>
    private static JsonObject Merged(JsonObject left, JsonObject right)
    {
        var result = new JsonObject();
        foreach (var (key, value) in left)
        {
            result[key] = right.TryGetPropertyValue(key, out var other)
                ? value is JsonObject l && other is JsonObject r ? Merged(l, r) : other?.DeepClone()
                : value?.DeepClone();
        }

        foreach (var (key, value) in right)
        {
            if (!left.ContainsKey(key))
            {
                result[key] = value?.DeepClone();
            }
        }

        return result;
    }
}
