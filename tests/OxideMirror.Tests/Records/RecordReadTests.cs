using System.Text.Json;
using static OxideMirror.Tests.StoreTestKit;

namespace OxideMirror.Tests.Records;

/// <summary>The store's own readers: records, listings and counts.</summary>
public sealed class RecordReadTests
{
    [Fact]
    public async Task GetRecordAsync_PayloadLargerThanQueryValueCap_ReturnsRecord()
    {
        // The query path caps values at MaxQueryBytes (at least 1,000,000 bytes); the store's own reads must still
        // return every record the writer accepted.
        await using var store = await MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { MaxQueryBytes = 1024 });
        var body = new string('x', 2_000_000);
        await store.ApplyAsync(Delta.Upsert("docs", "d1", new { body }, "wiki"), LastWriteWins.Instance);

        var record = await store.GetRecordAsync("docs", "d1");
        var listed = new List<MirroredRecord>();
        await foreach (var item in store.ListRecordsAsync("docs"))
        {
            listed.Add(item);
        }

        record!.Payload.GetProperty("body").GetString().Should().HaveLength(body.Length);
        listed.Should().ContainSingle().Which.Payload.GetProperty("body").GetString().Should().HaveLength(body.Length);

        // Agent queries stay capped: the value is refused with a clear error, not returned.
        var act = () => store.QueryAsync("SELECT payload FROM mirror_records");
        await act.Should().ThrowAsync<QueryException>().WithMessage("*larger than 1,000,000 bytes, the cap for this query*");
        (await store.GetRecordAsync("docs", "d1")).Should().NotBeNull();
    }

    [Fact]
    public async Task ListRecordsAsync_ManyPages_ReturnsEveryLiveRecordInOrdinalOrder()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var ids = new[] { "b", "a", "C", "c", "a10", "a2", "z", "Z", "m" };
        await store.ApplyBatchAsync(ids.Select(id => Customer(id, "n-" + id)).ToList(), LastWriteWins.Instance);
        await store.ApplyAsync(Delta.Delete("customers", "m", "crm"), LastWriteWins.Instance);
        await store.ApplyAsync(Delta.Upsert("orders", "a", new { total = 1 }, "shop"), LastWriteWins.Instance);

        var listed = new List<MirroredRecord>();
        await foreach (var record in store.ListRecordsAsync("customers", pageSize: 2))
        {
            listed.Add(record);
        }

        listed.Select(r => r.RecordId).Should().Equal(ids.Where(id => id != "m").Order(StringComparer.Ordinal));
        listed.Should().OnlyContain(r => r.Resource == "customers" && r.Payload.GetProperty("name").GetString() == "n-" + r.RecordId);
    }

    [Fact]
    public async Task ListRecordsAsync_After_StartsPastThatIdInCodePointOrder()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        string[] ids = ["b", "a😀", "a", "a\uFF01", "c"];
        await store.ApplyBatchAsync(ids.Select(id => Customer(id, "n-" + id)).ToList(), LastWriteWins.Instance);

        var fromStart = new List<string>();
        var afterFullwidth = new List<string>();
        var afterMissing = new List<string>();
        await foreach (var record in store.ListRecordsAsync("customers", pageSize: 1))
        {
            fromStart.Add(record.RecordId);
        }

        await foreach (var record in store.ListRecordsAsync("customers", pageSize: 1, after: "a\uFF01"))
        {
            afterFullwidth.Add(record.RecordId);
        }

        await foreach (var record in store.ListRecordsAsync("customers", after: "bb"))
        {
            afterMissing.Add(record.RecordId);
        }

        fromStart.Should().Equal("a", "a\uFF01", "a😀", "b", "c");
        afterFullwidth.Should().Equal("a😀", "b", "c");
        afterMissing.Should().Equal("c");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100_001)]
    public async Task ListRecordsAsync_PageSizeOutOfRange_Throws(int pageSize)
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var act = async () =>
        {
            await foreach (var unused in store.ListRecordsAsync("customers", pageSize))
            {
            }
        };

        await act.Should().ThrowAsync<ArgumentOutOfRangeException>();
    }

    [Fact]
    public async Task ListResourcesAsync_ReturnsEveryResourceSeenInNameOrder()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Delta.Upsert("orders", "o1", new { total = 1 }, "shop"), LastWriteWins.Instance);
        await store.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);
        await store.ApplyAsync(Delta.Delete("invoices", "i1", "billing"), LastWriteWins.Instance);

        (await store.ListResourcesAsync()).Should().Equal("customers", "invoices", "orders");
    }

    [Fact]
    public async Task MirroredRecord_FromStore_EqualsSameReadAgain()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Delta.Upsert("customers", "c1", Json("""{"name":"Ada","n":[1,2]}"""), "crm"), LastWriteWins.Instance);

        var first = await store.GetRecordAsync("customers", "c1");
        var second = await store.GetRecordAsync("customers", "c1");

        first.Should().Be(second);
        JsonElement.DeepEquals(first!.Payload, Json("""{"n":[1,2],"name":"Ada"}""")).Should().BeTrue();
    }
}
