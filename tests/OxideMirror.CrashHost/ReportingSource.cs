namespace OxideMirror.CrashHost;

/// <summary>
/// Wraps a source and reports on a writer, one flushed line each: <c>committed &lt;cursor&gt;</c> whenever the syncer
/// pulls from a cursor, and <c>applying &lt;next cursor&gt;</c> when a page has been pulled and is handed to the store.
/// The syncer pulls from a cursor only after the page that returned it committed (or, on the first pull, because it was
/// read back from the store), so a <c>committed</c> line is proof that the store holds that cursor; a kill after an
/// <c>applying</c> line and before the next <c>committed</c> line landed while that page was being applied.
/// </summary>
/// <param name="inner">The source that serves the pages.</param>
/// <param name="output">Where to report.</param>
internal sealed class ReportingSource(ISyncSource inner, TextWriter output) : ISyncSource
{
    public string Id => inner.Id;

    public async Task<PullResult> PullAsync(string? cursor, CancellationToken cancellationToken = default)
    {
        if (cursor is not null)
        {
            await output.WriteLineAsync("committed " + cursor).ConfigureAwait(false);
            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        var page = await inner.PullAsync(cursor, cancellationToken).ConfigureAwait(false);
        if (page.Deltas.Count > 0)
        {
            await output.WriteLineAsync("applying " + page.NextCursor).ConfigureAwait(false);
            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        return page;
    }
}
