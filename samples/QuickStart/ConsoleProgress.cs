using OxideMirror;
using OxideMirror.Http;

/// <summary>
/// Keeps one progress line per source up to date from the syncer's progress reports (one after each committed page),
/// then replaces it with the sync report's counts.
/// </summary>
/// <remarks>
/// It writes on the syncing thread, as the syncer calls it: <see cref="Progress{T}"/> would post each report to the
/// thread pool, where it could land after the line that ends the sync.
/// </remarks>
internal sealed class ConsoleProgress(HttpSource http) : IProgress<SyncProgress>
{
    private long _requestsBefore = http.RequestCount;

    public void Report(SyncProgress value)
    {
        if (!Console.IsOutputRedirected)
        {
            Console.Write($"\r   {value.Source,-9} page {value.Pages} ({string.Join(", ", value.Resources)}), {value.Pulled} change(s), {http.RequestCount - _requestsBefore} request(s) so far…");
        }
    }

    public void Done(SyncReport report)
    {
        // A full pass that no longer lists a record deletes it: one more applied change than the pages held.
        var missing = report.Missing > 0 ? $" ({report.Missing} of them deleting a record the full pass no longer listed)" : "";
        var line = $"   {report.Source,-9} {report.Pages} page(s), {report.Pulled} change(s): {report.Applied} applied{missing}, {report.Skipped} skipped, {report.Unchanged} unchanged; {http.RequestCount - _requestsBefore} HTTP request(s)";
        Console.WriteLine(Console.IsOutputRedirected ? line : "\r" + line.PadRight(100));
        _requestsBefore = http.RequestCount;
    }
}
