using System.Globalization;
using System.Text;

namespace OxideMirror;

/// <summary>
/// Describes the mirror's agent-facing schema: what <see cref="MirrorReader.DescribeAsync"/> (and <see cref="MirrorStore.DescribeAsync"/>) returns.
/// </summary>
public sealed class MirrorDescription
{
    internal MirrorDescription(IReadOnlyList<ResourceDescription> resources, IReadOnlyList<JoinKey> joinKeys, IReadOnlyDictionary<string, string> internalTables, TimeSpan queryTimeout, int maxRows, long maxBytes, IReadOnlyList<SearchIndex> searchIndexes)
        : this(QueryDialect.Sqlite, resources, joinKeys, internalTables, queryTimeout, maxRows, maxBytes, searchIndexes)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="MirrorDescription"/> class: what a store's <see cref="MirrorReader.DescribeAsync"/> builds.</summary>
    /// <param name="dialect">The SQL dialect the described tables are queried in.</param>
    /// <param name="resources">Every resource, in name order.</param>
    /// <param name="joinKeys">The likely join keys, best first.</param>
    /// <param name="internalTables">The internal tables worth knowing, each with what it holds.</param>
    /// <param name="queryTimeout">The time limit of one query.</param>
    /// <param name="maxRows">The row cap of one query.</param>
    /// <param name="maxBytes">The byte cap of one query's result.</param>
    /// <param name="searchIndexes">The full-text search indexes, or <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentNullException"><paramref name="resources"/>, <paramref name="joinKeys"/> or <paramref name="internalTables"/> is null.</exception>
    public MirrorDescription(QueryDialect dialect, IReadOnlyList<ResourceDescription> resources, IReadOnlyList<JoinKey> joinKeys, IReadOnlyDictionary<string, string> internalTables, TimeSpan queryTimeout, int maxRows, long maxBytes, IReadOnlyList<SearchIndex>? searchIndexes = null)
    {
        ArgumentNullException.ThrowIfNull(resources);
        ArgumentNullException.ThrowIfNull(joinKeys);
        ArgumentNullException.ThrowIfNull(internalTables);
        Dialect = dialect;
        SearchIndexes = searchIndexes ?? [];
        Resources = resources;
        JoinKeys = joinKeys;
        InternalTables = internalTables;
        QueryTimeout = queryTimeout;
        MaxRows = maxRows;
        MaxBytes = maxBytes;
    }

    /// <summary>Gets the SQL dialect the described tables are queried in.</summary>
    public QueryDialect Dialect { get; }

    /// <summary>Gets every resource, in name order.</summary>
    public IReadOnlyList<ResourceDescription> Resources { get; }

    /// <summary>Gets the full-text search indexes, by resource name: each one's table, fields and an example query.</summary>
    public IReadOnlyList<SearchIndex> SearchIndexes { get; }

    /// <summary>Gets the likely join keys between resources, best first.</summary>
    public IReadOnlyList<JoinKey> JoinKeys { get; }

    /// <summary>Gets the internal tables worth knowing, with what each holds.</summary>
    public IReadOnlyDictionary<string, string> InternalTables { get; }

    /// <summary>Gets the time limit of one query.</summary>
    public TimeSpan QueryTimeout { get; }

    /// <summary>Gets the row cap of one query.</summary>
    public int MaxRows { get; }

    /// <summary>Gets the byte cap of one query's result.</summary>
    public long MaxBytes { get; }

    /// <summary>Renders the description as compact Markdown, sized for an LLM prompt.</summary>
    /// <returns>The Markdown text.</returns>
    public string ToMarkdown()
    {
        var md = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        var postgres = Dialect == QueryDialect.PostgreSql;
        md.AppendLine(postgres ? "# Mirror schema (PostgreSQL)" : "# Mirror schema (SQLite)");
        md.Append(c, $"Read-only SQL, one statement per call, parameters as @name. Limits per query: {QueryTimeout.TotalSeconds:0.###} s, {MaxRows} rows, {MaxBytes / 1024} KiB; a cut result says truncated. The more values one row computes or reads, the smaller each may be: read large values in narrow queries.").AppendLine();
        md.AppendLine(postgres
            ? "Nested objects and arrays are jsonb: use col->'key', col->>'key' or jsonb_array_elements(col)."
            : "Nested objects and arrays are JSON text: use json_extract(col, '$.path') or json_each(col).");
        md.AppendLine(postgres
            ? "Every table also has _source, _confidence (0-1), _version, _synced_at and _occurred_at (timestamptz); deleted records are absent."
            : "Every table also has _source, _confidence (0-1), _version, _synced_at and _occurred_at (UTC ISO-8601 text); deleted records are absent.");
        foreach (var resource in Resources)
        {
            md.AppendLine();
            md.Append(c, $"## {resource.Table} ({(resource.RowCountEstimated ? "about " : string.Empty)}{resource.RowCount} rows)");
            if (!string.Equals(resource.Table, resource.Name, StringComparison.Ordinal))
            {
                md.Append(c, $" — resource \"{resource.Name}\"");
            }

            if (resource.Freshness.Count > 0)
            {
                md.Append(" — synced from ").AppendJoin(", ", resource.Freshness.Select(f => string.Create(c, $"{f.Source} at {f.LastSyncedAt:yyyy-MM-dd HH:mm:ss}Z")));
            }

            md.AppendLine();
            if (resource.Columns.Count(column => column.Key is not null) >= ResourceTable.MaxPayloadColumns)
            {
                md.Append(c, $"At its limit of {ResourceTable.MaxPayloadColumns} payload columns: keys first seen after that are only in mirror_records.payload ({(postgres ? "payload->>'key'" : "json_extract(payload, '$.key')")} WHERE resource = '{resource.Name.Replace("'", "''", StringComparison.Ordinal)}').").AppendLine();
            }

            md.AppendLine("| column | type | null % | examples |");
            md.AppendLine("|---|---|---|---|");
            foreach (var column in resource.Columns)
            {
                if (column.Key is null && column.Name != "record_id" && !column.Indexed)
                {
                    continue;
                }

                var type = column.Type + (column.Name == "record_id" ? ", primary key" : column.Indexed ? ", indexed" : string.Empty);
                var examples = string.Join(", ", column.Examples.Select(e => e.Replace("|", "\\|", StringComparison.Ordinal)));
                md.Append(c, $"| {column.Name} | {type} | {column.NullRate * 100:0} | {examples} |").AppendLine();
            }
        }

        if (JoinKeys.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("## Join keys");
            foreach (var key in JoinKeys)
            {
                md.Append(c, $"- {key.FromTable}.{key.FromColumn} = {key.ToTable}.{key.ToColumn} ({key.MatchRate * 100:0}% of sampled values match{(key.Indexed ? "; indexed" : "; not indexed: slow on large tables")})").AppendLine();
            }
        }

        if (SearchIndexes.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("## Full-text search (FTS5)");
            md.AppendLine("Each index table has record_id and the indexed columns. MATCH takes FTS5 syntax: words (all required), \"a phrase\", OR, NOT, prefix*, column: word. ORDER BY rank puts the best first; snippet(table, -1, '[', ']', '...', 12) and highlight(table, column, '[', ']') show the matches; join back on <resource>.rowid = <index>.rowid.");
            foreach (var index in SearchIndexes)
            {
                md.Append(c, $"- {index.TableName}: resource {index.ResourceTable}, columns {string.Join(", ", index.Columns)}. Example: {index.ExampleQuery}").AppendLine();
            }
        }

        md.AppendLine();
        md.AppendLine("## Internal tables");
        foreach (var (name, purpose) in InternalTables)
        {
            md.Append(c, $"- {name}: {purpose}").AppendLine();
        }

        return md.ToString();
    }
}
