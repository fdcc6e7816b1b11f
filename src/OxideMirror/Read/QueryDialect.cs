namespace OxideMirror;

/// <summary>Names the SQL dialect a <see cref="MirrorReader"/> runs agent queries in, so a caller tells a model which SQL to write.</summary>
public enum QueryDialect
{
    /// <summary>SQLite's SQL: the SQLite <see cref="MirrorStore"/>; nested values are JSON text (<c>json_extract</c>, <c>json_each</c>).</summary>
    Sqlite = 0,

    /// <summary>PostgreSQL's SQL: OxideMirror.PostgreSql's store; nested values are <c>jsonb</c> (<c>-&gt;</c>, <c>-&gt;&gt;</c>, <c>jsonb_array_elements</c>).</summary>
    PostgreSql = 1,
}
