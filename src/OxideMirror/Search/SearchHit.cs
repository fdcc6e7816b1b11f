namespace OxideMirror;

/// <summary>One record that matched a <see cref="MirrorStore.SearchAsync"/>, with its rank and a snippet of the matching text.</summary>
public sealed class SearchHit
{
    internal SearchHit(string recordId, double rank, string? snippet)
    {
        RecordId = recordId;
        Rank = rank;
        Snippet = snippet;
    }

    /// <summary>Gets the record's id (<c>record_id</c> in the resource table).</summary>
    public string RecordId { get; }

    /// <summary>Gets the hit's FTS5 rank, its <c>bm25()</c> score: negative, and the lower the better (hits come best first).</summary>
    public double Rank { get; }

    /// <summary>Gets the best-matching stretch of the indexed text, matched words in <c>[</c>brackets<c>]</c> and cuts marked <c>...</c>; <see langword="null"/> when the indexed fields are all null.</summary>
    public string? Snippet { get; }

    /// <summary>Returns the hit as <c>record_id (rank): snippet</c>.</summary>
    /// <returns>The hit as text.</returns>
    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{RecordId} ({Rank:0.###}): {Snippet}");
}
