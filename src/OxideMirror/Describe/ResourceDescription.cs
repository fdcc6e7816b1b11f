namespace OxideMirror;

/// <summary>
/// Describes one resource's table: its name as an agent types it, its rows and its columns.
/// </summary>
/// <param name="Name">The resource's name, as sources report it.</param>
/// <param name="Table">The table an agent queries (the resource's name mapped to a safe SQL identifier).</param>
/// <param name="RowCount">How many live records the table holds (see <see cref="RowCountEstimated"/>).</param>
/// <param name="Columns">The columns, in table order.</param>
/// <param name="Freshness">When each source feeding the resource last committed.</param>
public sealed record ResourceDescription(string Name, string Table, long RowCount, IReadOnlyList<ColumnDescription> Columns, IReadOnlyList<ResourceFreshness> Freshness)
{
    /// <summary>Gets a value indicating whether <see cref="RowCount"/> is the server's estimate rather than an exact count (the PostgreSQL store estimates large tables; the SQLite store counts exactly).</summary>
    /// <value>The default is <see langword="false"/>: the count is exact.</value>
    public bool RowCountEstimated { get; init; }
}
