using static OxideMirror.Tests.StoreTestKit;

namespace OxideMirror.Tests.Write;

/// <summary>Applying the same delta twice changes the mirror once.</summary>
public sealed class IdempotencyTests
{
    [Fact]
    public async Task ApplyAsync_DeltaIdAlreadyApplied_IsDuplicateAndNotLogged()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Customer("c1", "Ada").WithId("evt-1"), LastWriteWins.Instance);

        // Same source and id, even with another payload: the delta was already applied, so it is ignored.
        var again = await store.ApplyAsync(Customer("c1", "Changed").WithId("evt-1"), LastWriteWins.Instance);

        again.Should().Be(new AppliedDelta(false, ApplyDecision.Duplicate, 1));
        (await store.EventCountAsync()).Should().Be(1);
        var record = await store.GetRecordAsync("customers", "c1");
        record!.Version.Should().Be(1);
        record.Payload.GetProperty("name").GetString().Should().Be("Ada");
    }

    [Fact]
    public async Task ApplyBatchAsync_SameDeltaIdTwiceInOneBatch_AppliesAndLogsOnce()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var results = await store.ApplyBatchAsync(
            [Customer("c1", "Ada").WithId("evt-1"), Customer("c1", "Changed").WithId("evt-1"), Customer("c2", "Grace").WithId("evt-2")],
            LastWriteWins.Instance);

        results.Select(r => r.Decision).Should().Equal(ApplyDecision.Inserted, ApplyDecision.Duplicate, ApplyDecision.Inserted);
        results[1].Applied.Should().BeFalse();
        (await store.EventCountAsync()).Should().Be(2);
        (await store.GetRecordAsync("customers", "c1"))!.Payload.GetProperty("name").GetString().Should().Be("Ada");
    }

    [Fact]
    public async Task ApplyAsync_SameDeltaIdFromAnotherSource_IsApplied()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Customer("c1", "Ada", source: "crm").WithId("evt-1"), LastWriteWins.Instance);

        var other = await store.ApplyAsync(Customer("c1", "Ada (billing)", source: "billing").WithId("evt-1"), LastWriteWins.Instance);

        other.Should().Be(new AppliedDelta(true, ApplyDecision.Updated, 2));
        (await store.EventCountAsync()).Should().Be(2);
    }

    [Fact]
    public async Task ApplyAsync_DeltaIdOfRolledBackBatch_IsAppliedLater()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var failing = ScriptedStrategy.ThrowOn(2);
        var act = () => store.ApplyBatchAsync([Customer("c1", "Ada").WithId("evt-1"), Customer("c2", "Grace").WithId("evt-2")], failing);
        await act.Should().ThrowAsync<InvalidOperationException>();

        var retry = await store.ApplyAsync(Customer("c1", "Ada").WithId("evt-1"), LastWriteWins.Instance);

        retry.Should().Be(new AppliedDelta(true, ApplyDecision.Inserted, 1));
        (await store.EventCountAsync()).Should().Be(1);
    }

    [Fact]
    public async Task ApplyAsync_IdenticalPayloadResent_KeepsVersionAndLogsUnchanged()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Delta.Upsert("customers", "c1", Json("""{"name":"Ada","tags":["a","b"],"n":1.5}"""), "crm"), LastWriteWins.Instance);

        // The same JSON, formatted differently, is the same payload.
        var again = await store.ApplyAsync(
            Delta.Upsert("customers", "c1", Json("""{ "name" : "Ada", "tags" : [ "a", "b" ], "n" : 1.5 }"""), "crm"),
            LastWriteWins.Instance);

        again.Should().Be(new AppliedDelta(false, ApplyDecision.Unchanged, 1));
        (await store.GetRecordAsync("customers", "c1"))!.Version.Should().Be(1);
        (await store.EventCountAsync()).Should().Be(2);
        (await EventsAsync(store, "customers", "c1")).Should().Equal(("upsert", "insert", 1L, 1L), ("upsert", "unchanged", 0L, 1L));
    }

    [Fact]
    public async Task ApplyAsync_DeleteOfDeletedRecord_IsUnchanged()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);
        await store.ApplyAsync(Delta.Delete("customers", "c1", "crm"), LastWriteWins.Instance);

        var again = await store.ApplyAsync(Delta.Delete("customers", "c1", "crm"), LastWriteWins.Instance);

        again.Should().Be(new AppliedDelta(false, ApplyDecision.Unchanged, 2));
        (await EventsAsync(store, "customers", "c1")).Select(e => e.Decision).Should().Equal("insert", "delete", "unchanged");
    }

    [Fact]
    public async Task ApplyAsync_SamePayloadWithKeysReordered_IsUnchanged()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var first = System.Text.Json.JsonDocument.Parse("""{"name":"Ada","tier":"gold","nested":{"a":1,"b":2}}""");
        using var reordered = System.Text.Json.JsonDocument.Parse("""{ "tier": "gold", "nested": {"b":2,"a":1}, "name": "Ada" }""");
        using var changed = System.Text.Json.JsonDocument.Parse("""{"tier":"gold","nested":{"b":2,"a":1},"name":"Adb"}""");
        await store.ApplyAsync(Delta.Upsert("customers", "c1", first.RootElement, "crm"), LastWriteWins.Instance);

        var same = await store.ApplyAsync(Delta.Upsert("customers", "c1", reordered.RootElement, "crm"), LastWriteWins.Instance);
        var different = await store.ApplyAsync(Delta.Upsert("customers", "c1", changed.RootElement, "crm"), LastWriteWins.Instance);

        same.Should().Be(new AppliedDelta(false, ApplyDecision.Unchanged, 1));
        different.Should().Be(new AppliedDelta(true, ApplyDecision.Updated, 2), "a value that changed but kept its length is still a change");
    }
}
