using Microsoft.Extensions.Time.Testing;
using static OxideMirror.Tests.StoreTestKit;

namespace OxideMirror.Tests.Write;

/// <summary>Deleted records leave a tombstone that tells "deleted" from "never seen".</summary>
public sealed class TombstoneTests
{
    [Fact]
    public async Task GetTombstoneAsync_AfterDelete_SaysWhenAndWhichSource()
    {
        var time = new FakeTimeProvider(T0.AddDays(1));
        await using var store = await MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { TimeProvider = time });
        await store.ApplyAsync(Customer("c1", "Ada", source: "crm"), LastWriteWins.Instance);
        time.Advance(TimeSpan.FromMinutes(5));
        var deletedAt = time.GetUtcNow();
        var occurredAt = T0.AddHours(3);

        await store.ApplyAsync(Delta.Delete("customers", "c1", "billing").At(occurredAt), LastWriteWins.Instance);

        (await store.GetRecordAsync("customers", "c1")).Should().BeNull();
        var tombstone = await store.GetTombstoneAsync("customers", "c1");
        tombstone.Should().Be(new Tombstone("customers", "c1", deletedAt, occurredAt, "billing", 2));
    }

    [Fact]
    public async Task GetRecordAndTombstone_NeverSeenRecord_ReturnNull()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);

        (await store.GetRecordAsync("customers", "c2")).Should().BeNull();
        (await store.GetTombstoneAsync("customers", "c2")).Should().BeNull();
        (await store.GetRecordAsync("unknown", "c1")).Should().BeNull();
        (await store.GetTombstoneAsync("unknown", "c1")).Should().BeNull();
    }

    [Fact]
    public async Task GetTombstoneAsync_LiveRecord_ReturnsNull()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);

        (await store.GetTombstoneAsync("customers", "c1")).Should().BeNull();
    }

    [Fact]
    public async Task RecordCountsAsync_ExcludesDeletedRecords()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyBatchAsync(
            [Customer("c1", "Ada"), Customer("c2", "Grace"), Customer("c3", "Edsger"), Delta.Upsert("orders", "o1", new { total = 1 }, "shop")],
            LastWriteWins.Instance);

        await store.ApplyBatchAsync([Delta.Delete("customers", "c2", "crm"), Delta.Delete("orders", "o1", "shop")], LastWriteWins.Instance);

        var counts = await store.RecordCountsAsync();
        counts.Should().BeEquivalentTo(new Dictionary<string, long> { ["customers"] = 2, ["orders"] = 0 });
        var live = new List<string>();
        await foreach (var record in store.ListRecordsAsync("customers"))
        {
            live.Add(record.RecordId);
        }

        live.Should().Equal("c1", "c3");
    }

    [Fact]
    public async Task ApplyAsync_UpsertAfterDelete_RecreatesRecordAndContinuesVersion()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);
        await store.ApplyAsync(Delta.Delete("customers", "c1", "crm"), LastWriteWins.Instance);

        var recreated = await store.ApplyAsync(Customer("c1", "Ada again"), LastWriteWins.Instance);

        recreated.Should().Be(new AppliedDelta(true, ApplyDecision.Inserted, 3));
        var record = await store.GetRecordAsync("customers", "c1");
        record!.Version.Should().Be(3);
        record.Payload.GetProperty("name").GetString().Should().Be("Ada again");
        (await store.GetTombstoneAsync("customers", "c1")).Should().BeNull();
        (await store.RecordCountsAsync())["customers"].Should().Be(1);
    }

    [Fact]
    public async Task ApplyAsync_UpsertAfterDelete_StrategySeesTombstone()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);
        await store.ApplyAsync(Delta.Delete("customers", "c1", "billing"), LastWriteWins.Instance);
        var seen = new RecordingStrategy();

        await store.ApplyAsync(Customer("c1", "Ada again"), seen);

        seen.Existing.Should().NotBeNull();
        seen.Existing!.IsDeleted.Should().BeTrue();
        seen.Existing.Version.Should().Be(2);
        seen.Existing.Source.Should().Be("billing");
    }

    [Fact]
    public async Task ApplyAsync_SecondDelete_KeepsFirstTombstone()
    {
        var time = new FakeTimeProvider(T0);
        await using var store = await MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { TimeProvider = time });
        await store.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);
        await store.ApplyAsync(Delta.Delete("customers", "c1", "crm"), LastWriteWins.Instance);
        var first = await store.GetTombstoneAsync("customers", "c1");
        time.Advance(TimeSpan.FromHours(1));

        await store.ApplyAsync(Delta.Delete("customers", "c1", "billing"), LastWriteWins.Instance);

        (await store.GetTombstoneAsync("customers", "c1")).Should().Be(first);
    }

    private sealed class RecordingStrategy : IConflictStrategy
    {
        public MirroredRecord? Existing { get; private set; }

        public string Label => "recording";

        public ConflictResolution Resolve(MirroredRecord? existing, Delta incoming)
        {
            Existing = existing;
            return ConflictResolution.Apply;
        }
    }
}
