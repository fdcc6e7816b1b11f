namespace OxideMirror.PostgreSql;

/// <summary>
/// The advisory-lock keys of a mirror, each the text PostgreSQL hashes to a 64-bit key (<c>hashtextextended(key, 0)</c>).
/// Every key but the migration's is prefixed by the mirror's lock scope — its schema and the secret salt in
/// <c>mirror_lock_salt</c>, which the agent role cannot read — so two mirrors in one database never share a lock, and an
/// agent's query cannot compute a key to hold up a worker. The migration key is the schema's alone: it is taken before
/// the salt exists.
/// </summary>
internal static class PgLocks
{
    /// <summary>Releases a session-level lock this session holds, by its key (<c>$1</c>): the migration's or a source lease's.</summary>
    public const string UnlockSql = "SELECT pg_advisory_unlock(hashtextextended($1, 0))";

    /// <summary>Held (session level) while a process migrates the schema.</summary>
    public static string MigrationKey(string schema) => "oxidemirror.migrate\n" + schema;

    /// <summary>The lock scope of the mirror in <paramref name="schema"/> with <paramref name="salt"/> (<c>mirror_lock_salt</c>).</summary>
    public static string Scope(string schema, string salt) => schema + "\n" + salt;

    /// <summary>Held by whoever writes a source's pages: transaction level for one page, session level for a lease.</summary>
    public static string SourceKey(string scope, string source) => "oxidemirror.source\n" + scope + "\n" + source;

    /// <summary>Held (transaction level) while a page creates a resource table: names are chosen against every table's.</summary>
    public static string SchemaKey(string scope) => "oxidemirror.schema\n" + scope;

    /// <summary>Held (transaction level) by a page that meets a record not in <c>mirror_records</c> yet, until it commits.</summary>
    public static string RecordKey(string scope, string resource, string recordId) => "oxidemirror.record\n" + scope + "\n" + resource + "\n" + recordId;

    /// <summary>Held (transaction level) while a page adds or widens a column of one resource's table.</summary>
    public static string ColumnsKey(string scope, string resource) => "oxidemirror.columns\n" + scope + "\n" + resource;
}
