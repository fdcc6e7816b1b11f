namespace OxideMirror;

/// <summary>
/// Overrides a store's query limits for one call. Unset values take the store's <see cref="MirrorStoreOptions"/>.
/// </summary>
public sealed class QueryOptions
{
    /// <summary>Gets how long the query may run.</summary>
    /// <value>The default is <see langword="null"/>: <see cref="MirrorStoreOptions.QueryTimeout"/>.</value>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Gets how many rows the result holds at most.</summary>
    /// <value>The default is <see langword="null"/>: <see cref="MirrorStoreOptions.MaxQueryRows"/>.</value>
    public int? MaxRows { get; init; }

    /// <summary>Gets how many bytes of values the result holds at most.</summary>
    /// <value>The default is <see langword="null"/>: <see cref="MirrorStoreOptions.MaxQueryBytes"/>.</value>
    public long? MaxBytes { get; init; }
}
