namespace OxideMirror.Tests.Store;

public sealed class SmokeTests
{
    [Fact]
    public async Task ApplyAndQuery_OnFileStore_RoundTrips()
    {
        using var dir = new TempDirectory();
        await using var store = await MirrorStore.OpenAsync(dir.File());
        var result = await store.ApplyAsync(Delta.Upsert("customers", "c1", new { name = "Ada", tier = "gold" }, "crm"), LastWriteWins.Instance);
        result.Should().Be(new AppliedDelta(true, ApplyDecision.Inserted, 1));
        var rows = await store.QueryAsync("SELECT record_id, json_extract(payload, '$.name') AS name FROM mirror_records");
        rows.Rows.Should().ContainSingle().Which["name"].Should().Be("Ada");
    }
}
