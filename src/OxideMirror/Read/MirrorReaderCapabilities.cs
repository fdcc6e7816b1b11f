namespace OxideMirror;

/// <summary>
/// Names the reads a <see cref="MirrorReader"/> may or may not serve beyond its required members: what
/// <see cref="MirrorReader.Capabilities"/> says, so that a caller (the agent tools) leaves out what a store cannot do
/// rather than offer it and fail.
/// </summary>
[Flags]
public enum MirrorReaderCapabilities
{
    /// <summary>Only the required reads: query, describe, position, record, tombstone, history, changes and field provenance.</summary>
    None = 0,

    /// <summary><see cref="MirrorReader.ExplainQueryAsync"/> returns a query's plan with index hints.</summary>
    QueryPlans = 1,

    /// <summary><see cref="MirrorReader.SearchAsync"/> finds records by the words they hold, in the resources with a search index.</summary>
    Search = 2,

    /// <summary><see cref="MirrorReader.QueryAsync"/> honours <see cref="QueryOptions.AsOf"/>: the mirror as it was at a past moment.</summary>
    TimeTravel = 4,
}
