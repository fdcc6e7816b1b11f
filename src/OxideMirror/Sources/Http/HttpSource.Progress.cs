namespace OxideMirror.Http;

/// <summary>Stops paging that would never end: a next page that was already fetched in this pass, or a page that repeats the one before it.</summary>
public sealed partial class HttpSource
{
    /// <summary>How many request URLs of one pass are remembered exactly; past that, a checkpoint at every power-of-two page still catches a loop.</summary>
    private const int TrailLimit = 10_000;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, PageTrail> _trails = new(StringComparer.Ordinal);

    /// <summary>Throws when the page just fetched leads back to a page of this pass, or holds the same records as the page before it.</summary>
    private void CheckProgress(HttpResourceOptions resource, HttpCursor.ResourceState rs, Uri requested, IReadOnlyList<Delta> deltas, string? next)
    {
        var trail = _trails.GetOrAdd(resource.Name, _ => new PageTrail());
        lock (trail)
        {
            if (rs.Page == 0 || trail.Pass != rs.Pass)
            {
                trail.Reset(rs.Pass);
            }

            var key = requested.AbsoluteUri;
            if (trail.Pages.Count < TrailLimit)
            {
                trail.Pages.TryAdd(key, rs.Page);
            }
            else if ((rs.Page & (rs.Page - 1)) == 0)
            {
                trail.Checkpoint = (key, rs.Page);
            }

            var nextRequest = next is null ? null : NextRequest(resource, rs, next);
            if (nextRequest is not null && Revisits(trail, rs, nextRequest.AbsoluteUri) is { } earlier)
            {
                var where = resource.Paginator.Kind is HttpPaginatorKind.NextUrl or HttpPaginatorKind.LinkHeader ? Describe(nextRequest) : $"'{Truncate(next!)}'";
                throw Bad(resource, $"Page {rs.Page + 1} of this pass (from {Describe(requested)}) points to the next page {where}, which is page {earlier + 1} of this pass, so paging would never end. The server's {resource.Paginator} repeats; check the resource's Paginator");
            }

            var ids = deltas.Select(d => d.RecordId).ToArray();
            if (ids.Length > 0 && trail.LastPage == rs.Page - 1 && ids.AsSpan().SequenceEqual(trail.LastIds))
            {
                throw Bad(resource, $"Page {rs.Page + 1} of this pass (from {Describe(requested)}) holds the same {ids.Length} record(s), in the same order, as page {rs.Page}, so the server ignores the paging parameters of the paginator ({resource.Paginator}) and paging would never end. Check the resource's Paginator (its parameter names) against the API's documentation");
            }

            trail.LastPage = rs.Page;
            trail.LastIds = ids;
        }
    }

    /// <summary>Returns the page of this pass that <paramref name="nextKey"/> requested before, or null.</summary>
    private static int? Revisits(PageTrail trail, HttpCursor.ResourceState rs, string nextKey)
    {
        if (trail.Pages.TryGetValue(nextKey, out var seen) && seen <= rs.Page)
        {
            return seen;
        }

        return trail.Checkpoint is { } checkpoint && checkpoint.Key == nextKey ? checkpoint.Page : null;
    }

    /// <summary>Builds the request of the page after this one, as the next pull will.</summary>
    private Uri NextRequest(HttpResourceOptions resource, HttpCursor.ResourceState rs, string next) =>
        BuildUri(resource, new HttpCursor.ResourceState { Next = next, Since = rs.Since });

    /// <summary>The request URLs one pass of a resource has fetched, and the ids of its last page.</summary>
    private sealed class PageTrail
    {
        public long Pass { get; private set; } = -1;

        public Dictionary<string, int> Pages { get; } = new(StringComparer.Ordinal);

        public (string Key, int Page)? Checkpoint { get; set; }

        public int LastPage { get; set; } = -1;

        public string[] LastIds { get; set; } = [];

        public void Reset(long pass)
        {
            Pass = pass;
            Pages.Clear();
            Checkpoint = null;
            LastPage = -1;
            LastIds = [];
        }
    }
}
