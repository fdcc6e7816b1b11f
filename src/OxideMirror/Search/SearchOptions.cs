namespace OxideMirror;

/// <summary>Options for one <see cref="MirrorStore.SearchAsync"/> call.</summary>
public sealed class SearchOptions
{
    /// <summary>Gets how the search text is read.</summary>
    /// <value>The default is <see cref="SearchMode.AllWords"/>: plain words, all required, none of them syntax, which is safe for text a model wrote.</value>
    public SearchMode Mode { get; init; }

    /// <summary>Gets the most hits returned, best first.</summary>
    /// <value>The default is 20. It must be between 1 and 10,000, and the store's row cap (<see cref="MirrorStoreOptions.MaxQueryRows"/>) still applies.</value>
    public int Limit { get; init; } = 20;

    /// <summary>Gets how many tokens each snippet holds around the matched words.</summary>
    /// <value>The default is 16. It must be between 1 and 64 (FTS5's own limit).</value>
    public int SnippetTokens { get; init; } = 16;

    /// <summary>Gets the search's time limit, or <see langword="null"/> for the store's <see cref="MirrorStoreOptions.QueryTimeout"/>.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Gets the byte cap of the answer, or <see langword="null"/> for the store's <see cref="MirrorStoreOptions.MaxQueryBytes"/>.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public long? MaxBytes { get; init; }
}
