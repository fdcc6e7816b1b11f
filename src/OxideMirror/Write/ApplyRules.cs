using System.Text.Json;

namespace OxideMirror;

/// <summary>
/// The store's rules for what one delta does to a record once the conflict strategy has spoken, written once for the
/// live apply path (<see cref="RecordWriter"/>) and the what-if replay (<see cref="WhatIfReplayer"/>): a skip keeps the
/// record; a delete deletes it (a missing record gets a tombstone), unless it is a tombstone already (unchanged); an
/// upsert whose resulting payload (the strategy's merge, or else the delta's own) equals the live record's payload is
/// unchanged; an upsert of a missing or deleted record inserts; any other upsert updates, or merges when the strategy
/// merged. A decision that changes the record adds one to its version; the others keep it. Pure: no I/O, no state.
/// </summary>
internal static class ApplyRules
{
    /// <summary>Decides what a delta does to a record, and the record's state after it.</summary>
    /// <param name="before">The record as it is: none, a live record, or a tombstone.</param>
    /// <param name="op">The delta's operation.</param>
    /// <param name="resolution">What the conflict strategy said.</param>
    /// <param name="result">
    /// For an upsert the strategy did not skip, the payload it would leave, as compact UTF-8: the strategy's merged
    /// payload for <see cref="ConflictResolutionKind.ApplyMerged"/>, else the delta's own. Ignored otherwise.
    /// </param>
    public static ApplyOutcome Decide(RecordState before, DeltaOp op, ConflictResolutionKind resolution, ReadOnlySpan<byte> result)
    {
        if (resolution == ConflictResolutionKind.Skip)
        {
            return new ApplyOutcome(ApplyDecision.Skipped, before);
        }

        if (op == DeltaOp.Delete)
        {
            return before.IsDeleted
                ? new ApplyOutcome(ApplyDecision.Unchanged, before)
                : new ApplyOutcome(ApplyDecision.Deleted, RecordState.Tombstone(before.Version + 1));
        }

        if (before.IsLive && SamePayload(before.Payload, result))
        {
            return new ApplyOutcome(ApplyDecision.Unchanged, before);
        }

        var decision = !before.IsLive ? ApplyDecision.Inserted
            : resolution == ConflictResolutionKind.ApplyMerged ? ApplyDecision.Merged
            : ApplyDecision.Updated;
        return new ApplyOutcome(decision, RecordState.Live(result, before.Version + 1));
    }

    /// <summary>Says whether a decision changed the record (and so added a version): insert, update, merge or delete.</summary>
    public static bool IsApplied(ApplyDecision decision) =>
        decision is ApplyDecision.Inserted or ApplyDecision.Updated or ApplyDecision.Merged or ApplyDecision.Deleted;

    /// <summary>
    /// Says whether two compact payloads hold the same JSON: the same bytes, or the same JSON with keys in another order
    /// (which compacts to the same length, so only then are the two parsed).
    /// </summary>
    public static bool SamePayload(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        if (left.Length != right.Length)
        {
            return false;
        }

        if (left.SequenceEqual(right))
        {
            return true;
        }

        using var a = JsonDocument.Parse(left.ToArray());
        using var b = JsonDocument.Parse(right.ToArray());
        return JsonElement.DeepEquals(a.RootElement, b.RootElement);
    }

    /// <summary>Asks the strategy what to do with a delta; a strategy that answers null is a bug in the strategy.</summary>
    public static ConflictResolution Resolve(IConflictStrategy strategy, MirroredRecord? existing, Delta delta) =>
        strategy.Resolve(existing, delta)
            ?? throw new InvalidOperationException($"The conflict strategy '{strategy.Label}' returned null for {delta.Resource}/{delta.RecordId}. Return ConflictResolution.Apply, Skip or ApplyMerged(...).");
}
