using System.Text.Json;
using static OxideMirror.Tests.StoreTestKit;

namespace OxideMirror.Tests.Write;

/// <summary>Upserts larger than <see cref="MirrorStoreOptions.MaxPayloadBytes"/> are refused as invalid deltas, and lose nothing.</summary>
public sealed class PayloadLimitTests
{
    private const int MiB = 1024 * 1024;

    /// <summary>Returns a payload exactly <paramref name="bytes"/> long as compact JSON: <c>{"text":"xx…"}</c>.</summary>
    private static JsonElement PayloadOf(int bytes, string indent = "")
    {
        var text = "{" + indent + "\"text\":" + indent + "\"" + new string('x', bytes - "{\"text\":\"\"}".Length) + "\"" + indent + "}";
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    [Fact]
    public async Task ApplyBatchAsync_PayloadLargerThanTheDefaultLimit_IsRefusedNamingTheRecordAndCommitsNothing()
    {
        // Before, a payload of any size was stored (a 50 MB HTTP page became one record).
        using var dir = new TempDirectory();
        await using var store = await MirrorStore.OpenAsync(dir.File());
        store.Options.MaxPayloadBytes.Should().Be(4 * MiB);
        await store.ApplyBatchAsync([Customer("c1", "Ada")], LastWriteWins.Instance, new CursorUpdate("crm", "page-1"));
        var before = Snapshot(store.Path!);

        var act = () => store.ApplyBatchAsync(
            [Customer("c2", "Grace"), Delta.Upsert("docs", "huge", PayloadOf((5 * MiB) + 7), "crm"), Delta.Upsert("orders", "o1", new { total = 1 }, "crm")],
            LastWriteWins.Instance,
            new CursorUpdate("crm", "page-2"));

        var thrown = await act.Should().ThrowExactlyAsync<InvalidDeltaException>();
        thrown.Which.Field.Should().Be("Payload");
        thrown.Which.Index.Should().Be(1);
        thrown.Which.Message.Should().StartWith("Delta 1 of the batch (\"docs\"/\"huge\") is an upsert whose Payload is 5,242,887 bytes as stored (compact JSON), more than MirrorStoreOptions.MaxPayloadBytes (4,194,304 bytes)")
            .And.Contain("raise MaxPayloadBytes");
        Snapshot(store.Path!).Should().Be(before, "nothing of the batch is written");
        (await store.GetCursorAsync("crm")).Should().Be("page-1");

        var good = await store.ApplyBatchAsync([Customer("c2", "Grace"), Delta.Upsert("docs", "small", new { text = "x" }, "crm")], LastWriteWins.Instance, new CursorUpdate("crm", "page-2"));
        good.Select(r => r.Decision).Should().Equal(ApplyDecision.Inserted, ApplyDecision.Inserted);
        (await store.ListResourcesAsync()).Should().BeEquivalentTo("customers", "docs");
        (await store.GetCursorAsync("crm")).Should().Be("page-2");
    }

    [Fact]
    public async Task ApplyAsync_PayloadOfExactlyTheLimit_IsStoredAndOneByteMoreIsRefused()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { MaxPayloadBytes = 1024 });

        (await store.ApplyAsync(Delta.Upsert("docs", "d1", PayloadOf(1024), "src"), LastWriteWins.Instance)).Decision.Should().Be(ApplyDecision.Inserted);
        // The limit counts the payload as stored, compact: the spaces a source sent do not count.
        (await store.ApplyAsync(Delta.Upsert("docs", "d2", PayloadOf(1024, indent: "    "), "src"), LastWriteWins.Instance)).Decision.Should().Be(ApplyDecision.Inserted);

        var act = () => store.ApplyAsync(Delta.Upsert("docs", "d1", PayloadOf(1025), "src"), LastWriteWins.Instance);

        var thrown = await act.Should().ThrowExactlyAsync<InvalidDeltaException>();
        thrown.Which.Index.Should().Be(-1);
        thrown.Which.Message.Should().StartWith("The delta (\"docs\"/\"d1\") is an upsert whose Payload is 1,025 bytes as stored (compact JSON), more than MirrorStoreOptions.MaxPayloadBytes (1,024 bytes)");
        (await store.EventCountAsync()).Should().Be(2);
        (await store.GetRecordAsync("docs", "d1"))!.Version.Should().Be(1);
    }

    [Fact]
    public async Task ApplyAsync_StrategyMergesIntoAPayloadLargerThanTheLimit_ThrowsNamingTheStrategyAndWritesNothing()
    {
        // Two payloads under the limit can merge into one over it; before, it was stored.
        await using var store = await MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { MaxPayloadBytes = 2048 });
        await store.ApplyAsync(Delta.Upsert("docs", "d1", new { a = new string('a', 1500) }, "src"), MergeJson.Instance);

        var act = () => store.ApplyAsync(Delta.Upsert("docs", "d1", new { b = new string('b', 1500) }, "src"), MergeJson.Instance);

        var thrown = await act.Should().ThrowExactlyAsync<InvalidOperationException>();
        thrown.Which.Message.Should().Contain("The conflict strategy 'merge-json' returned a merged payload for docs/d1 that is 3,015 bytes as stored (compact JSON), more than MirrorStoreOptions.MaxPayloadBytes (2,048 bytes)");
        (await store.EventCountAsync()).Should().Be(1);
        (await store.ApplyAsync(Delta.Upsert("docs", "d1", new { b = "small" }, "src"), MergeJson.Instance)).Decision.Should().Be(ApplyDecision.Merged, "the store stays usable");
    }

    [Theory]
    [InlineData(1023L)]
    [InlineData((256L * MiB) + 1)]
    public async Task OpenAsync_MaxPayloadBytesOutOfRange_ThrowsNamingIt(long value)
    {
        var act = () => MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { MaxPayloadBytes = value });

        var thrown = await act.Should().ThrowExactlyAsync<ArgumentOutOfRangeException>();
        thrown.Which.ParamName.Should().Be("MaxPayloadBytes");
        thrown.Which.Message.Should().Contain("MirrorStoreOptions.MaxPayloadBytes must be between 1,024 bytes and 256 MiB (268,435,456 bytes)");
    }
}
