namespace OxideMirror;

/// <summary>
/// Overrides a store's query limits for one call, and sets the moment it reads, for
/// <see cref="MirrorStore.QueryAsync(string, object?, QueryOptions?, CancellationToken)"/> and
/// <see cref="MirrorStore.QueryAsync{T}(string, object?, QueryOptions?, CancellationToken)"/> alike. Unset values take the
/// store's <see cref="MirrorStoreOptions"/>.
/// </summary>
public sealed class QueryOptions
{
    /// <summary>Gets how long the query may run.</summary>
    /// <value>The default is <see langword="null"/>: <see cref="MirrorStoreOptions.QueryTimeout"/>.</value>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Gets how many rows the result holds at most.</summary>
    /// <value>The default is <see langword="null"/>: <see cref="MirrorStoreOptions.MaxQueryRows"/>.</value>
    public int? MaxRows { get; init; }

    /// <summary>
    /// Gets how many bytes the result takes at most as <see cref="QueryResult.ToJson"/> writes it (compact UTF-8); a typed
    /// query, which cannot know how its rows will be written, counts what mapping them allocates instead
    /// (<see cref="MirrorStore.QueryAsync{T}(string, object?, QueryOptions?, CancellationToken)"/> says how).
    /// </summary>
    /// <value>The default is <see langword="null"/>: <see cref="MirrorStoreOptions.MaxQueryBytes"/>.</value>
    public long? MaxBytes { get; init; }

    /// <summary>
    /// Gets the moment to run the query at: the resource tables (same names, same columns as now) and
    /// <c>mirror_records</c> hold each record as it was then; records deleted by then, or not yet seen, are absent.
    /// Other internal tables are not available to such a query.
    /// </summary>
    /// <value>The default is <see langword="null"/>: the mirror as it is now.</value>
    /// <remarks>
    /// Nothing is rebuilt: the write path keeps each replaced version of a record with where it stopped being current,
    /// and the query reads the live rows and those versions through views filtered to the moment, under the same limits
    /// as a live query. In <see cref="OxideMirror.AsOfMode.Applied"/> time that is a filter on each version's own times;
    /// in <see cref="OxideMirror.AsOfMode.Occurred"/> time each record's versions are ranked by event time, so its cost
    /// follows the number of versions.
    /// </remarks>
    public DateTimeOffset? AsOf { get; init; }

    /// <summary>Gets which clock <see cref="AsOf"/> reads.</summary>
    /// <value>The default is <see cref="AsOfMode.Applied"/>: the mirror as it held the data at that moment.</value>
    public AsOfMode AsOfMode { get; init; }
}
