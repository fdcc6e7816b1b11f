namespace OxideMirror;

/// <summary>
/// Holds one page of what changed in the mirror after a log position: the net change to each record, and the position to
/// ask from next time.
/// </summary>
public sealed record ChangeSet
{
    /// <summary>Gets the position the page starts after (the one asked for, or the one a time resolved to).</summary>
    public long FromPosition { get; init; }

    /// <summary>
    /// Gets the position the page ends at: pass it to the next <see cref="MirrorStore.GetChangesAsync(long, string?, int, CancellationToken)"/>
    /// call. It equals <see cref="FromPosition"/> when nothing changed.
    /// </summary>
    public long Position { get; init; }

    /// <summary>Gets a value indicating whether the page was cut at its limit, so more changes wait after <see cref="Position"/>.</summary>
    public bool HasMore { get; init; }

    /// <summary>Gets the net change to each record, ordered by each record's last change.</summary>
    public required IReadOnlyList<RecordChangeSummary> Changes { get; init; }

    /// <summary>Gets, per resource, how many records <see cref="Changes"/> reports as inserted, updated and deleted.</summary>
    public required IReadOnlyDictionary<string, ResourceChangeCounts> Counts { get; init; }
}
