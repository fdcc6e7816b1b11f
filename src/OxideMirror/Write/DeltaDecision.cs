using System.Text.Json;

namespace OxideMirror;

/// <summary>
/// Says what one delta does to one record, as <see cref="DeltaRules.Decide"/> decided it for a store's write path: the
/// decision the log records, the record's version afterwards, and the compact JSON texts the store writes.
/// </summary>
/// <param name="Decision">What applying the delta does (never <see cref="ApplyDecision.Duplicate"/>: the store finds duplicates itself).</param>
/// <param name="Version">The record's version afterwards: one more than before when the decision changes the record, else as it was.</param>
/// <param name="Payload">For an upsert, the delta's payload as compact JSON (the event's <c>payload</c>); <see langword="null"/> for a delete.</param>
/// <param name="MergedPayload">The strategy's merged payload as compact JSON (the event's <c>merged_payload</c>), or <see langword="null"/> when it did not merge.</param>
/// <param name="RecordPayload">The record's payload afterwards as compact JSON, or <see langword="null"/> when the record is (or stays) a tombstone or none.</param>
/// <param name="Columns">The payload whose top-level keys fill the resource table's columns when the decision applies a live record; undefined otherwise.</param>
public readonly record struct DeltaDecision(ApplyDecision Decision, long Version, string? Payload, string? MergedPayload, string? RecordPayload, JsonElement Columns)
{
    /// <summary>Gets a value indicating whether the decision changes the record (insert, update, merge or delete): then the store writes the record, else only the event.</summary>
    public bool Applied => ApplyRules.IsApplied(Decision);

    /// <summary>Gets a value indicating whether the record is a tombstone after a decision that applies.</summary>
    public bool Deletes => Decision == ApplyDecision.Deleted;
}
