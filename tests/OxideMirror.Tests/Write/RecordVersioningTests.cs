using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using static OxideMirror.Tests.StoreTestKit;

namespace OxideMirror.Tests.Write;

/// <summary>Record versions and the audit trail (ported from the Rust crate's store tests).</summary>
public sealed class RecordVersioningTests
{
    [Fact]
    public async Task ApplyAsync_NewRecord_CreatesVersionOne()
    {
        var time = new FakeTimeProvider(T0.AddHours(1));
        await using var store = await MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { TimeProvider = time });
        var delta = Delta.Upsert("customers", "c1", Json("""{ "name": "Ada",  "tier": "gold" }"""), "crm").At(T0).WithConfidence(0.75);

        var result = await store.ApplyAsync(delta, LastWriteWins.Instance);

        result.Should().Be(new AppliedDelta(true, ApplyDecision.Inserted, 1));
        var record = await store.GetRecordAsync("customers", "c1");
        record.Should().NotBeNull();
        record!.Version.Should().Be(1);
        record.IsDeleted.Should().BeFalse();
        record.Source.Should().Be("crm");
        record.Confidence.Should().Be(0.75);
        record.OccurredAt.Should().Be(T0);
        record.LastSyncedAt.Should().Be(T0.AddHours(1));
        JsonElement.DeepEquals(record.Payload, Json("""{"name":"Ada","tier":"gold"}""")).Should().BeTrue();
        (await store.EventCountAsync()).Should().Be(1);
        (await store.ListResourcesAsync()).Should().Equal("customers");
    }

    [Fact]
    public async Task ApplyAsync_SuccessiveChanges_IncrementVersion()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var versions = new List<long>();
        foreach (var name in new[] { "Ada", "Ada L.", "Ada Lovelace", "Countess" })
        {
            var result = await store.ApplyAsync(Customer("c1", name), LastWriteWins.Instance);
            result.Applied.Should().BeTrue();
            versions.Add(result.Version);
        }

        versions.Should().Equal(1, 2, 3, 4);
        var record = await store.GetRecordAsync("customers", "c1");
        record!.Version.Should().Be(4);
        record.Payload.GetProperty("name").GetString().Should().Be("Countess");
        var events = await EventsAsync(store, "customers", "c1");
        events.Select(e => e.Version).Should().Equal(1, 2, 3, 4);
        events.Select(e => e.Decision).Should().Equal("insert", "update", "update", "update");
    }

    [Fact]
    public async Task ApplyAsync_VersionsAreCountedPerRecord()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        await store.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);
        await store.ApplyAsync(Customer("c1", "Ada L."), LastWriteWins.Instance);
        var other = await store.ApplyAsync(Customer("c2", "Grace"), LastWriteWins.Instance);
        var sameIdOtherResource = await store.ApplyAsync(Delta.Upsert("orders", "c1", new { total = 3 }, "shop"), LastWriteWins.Instance);

        other.Version.Should().Be(1);
        sameIdOtherResource.Version.Should().Be(1);
        (await store.GetRecordAsync("customers", "c1"))!.Version.Should().Be(2);
    }

    [Fact]
    public async Task ApplyAsync_Delete_RemovesRecordAndKeepsAuditTrail()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);
        await store.ApplyAsync(Customer("c1", "Ada L."), LastWriteWins.Instance);
        await store.ApplyAsync(Customer("c2", "Grace"), LastWriteWins.Instance);

        var deleted = await store.ApplyAsync(Delta.Delete("customers", "c1", "crm"), LastWriteWins.Instance);

        deleted.Should().Be(new AppliedDelta(true, ApplyDecision.Deleted, 3));
        (await store.GetRecordAsync("customers", "c1")).Should().BeNull();
        (await store.GetRecordAsync("customers", "c2")).Should().NotBeNull();
        (await store.EventCountAsync()).Should().Be(4);
        (await store.EventCountAsync("customers")).Should().Be(4);
        var events = await EventsAsync(store, "customers", "c1");
        events.Should().Equal(("upsert", "insert", 1L, 1L), ("upsert", "update", 1L, 2L), ("delete", "delete", 1L, 3L));
        var payloads = await store.QueryAsync(
            "SELECT json_extract(payload, '$.name') AS name FROM mirror_events WHERE record_id = 'c1' ORDER BY seq");
        payloads.Rows.Select(r => r["name"]).Should().Equal("Ada", "Ada L.", null);
    }

    [Fact]
    public async Task ApplyAsync_StrategySkips_KeepsVersionAndLogsSkip()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);

        var result = await store.ApplyAsync(Customer("c1", "Someone else"), KeepLocal.Instance);

        result.Should().Be(new AppliedDelta(false, ApplyDecision.Skipped, 1));
        (await store.GetRecordAsync("customers", "c1"))!.Payload.GetProperty("name").GetString().Should().Be("Ada");
        (await EventsAsync(store, "customers", "c1")).Should().Equal(("upsert", "insert", 1L, 1L), ("upsert", "skip", 0L, 1L));
    }
}
