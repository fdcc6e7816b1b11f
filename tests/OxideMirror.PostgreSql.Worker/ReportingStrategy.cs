namespace OxideMirror.PostgreSql.Worker;

/// <summary>Last-write-wins that says when a page's transaction is open, and in the stall page never returns from its sixth delta.</summary>
internal sealed class ReportingStrategy(int page, int stall) : IConflictStrategy
{
    private int _seen;

    public string Label => LastWriteWins.Instance.Label;

    public ConflictResolution Resolve(MirroredRecord? existing, Delta incoming)
    {
        if (++_seen == 6)
        {
            Console.WriteLine($"inside {page}");
            if (page == stall)
            {
                Thread.Sleep(Timeout.Infinite);
            }
        }

        return LastWriteWins.Instance.Resolve(existing, incoming);
    }
}
