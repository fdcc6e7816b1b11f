using System.Globalization;

namespace OxideMirror;

/// <summary>
/// Serves pages of changes held in memory: for tests, samples, replaying captured data, and sources that
/// receive their changes from elsewhere (webhooks) and hand them to the syncer with <see cref="Enqueue"/>.
/// </summary>
/// <remarks>
/// Pages are served in order. <see cref="PullAsync"/> honours the cursor: it serves the page after the page whose
/// <see cref="PullResult.NextCursor"/> equals the cursor, so a sync that restarts from a stored cursor resumes
/// where it left off, and an unknown cursor is an error rather than a silent restart. A served page says
/// <see cref="PullResult.HasMore"/> while further pages are held, whatever it was created with. When no page is left it
/// returns an empty page that keeps the cursor. Give every page a distinct, non-null cursor for resumption to work.
/// This type is thread-safe.
/// </remarks>
public sealed class StaticSource : ISyncSource
{
    private readonly List<PullResult> _pages = [];
    private readonly Lock _gate = new();

    /// <summary>Initializes a new instance of the <see cref="StaticSource"/> class with pages to serve.</summary>
    /// <param name="id">The source's id.</param>
    /// <param name="batches">The pages, in order.</param>
    /// <exception cref="ArgumentException"><paramref name="id"/> is empty or white space.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="id"/> or <paramref name="batches"/> is null, or a page is null.</exception>
    public StaticSource(string id, IEnumerable<PullResult> batches)
    {
        Ids.ThrowIfBlank(id);
        ArgumentNullException.ThrowIfNull(batches);
        Id = id;
        foreach (var batch in batches)
        {
            Enqueue(batch);
        }
    }

    /// <inheritdoc />
    public string Id { get; }

    /// <summary>Gets how many times <see cref="PullAsync"/> was called.</summary>
    public int PullCount { get; private set; }

    /// <summary>Creates a source that serves <paramref name="deltas"/> in pages of <paramref name="pageSize"/>, with the running count of deltas as each page's cursor.</summary>
    /// <param name="id">The source's id.</param>
    /// <param name="deltas">The changes, in order.</param>
    /// <param name="pageSize">How many changes a page holds. The default is 1,000.</param>
    /// <returns>The source.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="pageSize"/> is less than 1.</exception>
    public static StaticSource FromDeltas(string id, IEnumerable<Delta> deltas, int pageSize = 1000)
    {
        ArgumentNullException.ThrowIfNull(deltas);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        var pages = new List<PullResult>();
        var current = new List<Delta>(Math.Min(pageSize, 1024));
        var total = 0;
        foreach (var delta in deltas)
        {
            current.Add(delta);
            total++;
            if (current.Count == pageSize)
            {
                pages.Add(new PullResult(current, total.ToString(CultureInfo.InvariantCulture), true));
                current = new List<Delta>(Math.Min(pageSize, 1024));
            }
        }

        if (current.Count > 0 || pages.Count == 0)
        {
            pages.Add(new PullResult(current, total.ToString(CultureInfo.InvariantCulture), false));
        }
        else
        {
            pages[^1] = pages[^1] with { HasMore = false };
        }

        return new StaticSource(id, pages);
    }

    /// <summary>Adds a page after the existing ones.</summary>
    /// <param name="batch">The page.</param>
    /// <exception cref="ArgumentNullException"><paramref name="batch"/> is null.</exception>
    public void Enqueue(PullResult batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(batch.Deltas, nameof(batch) + "." + nameof(batch.Deltas));
        lock (_gate)
        {
            _pages.Add(batch);
        }
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException"><paramref name="cursor"/> is not the cursor of any page this source served.</exception>
    public Task<PullResult> PullAsync(string? cursor, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            PullCount++;
            var next = 0;
            if (cursor is not null)
            {
                var at = _pages.FindLastIndex(p => p.NextCursor == cursor);
                if (at < 0)
                {
                    throw new ArgumentException($"Static source '{Id}' has no page with cursor '{cursor}'. Pass null to start from the first page, or a cursor this source returned.", nameof(cursor));
                }

                next = at + 1;
            }

            if (next >= _pages.Count)
            {
                return Task.FromResult(PullResult.Empty(cursor));
            }

            var page = _pages[next];
            return Task.FromResult(next == _pages.Count - 1 ? page : page with { HasMore = true });
        }
    }
}
