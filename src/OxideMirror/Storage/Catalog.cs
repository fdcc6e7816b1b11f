using Microsoft.Data.Sqlite;

namespace OxideMirror;

/// <summary>
/// What the store knows about its agent-facing schema, in memory: each resource's table and JSON columns, which sources
/// feed each resource, and when each source last committed. Loaded at open, updated by the writer after each commit,
/// read by queries (<see cref="QueryResult.Freshness"/>, JSON output). Thread-safe.
/// </summary>
internal sealed class Catalog
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, string> _tableToResource = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, HashSet<string>> _jsonColumns = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, HashSet<string>> _resourceSources = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _sourceSyncedAt = new(StringComparer.Ordinal);

    private int _schemaGeneration;

    private SearchTables _search = SearchTables.Empty;

    /// <summary>Gets the store's search indexes and the file's other FTS5 tables, as of the last commit that changed them.</summary>
    public SearchTables Search => Volatile.Read(ref _search);

    /// <summary>Publishes the search indexes after a commit that changed them (readers see them from their next query).</summary>
    public void PublishSearch(SearchTables search) => Volatile.Write(ref _search, search);

    /// <summary>Gets a number that changes whenever the writer changes the agent-facing schema.</summary>
    public int SchemaGeneration => Volatile.Read(ref _schemaGeneration);

    /// <summary>Notes a committed schema change, so readers refresh their schema before their next query.</summary>
    public void SchemaChanged() => Interlocked.Increment(ref _schemaGeneration);

    public static Catalog Load(SqliteConnection connection)
    {
        var catalog = new Catalog();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name, table_name FROM mirror_resources";
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                catalog._tableToResource[reader.GetString(1)] = reader.GetString(0);
            }
        }

        command.CommandText = "SELECT r.table_name, c.column_name FROM mirror_columns c JOIN mirror_resources r ON r.name = c.resource WHERE c.is_json = 1";
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                catalog.AddJsonColumn(reader.GetString(0), reader.GetString(1));
            }
        }

        command.CommandText = "SELECT resource, source FROM mirror_resource_sources";
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                catalog.AddFeed(reader.GetString(0), reader.GetString(1));
            }
        }

        command.CommandText = "SELECT source, last_synced_at FROM mirror_sources";
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                catalog._sourceSyncedAt[reader.GetString(0)] = Timestamps.Read(reader.GetString(1));
            }
        }

        catalog._search = SearchIndexes.Load(connection);
        return catalog;
    }

    public void Publish(IEnumerable<(string Table, string Resource, IEnumerable<string> JsonColumns)> tables, IEnumerable<(string Resource, string Source)> feeds, IEnumerable<string> sources, DateTimeOffset syncedAt)
    {
        lock (_gate)
        {
            foreach (var (table, resource, json) in tables)
            {
                _tableToResource[table] = resource;
                foreach (var column in json)
                {
                    AddJsonColumn(table, column);
                }
            }

            foreach (var (resource, source) in feeds)
            {
                AddFeed(resource, source);
            }

            foreach (var source in sources)
            {
                _sourceSyncedAt[source] = syncedAt;
            }
        }
    }

    /// <summary>Lists when each source last committed a page, as the store knows it now.</summary>
    public List<KeyValuePair<string, DateTimeOffset>> SourcesSyncedAt()
    {
        lock (_gate)
        {
            return [.. _sourceSyncedAt];
        }
    }

    public bool IsJsonColumn(string? table, string? column)
    {
        if (table is null || column is null)
        {
            return false;
        }

        // An as-of view's column comes from a history table, which holds its table's columns.
        if (string.Equals(table, "mirror_records_history", StringComparison.OrdinalIgnoreCase))
        {
            table = "mirror_records";
        }
        else if (table.StartsWith(ResourceTable.HistoryPrefix, StringComparison.OrdinalIgnoreCase))
        {
            table = table[ResourceTable.HistoryPrefix.Length..];
        }

        lock (_gate)
        {
            return _jsonColumns.TryGetValue(table, out var columns) && columns.Contains(column);
        }
    }

    public bool IsResourceTable(string table)
    {
        lock (_gate)
        {
            return _tableToResource.ContainsKey(table);
        }
    }

    /// <summary>Says, for each resource table read, when each source feeding it last committed.</summary>
    public IReadOnlyList<ResourceFreshness> Freshness(IEnumerable<string> tablesRead)
    {
        var result = new List<ResourceFreshness>();
        lock (_gate)
        {
            var search = Search;
            foreach (var read in tablesRead)
            {
                // A search index's freshness is its resource's.
                var table = search.ForTable(read)?.ResourceTable ?? read;
                if (!_tableToResource.TryGetValue(table, out var resource) || !_resourceSources.TryGetValue(resource, out var sources))
                {
                    continue;
                }

                foreach (var source in sources.Order(StringComparer.Ordinal))
                {
                    if (_sourceSyncedAt.TryGetValue(source, out var at) && !result.Exists(f => f.Resource == resource && f.Source == source))
                    {
                        result.Add(new ResourceFreshness(resource, source, at));
                    }
                }
            }
        }

        result.Sort(static (a, b) =>
        {
            var byResource = string.CompareOrdinal(a.Resource, b.Resource);
            return byResource != 0 ? byResource : string.CompareOrdinal(a.Source, b.Source);
        });
        return result;
    }

    private void AddJsonColumn(string table, string column)
    {
        if (!_jsonColumns.TryGetValue(table, out var columns))
        {
            columns = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            _jsonColumns[table] = columns;
        }

        columns.Add(column);
    }

    private void AddFeed(string resource, string source)
    {
        if (!_resourceSources.TryGetValue(resource, out var sources))
        {
            sources = new HashSet<string>(StringComparer.Ordinal);
            _resourceSources[resource] = sources;
        }

        sources.Add(source);
    }
}
