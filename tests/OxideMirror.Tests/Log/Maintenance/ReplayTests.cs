using CsCheck;
using OxideMirror.Tests.Conflicts;

namespace OxideMirror.Tests.Log.Maintenance;

public sealed class ReplayTests
{
    private static readonly DateTimeOffset T0 = StoreTestKit.T0;

    [Fact]
    public async Task ReplayAsync_HighestConfidenceOverLastWriteWinsLog_ReportsTheRecordsThatWouldDiffer()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var lww = LastWriteWins.Instance;
        await store.ApplyAsync(Upsert("r1", """{"v":1}""", 0.9), lww);
        await store.ApplyAsync(Upsert("r1", """{"v":2}""", 0.5), lww); // HC skips: a less trusted update
        await store.ApplyAsync(Upsert("r2", """{"v":1}""", 0.8), lww);
        await store.ApplyAsync(Delta.Delete("items", "r2", "s").WithConfidence(0.3).At(T0), lww); // HC skips the delete
        await store.ApplyAsync(Upsert("r3", """{"v":1}""", 0.2), lww);
        await store.ApplyAsync(Upsert("r3", """{"v":2}""", 0.9), lww); // both apply
        await store.ApplyAsync(Upsert("r4", """{"v":1}""", 1.0), lww);
        await store.ApplyAsync(Delta.Delete("items", "r4", "s").WithConfidence(0.2).At(T0), lww); // HC skips
        await store.ApplyAsync(Upsert("r4", """{"v":3}""", 0.5), lww); // LWW re-inserts; HC still skips (0.5 < 1.0)
        var seq = (await MirrorTables.EventsAsync(store)).Select(e => e.Seq).ToList();

        var report = await store.ReplayAsync(HighestConfidence.Instance);

        report.Strategy.Should().Be("highest-confidence");
        report.EventsReplayed.Should().Be(9);
        report.RecordsCompared.Should().Be(4);
        report.Differences.Select(d => d.ToString()).Should().Equal(
            $"items/r1: {{\"v\":2}} -> {{\"v\":1}} (diverged at seq {seq[1]}: logged update, what-if skip)",
            $"items/r2: deleted -> {{\"v\":1}} (diverged at seq {seq[3]}: logged delete, what-if skip)",
            $"items/r4: {{\"v\":3}} -> {{\"v\":1}} (diverged at seq {seq[7]}: logged delete, what-if skip)");
        report.Differences[1].CurrentDeleted.Should().BeTrue();
        report.Differences[1].CurrentPayload.Should().BeNull();
        report.Differences[1].WhatIfDeleted.Should().BeFalse();
    }

    [Fact]
    public async Task ReplayAsync_SameStrategyAsTheLog_ReportsNoDifferences()
    {
        // Any sequence applied with one strategy and replayed with it must come out the same: the replay follows the
        // store's rules (unchanged detection, deletes of deleted records, merges, tombstones) exactly.
        var gen = Gen.Select(ConflictStrategyPropertyTests.GenOps, Gen.Int[0, ConflictStrategyContractTests.BuiltIns.Count - 1]);
        await gen.SampleAsync(
            async t =>
            {
                var (ops, strategyIndex) = t;
                var single = ops.Select(o => o with { Strategy = strategyIndex }).ToArray();
                await using var store = await MirrorStore.OpenInMemoryAsync();
                await ConflictStrategyPropertyTests.ApplyAsync(store, single);

                var report = await store.ReplayAsync(ConflictStrategyContractTests.BuiltIns[strategyIndex]);

                report.Differences.Should().BeEmpty();
                report.EventsReplayed.Should().Be(await store.EventCountAsync());
            },
            iter: 150,
            threads: 2);
    }

    [Fact]
    public async Task ReplayAsync_KeepLocalOverMergedLog_ShowsMergeAsDivergence()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Upsert("r1", """{"a":1}""", 1), MergeJson.Instance);
        await store.ApplyAsync(Upsert("r1", """{"b":2}""", 1), MergeJson.Instance);

        var report = await store.ReplayAsync(KeepLocal.Instance);

        var difference = report.Differences.Should().ContainSingle().Subject;
        difference.CurrentPayload.Should().Be("""{"a":1,"b":2}""");
        difference.WhatIfPayload.Should().Be("""{"a":1}""");
        difference.LoggedDecision.Should().Be("merge");
        difference.WhatIfDecision.Should().Be("skip");
    }

    [Fact]
    public async Task ReplayAsync_AnyLog_ChangesNothingInTheStore()
    {
        using var dir = new TempDirectory();
        var path = dir.File();
        await using var store = await MirrorStore.OpenAsync(path);
        await store.ApplyAsync(Upsert("r1", """{"v":1}""", 0.9), LastWriteWins.Instance);
        await store.ApplyAsync(Upsert("r1", """{"v":2}""", 0.1), LastWriteWins.Instance);
        var before = StoreTestKit.Snapshot(path);

        var report = await store.ReplayAsync(HighestConfidence.Instance);

        report.Differences.Should().ContainSingle();
        StoreTestKit.Snapshot(path).Should().Be(before);
    }

    [Fact]
    public async Task ReplayAsync_NullStrategy_ThrowsArgumentNull()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();

        var act = () => store.ReplayAsync(null!);

        (await act.Should().ThrowAsync<ArgumentNullException>()).Which.ParamName.Should().Be("other");
    }

    [Fact]
    public async Task ReplayAsync_CancelledToken_Throws()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyAsync(Upsert("r1", """{"v":1}""", 1), LastWriteWins.Instance);

        var act = () => store.ReplayAsync(KeepLocal.Instance, new CancellationToken(canceled: true));

        await act.Should().ThrowAsync<OperationCanceledException>();
    }

    private static Delta Upsert(string id, string json, double confidence) =>
        Delta.Upsert("items", id, Json.Parse(json), "s").WithConfidence(confidence).At(T0);
}
