using OxideMirror;

/// <summary>Wraps a source and keeps one progress line per source up to date while the syncer pulls pages.</summary>
internal sealed class ProgressSource(HttpSource inner) : ISyncSource
{
    private int _pages;
    private int _records;

    public string Id => inner.Id;

    public async Task<PullResult> PullAsync(string? cursor, CancellationToken cancellationToken = default)
    {
        var page = await inner.PullAsync(cursor, cancellationToken);
        _pages++;
        _records += page.Deltas.Count;
        if (!Console.IsOutputRedirected)
        {
            Console.Write($"\r   {Id,-9} page {_pages}, {_records} change(s), {inner.RequestCount} request(s) so far…");
        }

        return page;
    }

    public void Reset() => (_pages, _records) = (0, 0);

    public void Done(SyncReport report, long requestsBefore)
    {
        var line = $"   {Id,-9} {report.Pages} page(s), {report.Pulled} change(s) ({report.Applied} applied), {inner.RequestCount - requestsBefore} HTTP request(s)";
        Console.WriteLine(Console.IsOutputRedirected ? line : "\r" + line.PadRight(80));
        Reset();
    }
}
