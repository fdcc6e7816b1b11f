namespace OxideMirror;

/// <summary>
/// Holds one page of changes pulled from a source.
/// </summary>
/// <param name="Deltas">The page's changes, in the order they are to be applied.</param>
/// <param name="NextCursor">The cursor to resume after this page; stored with the page's changes in one transaction.</param>
/// <param name="HasMore">Whether another page follows right away; the syncer keeps pulling while this is true, so <paramref name="NextCursor"/> must then be a new cursor, not null.</param>
public sealed record PullResult(IReadOnlyList<Delta> Deltas, string? NextCursor, bool HasMore)
{
    /// <summary>Creates an empty last page that keeps <paramref name="cursor"/>.</summary>
    /// <param name="cursor">The cursor to keep.</param>
    /// <returns>A page with no changes and no more pages.</returns>
    public static PullResult Empty(string? cursor) => new([], cursor, false);
}
