using Microsoft.Extensions.Time.Testing;
using static OxideMirror.Tests.StoreTestKit;

namespace OxideMirror.Tests.Log;

/// <summary>Field provenance: which source and event set each top-level field of a record.</summary>
public sealed class ExplainTests
{
    [Fact]
    public async Task ExplainAsync_MergedFromThreeSources_AttributesEachFieldToTheEventThatSetIt()
    {
        var time = new FakeTimeProvider(T0.AddDays(1));
        await using var store = await MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { TimeProvider = time });
        await store.ApplyAsync(Delta.Upsert("customers", "c1", Json("""{"name":"Ada","email":"ada@old.example","tier":"free"}"""), "crm").At(T0).WithConfidence(0.9), MergeJson.Instance);
        time.Advance(TimeSpan.FromMinutes(1));
        await store.ApplyAsync(Delta.Upsert("customers", "c1", Json("""{"tier":"gold","balance":120}"""), "billing").At(T0.AddHours(1)).WithConfidence(0.8), MergeJson.Instance);
        time.Advance(TimeSpan.FromMinutes(1));
        await store.ApplyAsync(Delta.Upsert("customers", "c1", Json("""{"email":"ada@new.example"}"""), "support").At(T0.AddHours(2)).WithConfidence(0.6), MergeJson.Instance);
        var history = await store.GetHistoryAsync("customers", "c1");

        var explanation = await store.ExplainAsync("customers", "c1");

        explanation.Should().NotBeNull();
        explanation!.Version.Should().Be(3);
        explanation.Fields.Select(f => (f.Field, f.Source, f.Position, f.Decision)).Should().Equal(
            ("name", "crm", history[0].Position, ApplyDecision.Inserted),
            ("email", "support", history[2].Position, ApplyDecision.Merged),
            ("tier", "billing", history[1].Position, ApplyDecision.Merged),
            ("balance", "billing", history[1].Position, ApplyDecision.Merged));
        var tier = explanation.Fields[2];
        tier.Value.ShouldBeJson("\"gold\"");
        tier.Confidence.Should().Be(0.8);
        tier.OccurredAt.Should().Be(T0.AddHours(1));
        tier.AppliedAt.Should().Be(T0.AddDays(1).AddMinutes(1));
        explanation.Fields[0].Confidence.Should().Be(0.9);
        explanation.Fields[1].AppliedAt.Should().Be(T0.AddDays(1).AddMinutes(2));
    }

    [Fact]
    public async Task ExplainAsync_SameValueSentAgainByNewerSource_CreditsTheNewestEvent()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Delta.Upsert("customers", "c1", Json("""{"name":"Ada","tier":"gold"}"""), "crm"), MergeJson.Instance);
        await store.ApplyAsync(Delta.Upsert("customers", "c1", Json("""{"tier":"gold","seats":3}"""), "billing"), MergeJson.Instance);

        var explanation = await store.ExplainAsync("customers", "c1");

        explanation!.Fields.Select(f => (f.Field, f.Source)).Should().Equal(("name", "crm"), ("tier", "billing"), ("seats", "billing"));
    }

    [Fact]
    public async Task ExplainAsync_SkippedDeltaWithTheSameValue_IsNotCredited()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Delta.Upsert("customers", "c1", Json("""{"name":"Ada","tier":"gold"}"""), "crm"), MergeJson.Instance);
        await store.ApplyAsync(Delta.Upsert("customers", "c1", Json("""{"name":"Ada","tier":"free"}"""), "web"), KeepLocal.Instance);

        var explanation = await store.ExplainAsync("customers", "c1");

        explanation!.Fields.Should().OnlyContain(f => f.Source == "crm");
    }

    [Fact]
    public async Task ExplainAsync_NestedObjectMergedFromTwoSources_BelongsToTheReplacementThatEndsTheWalk()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Delta.Upsert("customers", "c1", Json("""{"name":"Ada","address":{"city":"London"}}"""), "crm"), MergeJson.Instance);
        await store.ApplyAsync(Delta.Upsert("customers", "c1", Json("""{"address":{"zip":"N1"}}"""), "billing"), MergeJson.Instance);

        var explanation = await store.ExplainAsync("customers", "c1");

        explanation!.Fields.Select(f => (f.Field, f.Source, f.Decision)).Should().Equal(
            ("name", "crm", ApplyDecision.Inserted), ("address", "crm", ApplyDecision.Inserted));
        explanation.Fields[1].Value.ShouldBeJson("""{"city":"London","zip":"N1"}""");
    }

    [Fact]
    public async Task ExplainAsync_FullReplacementAfterMerges_OwnsEveryFieldAndEndsTheWalk()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Delta.Upsert("customers", "c1", Json("""{"name":"Ada","tier":"free"}"""), "crm"), MergeJson.Instance);
        await store.ApplyAsync(Delta.Upsert("customers", "c1", Json("""{"tier":"gold"}"""), "billing"), MergeJson.Instance);
        await store.ApplyAsync(Delta.Upsert("customers", "c1", Json("""{"name":"Ada Lovelace","tier":"gold"}"""), "import"), LastWriteWins.Instance);
        await store.ApplyAsync(Delta.Upsert("customers", "c1", Json("""{"seats":4}"""), "billing"), MergeJson.Instance);

        var explanation = await store.ExplainAsync("customers", "c1");

        explanation!.Fields.Select(f => (f.Field, f.Source, f.Decision)).Should().Equal(
            ("name", "import", ApplyDecision.Updated), ("tier", "import", ApplyDecision.Updated), ("seats", "billing", ApplyDecision.Merged));
    }

    [Fact]
    public async Task ExplainAsync_RecreatedAfterDelete_OnlyTheNewLifeCounts()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Delta.Upsert("customers", "c1", Json("""{"name":"Ada","tier":"gold"}"""), "crm"), MergeJson.Instance);
        await store.ApplyAsync(Delta.Delete("customers", "c1", "crm"), MergeJson.Instance);
        await store.ApplyAsync(Delta.Upsert("customers", "c1", Json("""{"name":"Ada"}"""), "web"), MergeJson.Instance);
        await store.ApplyAsync(Delta.Upsert("customers", "c1", Json("""{"tier":"gold"}"""), "billing"), MergeJson.Instance);

        var explanation = await store.ExplainAsync("customers", "c1");

        explanation!.Version.Should().Be(4);
        explanation.Fields.Select(f => (f.Field, f.Source)).Should().Equal(("name", "web"), ("tier", "billing"));
    }

    [Fact]
    public async Task ExplainAsync_AfterCompaction_SnapshotOwnsTheFieldsNoNewerEventSet()
    {
        using var directory = new TempDirectory();
        var path = directory.File();
        await using var store = await MirrorStore.OpenAsync(path);
        await store.ApplyAsync(Delta.Upsert("customers", "c1", Json("""{"name":"Ada","tier":"free"}"""), "crm"), MergeJson.Instance);
        await store.ApplyAsync(Delta.Upsert("customers", "c1", Json("""{"tier":"gold"}"""), "billing"), MergeJson.Instance);
        EventLogTestKit.Compact(path, "customers", "c1");
        await store.ApplyAsync(Delta.Upsert("customers", "c1", Json("""{"seats":2}"""), "billing"), MergeJson.Instance);

        var explanation = await store.ExplainAsync("customers", "c1");

        explanation!.Fields.Select(f => (f.Field, f.Source, f.Decision)).Should().Equal(
            ("name", "billing", ApplyDecision.Snapshot), ("tier", "billing", ApplyDecision.Snapshot), ("seats", "billing", ApplyDecision.Merged));
    }

    [Fact]
    public async Task ExplainAsync_LongMergeHistory_WalksPastOnePage()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Delta.Upsert("customers", "c1", Json("""{"name":"Ada","counter":0}"""), "crm"), MergeJson.Instance);
        var deltas = Enumerable.Range(1, 150).Select(i => Delta.Upsert("customers", "c1", Json($$"""{"counter":{{i}}}"""), "counter")).ToList();
        await store.ApplyBatchAsync(deltas, MergeJson.Instance);

        var explanation = await store.ExplainAsync("customers", "c1");

        explanation!.Fields.Select(f => (f.Field, f.Source, f.Decision)).Should().Equal(
            ("name", "crm", ApplyDecision.Inserted), ("counter", "counter", ApplyDecision.Merged));
        explanation.Fields[1].Position.Should().Be(151);
    }

    [Fact]
    public async Task ExplainAsync_DeletedOrNeverSeen_ReturnsNull()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);
        await store.ApplyAsync(Delta.Delete("customers", "c1", "crm"), LastWriteWins.Instance);

        (await store.ExplainAsync("customers", "c1")).Should().BeNull();
        (await store.ExplainAsync("customers", "c2")).Should().BeNull();
    }

    [Theory]
    [InlineData(" ")]
    [InlineData("\t\n")]
    public async Task ExplainAsync_WhiteSpaceRecordId_ThrowsLikeAnEmptyOne(string id)
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        await store.Invoking(s => s.ExplainAsync("customers", id)).Should().ThrowAsync<ArgumentException>().WithParameterName("recordId");
    }

    [Fact]
    public async Task ExplainAsync_InvalidArguments_Throw()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        await store.Invoking(s => s.ExplainAsync(null!, "c1")).Should().ThrowAsync<ArgumentNullException>().WithParameterName("resource");
        await store.Invoking(s => s.ExplainAsync("", "c1")).Should().ThrowAsync<ArgumentException>().WithParameterName("resource");
        await store.Invoking(s => s.ExplainAsync("customers", "")).Should().ThrowAsync<ArgumentException>().WithParameterName("recordId");
    }
}
