namespace OxideMirror;

/// <summary>
/// Reports what <see cref="MirrorStore.ReplayAsync"/> found: the records whose state would differ had the log been
/// applied with another conflict strategy.
/// </summary>
public sealed class ReplayReport
{
    internal ReplayReport(string strategy, long eventsReplayed, long recordsCompared, IReadOnlyList<ReplayDifference> differences, TimeSpan duration)
    {
        Strategy = strategy;
        EventsReplayed = eventsReplayed;
        RecordsCompared = recordsCompared;
        Differences = differences;
        Duration = duration;
    }

    /// <summary>Gets the label of the strategy the log was replayed with.</summary>
    public string Strategy { get; }

    /// <summary>Gets the number of logged events replayed, applied or not.</summary>
    public long EventsReplayed { get; }

    /// <summary>Gets the number of records the replay saw.</summary>
    public long RecordsCompared { get; }

    /// <summary>Gets the records whose payload or deletion would differ, in (resource, record id) ordinal order.</summary>
    public IReadOnlyList<ReplayDifference> Differences { get; }

    /// <summary>Gets how long the replay took.</summary>
    public TimeSpan Duration { get; }
}
