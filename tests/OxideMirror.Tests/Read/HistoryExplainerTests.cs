namespace OxideMirror.Tests.Read;

/// <summary>
/// <see cref="MirrorReader.ExplainAsync"/>'s default, built on a record's whole history, answers what the SQLite store's
/// paged walk of its log answers, for merges, skips, deletes and re-creations, and compaction snapshots.
/// </summary>
public sealed class HistoryExplainerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Explain_FromHistory_EqualsTheStoresWalk_AcrossMergesSkipsDeletesAndSnapshots()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        Delta[] steps =
        [
            Delta.Upsert("customers", "c1", new { name = "Acme", tier = "free", address = new { city = "Oslo" } }, "crm").At(T0),
            Delta.Upsert("customers", "c1", new { tier = "gold" }, "billing").At(T0.AddSeconds(1)),
            Delta.Upsert("customers", "c1", new { name = "Late" }, "crm").At(T0.AddSeconds(-5)),
            Delta.Upsert("customers", "c1", new { address = new { zip = "0150" } }, "geo").At(T0.AddSeconds(2)),
            Delta.Upsert("customers", "c2", new { name = "Globex" }, "crm").At(T0),
            Delta.Delete("customers", "c2", "crm").At(T0.AddSeconds(3)),
            Delta.Upsert("customers", "c2", new { name = "Globex again", tier = "smb" }, "crm").At(T0.AddSeconds(4)),
            Delta.Upsert("customers", "c2", new { tier = "enterprise" }, "billing").At(T0.AddSeconds(5)),
        ];
        foreach (var step in steps)
        {
            await store.ApplyAsync(step, step.Provenance.Source == "crm" && step.OccurredAt < T0 ? NewestWins.Instance : MergeJson.Instance);
        }

        await AssertSameAsync(store, "c1");
        await AssertSameAsync(store, "c2");

        await store.CompactAsync(RetentionPolicy.ForVersions(1));
        await store.ApplyAsync(Delta.Upsert("customers", "c1", new { plan = "annual" }, "billing").At(T0.AddSeconds(9)), MergeJson.Instance);

        await AssertSameAsync(store, "c1");
        await AssertSameAsync(store, "c2");
    }

    private static async Task AssertSameAsync(MirrorStore store, string id)
    {
        var walked = await store.ExplainAsync("customers", id);
        var record = await store.GetRecordAsync("customers", id);
        var fromHistory = HistoryExplainer.Explain(record!, await store.GetHistoryAsync("customers", id));

        fromHistory.Version.Should().Be(walked!.Version);
        fromHistory.Fields.Select(Describe).Should().Equal(walked.Fields.Select(Describe), $"record {id}");
    }

    private static string Describe(FieldProvenance f) => $"{f.Field}={f.Value.GetRawText()} by {f.Source} at {f.Position} ({f.Decision})";
}
