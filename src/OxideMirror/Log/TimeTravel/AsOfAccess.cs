namespace OxideMirror;

/// <summary>
/// What an as-of query may read (<see cref="QueryGuard.AsOfViews"/>): the moment's views, under the live tables' names;
/// the inner views that alone read the live and history tables, under names holding the views' nonce (which no query's text may hold); and the names of
/// the tables in <c>main</c>, which the query's own SQL may not read.
/// </summary>
internal sealed record AsOfAccess(IReadOnlySet<string> Views, IReadOnlySet<string> Readers, IReadOnlySet<string> MainTables);
