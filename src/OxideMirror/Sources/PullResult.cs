namespace OxideMirror;

/// <summary>
/// Holds one page of changes pulled from a source.
/// </summary>
/// <param name="Deltas">The page's changes, in the order they are to be applied.</param>
/// <param name="NextCursor">The cursor to resume after this page; stored with the page's changes in one transaction.</param>
/// <param name="HasMore">Whether another page follows right away; the syncer keeps pulling while this is true, so <paramref name="NextCursor"/> must then be a new cursor, not null.</param>
public sealed record PullResult(IReadOnlyList<Delta> Deltas, string? NextCursor, bool HasMore)
{
    /// <summary>
    /// Gets the full passes this page completes: for each, the syncer deletes the records of its resource that the
    /// pulling source wrote last and the pass did not list. A source mirroring a resource by full refresh says so on the
    /// last page of a pass, instead of emitting delete deltas itself (it never needs the store).
    /// </summary>
    /// <value>The default is an empty list: the page completes no pass, and nothing is deleted but the page's own delete deltas.</value>
    /// <remarks>
    /// The deletes are ordinary delete deltas (from the pulling source, occurring at the later of now and the record's
    /// last event time) decided by the syncer's conflict strategy, logged in <c>mirror_events</c> with their decision,
    /// and applied after the page's own deltas in the page's transaction, with its cursor: the page, its deletes and the
    /// cursor commit together or not at all. <see cref="SyncReport.Missing"/> counts them.
    /// </remarks>
    public IReadOnlyList<CompletedPass> CompletedPasses { get; init; } = [];

    /// <summary>Creates an empty last page that keeps <paramref name="cursor"/>.</summary>
    /// <param name="cursor">The cursor to keep.</param>
    /// <returns>A page with no changes and no more pages.</returns>
    public static PullResult Empty(string? cursor) => new([], cursor, false);
}
