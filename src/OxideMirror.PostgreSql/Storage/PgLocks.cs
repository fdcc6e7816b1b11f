namespace OxideMirror.PostgreSql;

/// <summary>
/// The advisory-lock keys of a mirror, each the text PostgreSQL hashes to a 64-bit key (<c>hashtextextended(key, 0)</c>),
/// prefixed by the schema so two mirrors in one database never share a lock.
/// </summary>
internal static class PgLocks
{
    /// <summary>Held (session level) while a process migrates the schema.</summary>
    public static string MigrationKey(string schema) => "oxidemirror.migrate\n" + schema;

    /// <summary>Held by whoever writes a source's pages: transaction level for one page, session level for a lease.</summary>
    public static string SourceKey(string schema, string source) => "oxidemirror.source\n" + schema + "\n" + source;

    /// <summary>Held (transaction level) while a page creates a resource table: names are chosen against every table's.</summary>
    public static string SchemaKey(string schema) => "oxidemirror.schema\n" + schema;

    /// <summary>Held (transaction level) by a page that meets a record not in <c>mirror_records</c> yet, until it commits.</summary>
    public static string RecordKey(string schema, string resource, string recordId) => "oxidemirror.record\n" + schema + "\n" + resource + "\n" + recordId;

    /// <summary>Held (transaction level) while a page adds or widens a column of one resource's table.</summary>
    public static string ColumnsKey(string schema, string resource) => "oxidemirror.columns\n" + schema + "\n" + resource;
}
