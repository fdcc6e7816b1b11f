namespace OxideMirror;

/// <summary>
/// Reports what <see cref="MirrorStore.RebuildRecordsAsync"/> did: how many records it wrote back from the log, how many
/// events it read, and how long it took.
/// </summary>
public sealed class RebuildReport
{
    /// <summary>Initializes a new instance of the <see cref="RebuildReport"/> class: for a store's rebuild to report what it did.</summary>
    /// <param name="recordsRebuilt">The number of records (tombstones included) written back.</param>
    /// <param name="eventsRead">The number of applied events read from the log.</param>
    /// <param name="duration">How long the rebuild took.</param>
    public RebuildReport(long recordsRebuilt, long eventsRead, TimeSpan duration)
    {
        RecordsRebuilt = recordsRebuilt;
        EventsRead = eventsRead;
        Duration = duration;
    }

    /// <summary>Gets the number of records (tombstones included) written back to <c>mirror_records</c>.</summary>
    public long RecordsRebuilt { get; }

    /// <summary>Gets the number of applied events (snapshots included) read from the log; skipped and unchanged events change no state and are not read.</summary>
    public long EventsRead { get; }

    /// <summary>Gets how long the rebuild took, from taking the write lock to the commit.</summary>
    public TimeSpan Duration { get; }

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{RecordsRebuilt} record(s) rebuilt from {EventsRead} applied event(s) in {Duration.TotalMilliseconds:0.0} ms");
}
