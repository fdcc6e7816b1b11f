namespace OxideMirror;

/// <summary>The ranked answer of <see cref="MirrorStore.SearchAsync"/>: hits best first, whether a cap cut them, and how fresh the resource is.</summary>
public sealed class SearchResult
{
    internal SearchResult(IReadOnlyList<SearchHit> hits, bool truncated, IReadOnlyList<ResourceFreshness> freshness)
    {
        Hits = hits;
        Truncated = truncated;
        Freshness = freshness;
    }

    /// <summary>Gets the matching records, best first.</summary>
    public IReadOnlyList<SearchHit> Hits { get; }

    /// <summary>Gets a value indicating whether the byte cap or the row cap cut the hits short of <see cref="SearchOptions.Limit"/>.</summary>
    public bool Truncated { get; }

    /// <summary>Gets when each source feeding the resource last committed.</summary>
    public IReadOnlyList<ResourceFreshness> Freshness { get; }
}
