using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using static OxideMirror.Tests.StoreTestKit;

namespace OxideMirror.Tests.Log;

/// <summary>A record's history: every event in log order, with the decision and the state it left.</summary>
public sealed class HistoryTests
{
    [Fact]
    public async Task GetHistoryAsync_InsertUpdateSkipUnchangedDelete_ReturnsEveryEventWithStateAfter()
    {
        var time = new FakeTimeProvider(T0.AddDays(1));
        await using var store = await MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { TimeProvider = time });
        var strategy = HighestConfidence.Instance;
        await store.ApplyAsync(Delta.Upsert("customers", "c1", Json("""{"name":"Ada"}"""), "crm").At(T0).WithConfidence(0.9).WithId("e1"), strategy);
        time.Advance(TimeSpan.FromMinutes(1));
        await store.ApplyAsync(Delta.Upsert("customers", "c1", Json("""{"name":"Ada L"}"""), "crm").At(T0.AddHours(1)).WithConfidence(0.9), strategy);
        time.Advance(TimeSpan.FromMinutes(1));
        await store.ApplyAsync(Delta.Upsert("customers", "c1", Json("""{"name":"Eve"}"""), "web").At(T0.AddHours(2)).WithConfidence(0.5), strategy);
        await store.ApplyAsync(Delta.Upsert("customers", "c1", Json("""{"name":"Ada L"}"""), "crm").At(T0.AddHours(3)).WithConfidence(0.9), strategy);
        time.Advance(TimeSpan.FromMinutes(1));
        await store.ApplyAsync(Delta.Delete("customers", "c1", "crm").At(T0.AddHours(4)), strategy);
        await store.ApplyAsync(Delta.Upsert("customers", "c10", Json("""{"name":"Other"}"""), "crm"), strategy);

        var history = await store.GetHistoryAsync("customers", "c1");

        history.Select(h => (h.Op, h.Decision, h.Applied, h.Version, h.Source)).Should().Equal(
            (ChangeOp.Upsert, ApplyDecision.Inserted, true, 1L, "crm"),
            (ChangeOp.Upsert, ApplyDecision.Updated, true, 2L, "crm"),
            (ChangeOp.Upsert, ApplyDecision.Skipped, false, 2L, "web"),
            (ChangeOp.Upsert, ApplyDecision.Unchanged, false, 2L, "crm"),
            (ChangeOp.Delete, ApplyDecision.Deleted, true, 3L, "crm"));
        history.Select(h => h.Position).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        history.Should().OnlyContain(h => h.Resource == "customers" && h.RecordId == "c1" && h.Strategy == "highest-confidence");

        history[0].Payload.ShouldBeJson("""{"name":"Ada"}""");
        history[0].DeltaId.Should().Be("e1");
        history[0].Confidence.Should().Be(0.9);
        history[0].OccurredAt.Should().Be(T0);
        history[0].AppliedAt.Should().Be(T0.AddDays(1));
        history[1].Payload.ShouldBeJson("""{"name":"Ada L"}""");
        history[1].AppliedAt.Should().Be(T0.AddDays(1).AddMinutes(1));

        // A skipped change keeps the state the record had, and still shows what arrived.
        history[2].Payload.ShouldBeJson("""{"name":"Ada L"}""");
        history[2].IncomingPayload.ShouldBeJson("""{"name":"Eve"}""");
        history[2].Confidence.Should().Be(0.5);
        history[2].DeltaId.Should().BeNull();
        history[3].Payload.ShouldBeJson("""{"name":"Ada L"}""");

        history[4].Exists.Should().BeFalse();
        history[4].Payload.ValueKind.Should().Be(JsonValueKind.Undefined);
        history[4].IncomingPayload.ValueKind.Should().Be(JsonValueKind.Undefined);
        history[4].OccurredAt.Should().Be(T0.AddHours(4));
        history[4].AppliedAt.Should().Be(T0.AddDays(1).AddMinutes(3));
    }

    [Fact]
    public async Task GetHistoryAsync_MergedChange_PayloadIsTheMergeAndIncomingIsTheDelta()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Delta.Upsert("customers", "c1", Json("""{"name":"Ada","tier":"free"}"""), "crm"), MergeJson.Instance);
        await store.ApplyAsync(Delta.Upsert("customers", "c1", Json("""{"tier":"gold"}"""), "billing"), MergeJson.Instance);

        var history = await store.GetHistoryAsync("customers", "c1");

        history.Should().HaveCount(2);
        history[1].Decision.Should().Be(ApplyDecision.Merged);
        history[1].Strategy.Should().Be("merge-json");
        history[1].IncomingPayload.ShouldBeJson("""{"tier":"gold"}""");
        history[1].Payload.ShouldBeJson("""{"name":"Ada","tier":"gold"}""");
    }

    [Fact]
    public async Task GetHistoryAsync_DeletedThenRecreated_ShowsBothLives()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);
        await store.ApplyAsync(Delta.Delete("customers", "c1", "crm"), LastWriteWins.Instance);
        await store.ApplyAsync(Delta.Delete("customers", "c1", "crm"), LastWriteWins.Instance);
        await store.ApplyAsync(Customer("c1", "Ada again"), LastWriteWins.Instance);

        var history = await store.GetHistoryAsync("customers", "c1");

        history.Select(h => (h.Decision, h.Version, h.Exists)).Should().Equal(
            (ApplyDecision.Inserted, 1L, true),
            (ApplyDecision.Deleted, 2L, false),
            (ApplyDecision.Unchanged, 2L, false),
            (ApplyDecision.Inserted, 3L, true));
        history[3].Payload.ShouldBeJson("""{"name":"Ada again"}""");
    }

    [Fact]
    public async Task GetHistoryAsync_NeverSeenRecord_ReturnsEmpty()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);

        (await store.GetHistoryAsync("customers", "c2")).Should().BeEmpty();
        (await store.GetHistoryAsync("orders", "c1")).Should().BeEmpty();
    }

    [Fact]
    public async Task GetHistoryAsync_AfterCompaction_StartsWithTheSnapshot()
    {
        using var directory = new TempDirectory();
        var path = directory.File();
        await using var store = await MirrorStore.OpenAsync(path);
        await store.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);
        await store.ApplyAsync(Customer("c1", "Ada L"), LastWriteWins.Instance);
        EventLogTestKit.Compact(path, "customers", "c1");
        await store.ApplyAsync(Customer("c1", "Ada L").WithConfidence(0.5), KeepLocal.Instance);

        var history = await store.GetHistoryAsync("customers", "c1");

        history.Select(h => (h.Op, h.Decision, h.Applied, h.Version)).Should().Equal(
            (ChangeOp.Snapshot, ApplyDecision.Snapshot, true, 2L),
            (ChangeOp.Upsert, ApplyDecision.Skipped, false, 2L));
        history[0].Payload.ShouldBeJson("""{"name":"Ada L"}""");
        history[1].Payload.ShouldBeJson("""{"name":"Ada L"}""");
    }

    [Theory]
    [InlineData(" ")]
    [InlineData("\t\n")]
    public async Task GetHistoryAsync_WhiteSpaceRecordId_ThrowsLikeAnEmptyOne(string id)
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        await store.Invoking(s => s.GetHistoryAsync("customers", id)).Should().ThrowAsync<ArgumentException>().WithParameterName("recordId");
    }

    [Fact]
    public async Task GetHistoryAsync_InvalidArguments_Throw()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        await store.Invoking(s => s.GetHistoryAsync(null!, "c1")).Should().ThrowAsync<ArgumentNullException>().WithParameterName("resource");
        await store.Invoking(s => s.GetHistoryAsync(" ", "c1")).Should().ThrowAsync<ArgumentException>().WithParameterName("resource");
        await store.Invoking(s => s.GetHistoryAsync("customers", null!)).Should().ThrowAsync<ArgumentNullException>().WithParameterName("recordId");
        await store.Invoking(s => s.GetHistoryAsync("customers", "")).Should().ThrowAsync<ArgumentException>().WithParameterName("recordId");
    }

    [Fact]
    public async Task GetHistoryAsync_Cancelled_Throws()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        await store.Invoking(s => s.GetHistoryAsync("customers", "c1", cancellation.Token)).Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public async Task EventReaderQueries_UseTheRecordIndexOrTheRowidRange_WithoutSorting()
    {
        using var directory = new TempDirectory();
        var path = directory.File();
        await using (var store = await MirrorStore.OpenAsync(path))
        {
            await store.ApplyAsync(Customer("c1", "Ada"), LastWriteWins.Instance);
        }

        EventLogTestKit.Plan(path, EventReader.HistorySql).Should().Contain("USING INDEX mirror_events_record").And.NotContain("TEMP B-TREE");
        EventLogTestKit.Plan(path, EventReader.LiveBeforeSql).Should().Contain("USING INDEX mirror_events_record").And.NotContain("TEMP B-TREE");
        EventLogTestKit.Plan(path, EventReader.AppliedNewestFirstSql).Should().Contain("USING INDEX mirror_events_record").And.NotContain("TEMP B-TREE");
        EventLogTestKit.Plan(path, EventReader.AppliedSql).Should().Contain("USING INTEGER PRIMARY KEY").And.NotContain("TEMP B-TREE");
        EventLogTestKit.Plan(path, EventReader.AppliedForResourceSql).Should().Contain("USING INTEGER PRIMARY KEY").And.NotContain("TEMP B-TREE");
    }
}
