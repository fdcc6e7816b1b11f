using System.Globalization;
using System.Text;

namespace OxideMirror;

/// <summary>
/// Maps resource names and payload keys to SQL identifiers an agent can type unquoted. The rule, also in docs/querying.md:
/// lower-case; every run of characters other than a–z, 0–9 and _ becomes one _; leading and trailing _ are trimmed
/// (for tables); a name that is then empty, starts with a digit, is an SQL keyword, starts with <c>mirror_</c>,
/// <c>sqlite_</c> or <c>pragma_</c> or is <c>json_each</c> or <c>json_tree</c> (tables) or is a system column (columns) gets a prefix (<c>r_</c> for tables, <c>f_</c> for columns);
/// names are cut to 60 characters; a name already taken gets <c>_2</c>, <c>_3</c>, … The mapping is stored, so it never
/// changes once made.
/// </summary>
internal static class Identifiers
{
    public const int MaxLength = 60;

    public static readonly string[] SystemColumns = ["record_id", "_source", "_confidence", "_version", "_synced_at", "_occurred_at"];

    private static readonly HashSet<string> Keywords = new(StringComparer.OrdinalIgnoreCase)
    {
        "abort", "action", "add", "after", "all", "alter", "always", "analyze", "and", "as", "asc", "attach", "autoincrement",
        "before", "begin", "between", "by", "cascade", "case", "cast", "check", "collate", "column", "commit", "conflict",
        "constraint", "create", "cross", "current", "current_date", "current_time", "current_timestamp", "database", "default",
        "deferrable", "deferred", "delete", "desc", "detach", "distinct", "do", "drop", "each", "else", "end", "escape",
        "except", "exclude", "exclusive", "exists", "explain", "fail", "filter", "first", "following", "for", "foreign",
        "from", "full", "generated", "glob", "group", "groups", "having", "if", "ignore", "immediate", "in", "index",
        "indexed", "initially", "inner", "insert", "instead", "intersect", "into", "is", "isnull", "join", "key", "last",
        "left", "like", "limit", "match", "materialized", "natural", "no", "not", "nothing", "notnull", "null", "nulls", "of",
        "offset", "on", "or", "order", "others", "outer", "over", "partition", "plan", "pragma", "preceding", "primary",
        "query", "raise", "range", "recursive", "references", "regexp", "reindex", "release", "rename", "replace", "restrict",
        "returning", "right", "rollback", "row", "rows", "savepoint", "select", "set", "table", "temp", "temporary", "then",
        "ties", "to", "transaction", "trigger", "unbounded", "union", "unique", "update", "using", "vacuum", "values", "view",
        "virtual", "when", "where", "window", "with", "without", "rowid", "oid", "_rowid_",
    };

    /// <summary>Maps a resource name to a table name not in <paramref name="taken"/> (compared case-insensitively).</summary>
    /// <param name="resource">The resource.</param>
    /// <param name="taken">The names already taken.</param>
    /// <param name="reserved">Another SQL dialect's reserved words, on top of SQLite's, or null.</param>
    public static string ForTable(string resource, ICollection<string> taken, IReadOnlySet<string>? reserved = null)
    {
        var name = Sanitize(resource, trimUnderscores: true);
        if (name.Length == 0 || char.IsAsciiDigit(name[0]) || Keywords.Contains(name) || reserved?.Contains(name) == true
            || name.StartsWith("mirror_", StringComparison.Ordinal) || name.StartsWith("sqlite_", StringComparison.Ordinal)
            || name is "json_each" or "json_tree" || name.StartsWith("pragma_", StringComparison.Ordinal))
        {
            // json_each, json_tree and pragma_… are SQLite's table-valued functions: a table of that name hides them.
            name = "r_" + name;
        }

        return Unique(name, taken);
    }

    /// <summary>Maps a payload key to a column name not in <paramref name="taken"/> (compared case-insensitively).</summary>
    /// <param name="key">The payload key.</param>
    /// <param name="taken">The column names already taken.</param>
    /// <param name="reserved">Another SQL dialect's reserved words, on top of SQLite's, or null.</param>
    public static string ForColumn(string key, ICollection<string> taken, IReadOnlySet<string>? reserved = null)
    {
        var name = Sanitize(key, trimUnderscores: false);
        if (name.Length == 0 || name == "_" || char.IsAsciiDigit(name[0]) || Keywords.Contains(name) || reserved?.Contains(name) == true
            || Array.IndexOf(SystemColumns, name) >= 0 || name.StartsWith("sqlite_", StringComparison.Ordinal))
        {
            name = "f_" + name.TrimStart('_');
        }

        return Unique(name, taken);
    }

    /// <summary>Quotes an identifier for SQL text (the mapped names never need it; this is defence in depth).</summary>
    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string Sanitize(string value, bool trimUnderscores)
    {
        var builder = new StringBuilder(Math.Min(value.Length, MaxLength));
        var lastUnderscore = false;
        foreach (var ch in value)
        {
            var c = char.ToLowerInvariant(ch);
            if (c is (>= 'a' and <= 'z') or (>= '0' and <= '9'))
            {
                builder.Append(c);
                lastUnderscore = false;
            }
            else if (!lastUnderscore)
            {
                builder.Append('_');
                lastUnderscore = true;
            }

            if (builder.Length >= MaxLength)
            {
                break;
            }
        }

        var name = builder.ToString();
        return trimUnderscores ? name.Trim('_') : name.TrimEnd('_') is { Length: > 0 } trimmed ? trimmed : name;
    }

    private static string Unique(string name, ICollection<string> taken)
    {
        if (name.Length > MaxLength)
        {
            name = name[..MaxLength];
        }

        var candidate = name;
        for (var n = 2; Contains(taken, candidate); n++)
        {
            candidate = string.Create(CultureInfo.InvariantCulture, $"{name}_{n}");
        }

        return candidate;
    }

    private static bool Contains(ICollection<string> taken, string name)
    {
        foreach (var t in taken)
        {
            if (string.Equals(t, name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
