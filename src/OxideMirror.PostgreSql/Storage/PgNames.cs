namespace OxideMirror.PostgreSql;

/// <summary>
/// PostgreSQL's side of the naming rule (<see cref="DeltaRules.TableName"/>): its reserved key words, which a resource
/// table or column cannot be named unquoted, on top of SQLite's; and quoting (defence in depth: mapped names never need it).
/// </summary>
internal static class PgNames
{
    /// <summary>PostgreSQL's reserved key words (and those it reserves as types or functions) that SQLite's list lacks.</summary>
    public static readonly IReadOnlySet<string> Reserved = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "analyse", "any", "array", "asymmetric", "authorization", "binary", "both", "collation", "concurrently",
        "current_catalog", "current_role", "current_schema", "current_user", "false", "fetch", "freeze", "grant", "ilike",
        "lateral", "leading", "localtime", "localtimestamp", "only", "overlaps", "placing", "session_user", "similar",
        "some", "symmetric", "system_user", "tablesample", "trailing", "true", "user", "variadic", "verbose", "xmin",
        "xmax", "cmin", "cmax", "ctid", "tableoid", "pg_catalog", "information_schema",
    };

    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
