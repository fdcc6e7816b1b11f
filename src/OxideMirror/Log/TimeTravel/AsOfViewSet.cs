namespace OxideMirror;

/// <summary>
/// The as-of views installed on one query connection (<see cref="AsOfViews.Build"/>): made for one <see cref="AsOfMode"/>
/// at one schema generation, reused by every as-of query on that connection until either changes, and pointed at each
/// query's moment by <see cref="SetMoment"/>.
/// </summary>
/// <param name="Nonce">The random part of the inner views' and the moment table's names; a query whose text holds it is refused.</param>
/// <param name="Mode">The time axis the views filter on.</param>
/// <param name="SchemaGeneration">The catalog's schema generation the views were made at.</param>
/// <param name="Create">The statements that create the moment table and the views, in order.</param>
/// <param name="Drop">The statements that drop them again, dependants first.</param>
/// <param name="SetMoment">The statement that sets the moment (a store timestamp bound as <c>$at</c>).</param>
/// <param name="Access">What an as-of query may read through the views.</param>
internal sealed record AsOfViewSet(
    string Nonce,
    AsOfMode Mode,
    int SchemaGeneration,
    IReadOnlyList<string> Create,
    IReadOnlyList<string> Drop,
    string SetMoment,
    AsOfAccess Access);
