namespace OxideMirror;

/// <summary>
/// Describes one full-text search index: an FTS5 table over a resource's table that agent SQL reads with
/// <c>MATCH</c>, <c>bm25()</c>, <c>snippet()</c> and <c>highlight()</c>, and that <see cref="MirrorStore.SearchAsync"/>
/// ranks records with. Made by <see cref="MirrorStore.CreateSearchIndexAsync"/>.
/// </summary>
public sealed class SearchIndex
{
    internal SearchIndex(string resource, string resourceTable, string tableName, IReadOnlyList<string> fields, IReadOnlyList<string> columns)
    {
        Resource = resource;
        ResourceTable = resourceTable;
        TableName = tableName;
        Fields = fields;
        Columns = columns;
    }

    /// <summary>Gets the resource the index covers, for example <c>issues</c>.</summary>
    public string Resource { get; }

    /// <summary>Gets the table the resource is read through, whose rows the index points at.</summary>
    public string ResourceTable { get; }

    /// <summary>Gets the index table's name, the one agent SQL names in <c>FROM</c> and <c>MATCH</c> (for example <c>issues_fts</c>).</summary>
    public string TableName { get; }

    /// <summary>Gets the indexed top-level payload keys, in the index's column order.</summary>
    public IReadOnlyList<string> Fields { get; }

    /// <summary>Gets the index table's searchable columns (the resource table's columns for <see cref="Fields"/>); it also has an unindexed <c>record_id</c>.</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>Gets an example query over the index, ranked best first, as an agent would write it.</summary>
    public string ExampleQuery =>
        $"SELECT record_id, snippet({TableName}, -1, '[', ']', '...', 12) AS snippet FROM {TableName} WHERE {TableName} MATCH 'word' ORDER BY rank LIMIT 10";

    /// <summary>Returns the index's table, resource and columns, for logs and messages.</summary>
    /// <returns>For example <c>issues_fts on issues (title, body)</c>.</returns>
    public override string ToString() => $"{TableName} on {Resource} ({string.Join(", ", Fields)})";
}
