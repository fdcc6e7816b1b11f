namespace OxideMirror;

/// <summary>
/// What the query guard and the catalog know about FTS5 tables, as an immutable snapshot: the store's search indexes
/// (readable by agent SQL), their shadow tables (read only by FTS5 itself), and any other FTS5 table in the file (a
/// user migration's, say), which agent SQL may not read at all. Swapped whole by the catalog after a commit.
/// </summary>
internal sealed class SearchTables
{
    /// <summary>The suffixes of the tables FTS5 keeps an index's data in (an external-content index has no <c>_content</c>, but the name is kept free).</summary>
    public static readonly string[] ShadowSuffixes = ["_data", "_idx", "_content", "_docsize", "_config"];

    /// <summary>The suffixes of the tables behind an index that agent SQL may not name: FTS5's shadow tables and the store's pending table.</summary>
    private static readonly string[] HiddenSuffixes = [.. ShadowSuffixes, "_pending"];

    public static readonly SearchTables Empty = new([], []);

    private readonly Dictionary<string, SearchIndex> _byTable = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, SearchIndex> _byResource = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (SearchIndex Index, string Suffix)> _shadows = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _foreign = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _foreignTables = [];

    public SearchTables(IEnumerable<SearchIndex> indexes, IEnumerable<string> foreignFts5Tables)
    {
        foreach (var index in indexes)
        {
            _byTable[index.TableName] = index;
            _byResource[index.Resource] = index;
            foreach (var suffix in HiddenSuffixes)
            {
                _shadows[index.TableName + suffix] = (index, suffix);
            }
        }

        foreach (var table in foreignFts5Tables)
        {
            if (_byTable.ContainsKey(table))
            {
                continue;
            }

            _foreignTables.Add(table);
            _foreign.Add(table);
            foreach (var suffix in ShadowSuffixes)
            {
                _foreign.Add(table + suffix);
            }
        }

        Indexes = [.. _byTable.Values.OrderBy(i => i.Resource, StringComparer.Ordinal)];
    }

    /// <summary>Gets the store's search indexes, by resource name.</summary>
    public IReadOnlyList<SearchIndex> Indexes { get; }

    public SearchIndex? ForResource(string resource) => _byResource.GetValueOrDefault(resource);

    public SearchIndex? ForTable(string table) => _byTable.GetValueOrDefault(table);

    /// <summary>Says whether <paramref name="table"/> is a shadow table of a search index, and of which, with its suffix.</summary>
    public bool IsShadow(string table, out SearchIndex index, out string suffix)
    {
        if (_shadows.TryGetValue(table, out var shadow))
        {
            (index, suffix) = shadow;
            return true;
        }

        (index, suffix) = (null!, string.Empty);
        return false;
    }

    /// <summary>Says whether <paramref name="table"/> is an FTS5 table (or one of its shadow tables) that is not a search index of the store.</summary>
    public bool IsForeign(string table) => _foreign.Contains(table);

    /// <summary>Returns a snapshot with <paramref name="index"/> added (or replacing the resource's index).</summary>
    public SearchTables With(SearchIndex index) =>
        new(Indexes.Where(i => !string.Equals(i.Resource, index.Resource, StringComparison.Ordinal)).Append(index), _foreignTables);

    /// <summary>Returns a snapshot without the index of <paramref name="resource"/>.</summary>
    public SearchTables Without(string resource) =>
        new(Indexes.Where(i => !string.Equals(i.Resource, resource, StringComparison.Ordinal)), _foreignTables);
}
