namespace OxideMirror;

/// <summary>
/// Reports what <see cref="MirrorStore.CompactAsync"/> did: events removed, snapshots written, and the database's size
/// before and after.
/// </summary>
public sealed class CompactionReport
{
    internal CompactionReport(long eventsRemoved, long snapshotsWritten, long bytesBefore, long bytesAfter, TimeSpan duration)
    {
        EventsRemoved = eventsRemoved;
        SnapshotsWritten = snapshotsWritten;
        BytesBefore = bytesBefore;
        BytesAfter = bytesAfter;
        Duration = duration;
    }

    /// <summary>Gets the number of events deleted from the log (events turned into snapshots not counted).</summary>
    public long EventsRemoved { get; }

    /// <summary>Gets the number of events turned into a <c>snapshot</c> event, one per record whose history was compacted.</summary>
    public long SnapshotsWritten { get; }

    /// <summary>Gets the database's size in bytes (page count times page size) before compaction.</summary>
    public long BytesBefore { get; }

    /// <summary>Gets the database's size in bytes after compaction; smaller than <see cref="BytesBefore"/> only when <see cref="RetentionPolicy.ReclaimSpace"/> was set.</summary>
    public long BytesAfter { get; }

    /// <summary>Gets how long compaction took, vacuum included.</summary>
    public TimeSpan Duration { get; }

    /// <inheritdoc />
    public override string ToString() => string.Create(
        System.Globalization.CultureInfo.InvariantCulture,
        $"{EventsRemoved} event(s) removed, {SnapshotsWritten} snapshot(s) written, {BytesBefore} -> {BytesAfter} bytes in {Duration.TotalMilliseconds:0.0} ms");
}
