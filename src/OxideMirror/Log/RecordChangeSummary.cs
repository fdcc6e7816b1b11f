using System.Text.Json;

namespace OxideMirror;

/// <summary>
/// Describes the net change to one record between the two positions of a <see cref="ChangeSet"/>: how it differs from
/// the start, not every step in between (read those with <see cref="MirrorStore.GetHistoryAsync"/>).
/// </summary>
public sealed record RecordChangeSummary
{
    /// <summary>Gets the resource the record belongs to.</summary>
    public required string Resource { get; init; }

    /// <summary>Gets the record's id within its resource.</summary>
    public required string RecordId { get; init; }

    /// <summary>Gets the net effect: inserted, updated or deleted.</summary>
    public ChangeKind Kind { get; init; }

    /// <summary>
    /// Gets a value indicating whether the record existed at the start position. It is false for every
    /// <see cref="ChangeKind.Inserted"/>, true for every <see cref="ChangeKind.Updated"/>, and false for a
    /// <see cref="ChangeKind.Deleted"/> record that was created and deleted after the start position, or deleted without
    /// ever being seen.
    /// </summary>
    public bool ExistedAtStart { get; init; }

    /// <summary>Gets the record's payload at the end position; undefined when <see cref="Kind"/> is <see cref="ChangeKind.Deleted"/>.</summary>
    public JsonElement Payload { get; init; }

    /// <summary>Gets the record's version at the end position.</summary>
    public long Version { get; init; }

    /// <summary>Gets the source of the last applied change.</summary>
    public required string Source { get; init; }

    /// <summary>Gets when the mirror applied the last change.</summary>
    public DateTimeOffset AppliedAt { get; init; }

    /// <summary>Gets the log position of the last applied change.</summary>
    public long LastPosition { get; init; }

    /// <summary>Gets how many applied changes the net change stands for.</summary>
    public int ChangeCount { get; init; }
}
