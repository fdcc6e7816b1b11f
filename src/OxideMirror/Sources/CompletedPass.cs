namespace OxideMirror;

/// <summary>
/// Says that a page completes a full pass over one resource — every record of it the service holds was listed, across
/// this page and the ones before it — so that the syncer deletes the source's records of that resource the pass did not list.
/// </summary>
/// <param name="Resource">The resource the pass listed in full.</param>
/// <param name="RecordIds">
/// The id of every record the pass listed, on every page of it (ids of this page's own deltas of the resource count as
/// listed whether they are here or not). Records of the resource that the pulling source wrote last, that are live, and
/// whose id is not here get a delete event, in the page's transaction.
/// </param>
/// <remarks>
/// Report a pass only when this process saw every page of it: a pass resumed from a stored cursor after a restart did
/// not see the pages before the cursor, and reporting it would delete the records those pages listed.
/// </remarks>
public sealed record CompletedPass(string Resource, IReadOnlyCollection<string> RecordIds);
