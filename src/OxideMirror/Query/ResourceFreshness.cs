namespace OxideMirror;

/// <summary>
/// Says how fresh one resource a query read is: when a source that feeds it last committed a sync page (changes or a
/// cursor advance) to the mirror.
/// </summary>
/// <param name="Resource">The resource the query read.</param>
/// <param name="Source">A source that feeds the resource.</param>
/// <param name="LastSyncedAt">When that source last committed to the mirror.</param>
public sealed record ResourceFreshness(string Resource, string Source, DateTimeOffset LastSyncedAt);
