namespace OxideMirror;

/// <summary>
/// The as-of views installed on one query connection (<see cref="AsOfViews.Build"/>): made for one <see cref="AsOfMode"/>
/// at one schema generation, reused by every as-of query on that connection until either changes, and pointed at each
/// query's moment by setting <see cref="Moment"/>. Used by one leased connection at a time, like the connection itself.
/// </summary>
/// <param name="nonce">The random part of the inner views' names; a query whose text holds it is refused.</param>
/// <param name="mode">The time axis the views filter on.</param>
/// <param name="schemaGeneration">The catalog's schema generation the views were made at.</param>
/// <param name="create">The statements that create the views, in order.</param>
/// <param name="drop">The statements that drop them again, dependants first.</param>
/// <param name="access">What an as-of query may read through the views.</param>
internal sealed class AsOfViewSet(string nonce, AsOfMode mode, int schemaGeneration, IReadOnlyList<string> create, IReadOnlyList<string> drop, AsOfAccess access)
{
    /// <summary>Gets the random part of the inner views' names.</summary>
    public string Nonce { get; } = nonce;

    /// <summary>Gets the time axis the views filter on.</summary>
    public AsOfMode Mode { get; } = mode;

    /// <summary>Gets the catalog's schema generation the views were made at.</summary>
    public int SchemaGeneration { get; } = schemaGeneration;

    /// <summary>Gets the statements that create the views, in order.</summary>
    public IReadOnlyList<string> Create { get; } = create;

    /// <summary>Gets the statements that drop them again, dependants first.</summary>
    public IReadOnlyList<string> Drop { get; } = drop;

    /// <summary>Gets what an as-of query may read through the views.</summary>
    public AsOfAccess Access { get; } = access;

    /// <summary>
    /// Gets or sets the moment the views show (a store timestamp), which <see cref="AsOfViews.MomentFunction"/> returns to
    /// them, or null before the first query (the views then show no row).
    /// </summary>
    public string? Moment { get; set; }
}
