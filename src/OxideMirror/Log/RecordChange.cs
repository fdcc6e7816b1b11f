using System.Text.Json;

namespace OxideMirror;

/// <summary>
/// Describes one event in a record's history: what arrived, what the conflict strategy decided, and the record's state
/// afterwards.
/// </summary>
public sealed record RecordChange
{
    /// <summary>Gets the event's position in the log (<c>mirror_events.seq</c>); positions only grow.</summary>
    public required long Position { get; init; }

    /// <summary>Gets the resource the record belongs to.</summary>
    public required string Resource { get; init; }

    /// <summary>Gets the record's id within its resource.</summary>
    public required string RecordId { get; init; }

    /// <summary>Gets what the event was: an upsert, a delete, or a compaction snapshot.</summary>
    public ChangeOp Op { get; init; }

    /// <summary>
    /// Gets the record's payload after the event: for an applied event the state it produced (the merged payload when
    /// the strategy merged), for a skipped or unchanged one the state the record kept; undefined when the record was
    /// deleted or did not exist afterwards.
    /// </summary>
    public JsonElement Payload { get; init; }

    /// <summary>Gets the payload the delta carried, as it arrived; undefined for a delete.</summary>
    public JsonElement IncomingPayload { get; init; }

    /// <summary>Gets the source that reported the change.</summary>
    public required string Source { get; init; }

    /// <summary>Gets the confidence the change arrived with.</summary>
    public double Confidence { get; init; }

    /// <summary>Gets what the conflict strategy decided.</summary>
    public ApplyDecision Decision { get; init; }

    /// <summary>Gets a value indicating whether the event changed the record (snapshots count as applied).</summary>
    public bool Applied { get; init; }

    /// <summary>Gets the label of the conflict strategy that decided, for example <c>last-write-wins</c>.</summary>
    public required string Strategy { get; init; }

    /// <summary>Gets the delta's idempotency id, or <see langword="null"/> when it had none.</summary>
    public string? DeltaId { get; init; }

    /// <summary>Gets when the change happened at its source (event time).</summary>
    public DateTimeOffset OccurredAt { get; init; }

    /// <summary>Gets when the mirror logged the change (the store's <see cref="MirrorStoreOptions.TimeProvider"/> at commit).</summary>
    public DateTimeOffset AppliedAt { get; init; }

    /// <summary>Gets the record's version after the event (unchanged by a skipped or unchanged event).</summary>
    public long Version { get; init; }

    /// <summary>Gets a value indicating whether the record existed (was not deleted) after the event.</summary>
    public bool Exists => Payload.ValueKind != JsonValueKind.Undefined;
}
