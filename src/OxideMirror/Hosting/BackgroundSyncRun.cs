namespace OxideMirror.Hosting;

/// <summary>What one background run of a source did (its report, failed or not), and how long the service waits before the next.</summary>
internal sealed record BackgroundSyncRun(string Source, SyncReport Report, Exception? Error, int FailuresInARow, TimeSpan NextDelay)
{
    public bool Succeeded => Error is null;
}
