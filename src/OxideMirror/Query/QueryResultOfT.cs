using System.Collections;

namespace OxideMirror;

/// <summary>
/// Holds the typed rows of <see cref="MirrorStore.QueryAsync{T}(string, object?, QueryOptions?, CancellationToken)"/>,
/// mapped by Dapper, with the flag that says whether the row cap or the byte cap cut them short. The result is the list of
/// its rows: <c>foreach (var row in await store.QueryAsync&lt;Invoice&gt;(sql))</c>, <see cref="Count"/> and the indexer
/// read <see cref="Rows"/>.
/// </summary>
/// <remarks>
/// Serializers that write lists (System.Text.Json, for one) write a <see cref="QueryResult{T}"/> as the array of its rows,
/// without <see cref="Truncated"/> and <see cref="Freshness"/>: serialize an object that holds them, or query into
/// <see cref="QueryResult"/> and call <see cref="QueryResult.ToJson"/>.
/// </remarks>
/// <typeparam name="T">The row type.</typeparam>
public sealed class QueryResult<T> : IReadOnlyList<T>, IQueryAnswer
{
    internal QueryResult(IReadOnlyList<T> rows, bool truncated, IReadOnlyList<ResourceFreshness> freshness)
    {
        Rows = rows;
        Truncated = truncated;
        Freshness = freshness;
    }

    /// <summary>Gets the rows.</summary>
    public IReadOnlyList<T> Rows { get; }

    /// <summary>Gets a value indicating whether the row cap or the byte cap cut the result short; the result then holds the rows up to the cap.</summary>
    public bool Truncated { get; }

    /// <summary>Gets, for every resource table the query read, when each source feeding it last committed.</summary>
    public IReadOnlyList<ResourceFreshness> Freshness { get; }

    /// <summary>Gets how many rows the result holds.</summary>
    public int Count => Rows.Count;

    int IQueryAnswer.RowCount => Rows.Count;

    /// <summary>Gets the row at <paramref name="index"/>.</summary>
    /// <param name="index">The row's zero-based position.</param>
    /// <returns>The row.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is negative, or not less than <see cref="Count"/>.</exception>
    public T this[int index] => Rows[index];

    /// <summary>Returns an enumerator over the rows, in the order the query returned them.</summary>
    /// <returns>The enumerator.</returns>
    public IEnumerator<T> GetEnumerator() => Rows.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
