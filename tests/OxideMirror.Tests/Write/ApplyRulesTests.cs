using System.Text;
using CsCheck;

namespace OxideMirror.Tests.Write;

/// <summary>
/// The apply rules on their own (<see cref="ApplyRules"/>), the one definition the live apply path and the what-if replay
/// both follow: for every kind of record state, operation and resolution, the decision, the state after and the version.
/// </summary>
public sealed class ApplyRulesTests
{
    private static readonly byte[] Ada = Utf8("""{"name":"Ada","tier":1}""");
    private static readonly byte[] AdaReordered = Utf8("""{"tier":1,"name":"Ada"}""");
    private static readonly byte[] Grace = Utf8("""{"name":"Grace","tier":2}""");

    public enum Existing
    {
        None,
        Live,
        Tombstone,
    }

    [Theory]
    [InlineData(Existing.None, DeltaOp.Upsert)]
    [InlineData(Existing.Live, DeltaOp.Upsert)]
    [InlineData(Existing.Tombstone, DeltaOp.Upsert)]
    [InlineData(Existing.None, DeltaOp.Delete)]
    [InlineData(Existing.Live, DeltaOp.Delete)]
    [InlineData(Existing.Tombstone, DeltaOp.Delete)]
    public void Decide_Skip_KeepsTheRecordAndItsVersion(Existing existing, DeltaOp op)
    {
        var outcome = Decide(existing, 4, op, ConflictResolutionKind.Skip, Grace);

        outcome.Should().Be(new Outcome(ApplyDecision.Skipped, false, existing != Existing.None, existing == Existing.Tombstone, existing == Existing.Live ? Text(Ada) : string.Empty, existing == Existing.None ? 0 : 4));
    }

    [Fact]
    public void Decide_UpsertOfMissingRecord_InsertsAtVersionOne()
    {
        Decide(Existing.None, 0, DeltaOp.Upsert, ConflictResolutionKind.Apply, Grace)
            .Should().Be(new Outcome(ApplyDecision.Inserted, true, true, false, Text(Grace), 1));
    }

    [Fact]
    public void Decide_MergedUpsertOfMissingRecord_InsertsTheMergedPayload()
    {
        Decide(Existing.None, 0, DeltaOp.Upsert, ConflictResolutionKind.ApplyMerged, Grace)
            .Should().Be(new Outcome(ApplyDecision.Inserted, true, true, false, Text(Grace), 1));
    }

    [Theory]
    [InlineData(ConflictResolutionKind.Apply)]
    [InlineData(ConflictResolutionKind.ApplyMerged)]
    public void Decide_UpsertOfTombstone_InsertsAtTheNextVersion(ConflictResolutionKind resolution)
    {
        Decide(Existing.Tombstone, 3, DeltaOp.Upsert, resolution, Ada)
            .Should().Be(new Outcome(ApplyDecision.Inserted, true, true, false, Text(Ada), 4), "a deleted record's payload is never compared, even when it would be the same");
    }

    [Fact]
    public void Decide_UpsertOfOtherPayload_UpdatesAndAddsAVersion()
    {
        Decide(Existing.Live, 2, DeltaOp.Upsert, ConflictResolutionKind.Apply, Grace)
            .Should().Be(new Outcome(ApplyDecision.Updated, true, true, false, Text(Grace), 3));
    }

    [Fact]
    public void Decide_MergedUpsertOfOtherPayload_MergesAndAddsAVersion()
    {
        Decide(Existing.Live, 2, DeltaOp.Upsert, ConflictResolutionKind.ApplyMerged, Grace)
            .Should().Be(new Outcome(ApplyDecision.Merged, true, true, false, Text(Grace), 3));
    }

    [Theory]
    [InlineData(ConflictResolutionKind.Apply)]
    [InlineData(ConflictResolutionKind.ApplyMerged)]
    public void Decide_ResentIdenticalPayload_IsUnchangedWithoutAVersionBump(ConflictResolutionKind resolution)
    {
        Decide(Existing.Live, 5, DeltaOp.Upsert, resolution, Ada)
            .Should().Be(new Outcome(ApplyDecision.Unchanged, false, true, false, Text(Ada), 5));
    }

    [Fact]
    public void Decide_SamePayloadWithKeysInAnotherOrder_IsUnchangedAndKeepsTheStoredText()
    {
        Decide(Existing.Live, 5, DeltaOp.Upsert, ConflictResolutionKind.Apply, AdaReordered)
            .Should().Be(new Outcome(ApplyDecision.Unchanged, false, true, false, Text(Ada), 5));
    }

    [Fact]
    public void Decide_DeleteOfLiveRecord_LeavesATombstoneAtTheNextVersion()
    {
        Decide(Existing.Live, 2, DeltaOp.Delete, ConflictResolutionKind.Apply, [])
            .Should().Be(new Outcome(ApplyDecision.Deleted, true, true, true, string.Empty, 3));
    }

    [Fact]
    public void Decide_DeleteOfMissingRecord_LeavesATombstoneAtVersionOne()
    {
        Decide(Existing.None, 0, DeltaOp.Delete, ConflictResolutionKind.Apply, [])
            .Should().Be(new Outcome(ApplyDecision.Deleted, true, true, true, string.Empty, 1));
    }

    [Fact]
    public void Decide_DeleteOfTombstone_IsUnchangedWithoutAVersionBump()
    {
        Decide(Existing.Tombstone, 3, DeltaOp.Delete, ConflictResolutionKind.Apply, [])
            .Should().Be(new Outcome(ApplyDecision.Unchanged, false, true, true, string.Empty, 3));
    }

    [Fact]
    public void Decide_MergedDelete_DeletesAndIgnoresTheResultPayload()
    {
        Decide(Existing.Live, 1, DeltaOp.Delete, ConflictResolutionKind.ApplyMerged, Grace)
            .Should().Be(new Outcome(ApplyDecision.Deleted, true, true, true, string.Empty, 2));
    }

    [Fact]
    public void Decide_AnyInput_AddsOneVersionExactlyWhenAppliedAndOtherwiseKeepsTheState()
    {
        var payloads = new[] { Ada, AdaReordered, Grace };
        Gen.Select(Gen.Int[0, 2], Gen.Long[0, 1000], Gen.Int[0, 1], Gen.Int[0, 2], Gen.Int[0, 2], Gen.Int[0, 2])
            .Sample((existing, version, op, resolution, stored, result) =>
            {
                var v = existing == 0 ? 0 : version;
                var before = Decide((Existing)existing, v, (DeltaOp)op, (ConflictResolutionKind)resolution, payloads[result], payloads[stored]);
                if (before.Applied)
                {
                    before.Version.Should().Be(v + 1);
                    before.Exists.Should().BeTrue();
                    before.IsDeleted.Should().Be((DeltaOp)op == DeltaOp.Delete);
                    before.Payload.Should().Be((DeltaOp)op == DeltaOp.Delete ? string.Empty : Text(payloads[result]));
                }
                else
                {
                    var kept = Decide((Existing)existing, v, DeltaOp.Upsert, ConflictResolutionKind.Skip, payloads[result], payloads[stored]);
                    before.Should().Be(kept with { Decision = before.Decision });
                }
            }, iter: 2000, threads: 1);
    }

    [Theory]
    [InlineData(ApplyDecision.Inserted, true)]
    [InlineData(ApplyDecision.Updated, true)]
    [InlineData(ApplyDecision.Merged, true)]
    [InlineData(ApplyDecision.Deleted, true)]
    [InlineData(ApplyDecision.Skipped, false)]
    [InlineData(ApplyDecision.Unchanged, false)]
    [InlineData(ApplyDecision.Duplicate, false)]
    public void IsApplied_EachDecision_SaysWhetherItChangedTheRecord(ApplyDecision decision, bool applied)
    {
        ApplyRules.IsApplied(decision).Should().Be(applied);
    }

    [Theory]
    [InlineData("""{"a":1}""", """{"a":1}""", true)]
    [InlineData("""{"a":1,"b":[1,2]}""", """{"b":[1,2],"a":1}""", true)]
    [InlineData("""{"a":{"x":1,"y":2}}""", """{"a":{"y":2,"x":1}}""", true)]
    [InlineData("""{"a":1}""", """{"a":2}""", false)]
    [InlineData("""{"a":1}""", """{"a":10}""", false)]
    [InlineData("""{"a":[1,2]}""", """{"a":[2,1]}""", false)]
    [InlineData("""{"ab":1}""", """{"ba":1}""", false)]
    public void SamePayload_CompactPayloads_AreTheSameWhenTheyHoldTheSameJson(string left, string right, bool same)
    {
        ApplyRules.SamePayload(Utf8(left), Utf8(right)).Should().Be(same);
        ApplyRules.SamePayload(Utf8(right), Utf8(left)).Should().Be(same);
    }

    [Fact]
    public void Resolve_StrategyThatReturnsNull_ThrowsSayingWhatToReturn()
    {
        var delta = Delta.Upsert("customers", "c1", new { name = "Ada" }, "crm");

        var resolve = () => ApplyRules.Resolve(new NullStrategy(), null, delta);

        resolve.Should().Throw<InvalidOperationException>()
            .WithMessage("The conflict strategy 'null-returning' returned null for customers/c1. Return ConflictResolution.Apply, Skip or ApplyMerged(...).");
    }

    private static Outcome Decide(Existing existing, long version, DeltaOp op, ConflictResolutionKind resolution, byte[] result, byte[]? stored = null)
    {
        var before = existing switch
        {
            Existing.None => RecordState.None,
            Existing.Live => RecordState.Live(stored ?? Ada, version),
            _ => RecordState.Tombstone(version),
        };
        var outcome = ApplyRules.Decide(before, op, resolution, result);
        return new Outcome(outcome.Decision, outcome.Applied, outcome.After.Exists, outcome.After.IsDeleted, Encoding.UTF8.GetString(outcome.After.Payload), outcome.After.Version);
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static string Text(byte[] utf8) => Encoding.UTF8.GetString(utf8);

    /// <summary>An outcome copied out of its ref struct, so that it can be compared as a value.</summary>
    private sealed record Outcome(ApplyDecision Decision, bool Applied, bool Exists, bool IsDeleted, string Payload, long Version);

    private sealed class NullStrategy : IConflictStrategy
    {
        public string Label => "null-returning";

        public ConflictResolution Resolve(MirroredRecord? existing, Delta incoming) => null!;
    }
}
