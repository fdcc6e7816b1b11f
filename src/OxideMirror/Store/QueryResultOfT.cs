namespace OxideMirror;

/// <summary>
/// Holds the typed rows of <see cref="MirrorStore.QueryAsync{T}(string, object?, CancellationToken)"/>, mapped by Dapper,
/// with the flag that says whether the row cap or the byte cap cut them short.
/// </summary>
/// <typeparam name="T">The row type.</typeparam>
public sealed class QueryResult<T>
{
    internal QueryResult(IReadOnlyList<T> rows, bool truncated, IReadOnlyList<ResourceFreshness> freshness)
    {
        Rows = rows;
        Truncated = truncated;
        Freshness = freshness;
    }

    /// <summary>Gets the rows.</summary>
    public IReadOnlyList<T> Rows { get; }

    /// <summary>Gets a value indicating whether the row cap or the byte cap cut the result short.</summary>
    public bool Truncated { get; }

    /// <summary>Gets, for every resource table the query read, when each source feeding it last committed.</summary>
    public IReadOnlyList<ResourceFreshness> Freshness { get; }
}
