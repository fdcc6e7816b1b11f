namespace OxideMirror;

/// <summary>
/// A forward-only schema change of your own (an extra index, table or view for your agent), applied when a store opens
/// after the store's own migrations, in version order, once per database. Register it in
/// <see cref="MirrorStoreOptions.Migrations"/>.
/// </summary>
/// <remarks>
/// Versions are your own sequence (1, 2, 3, … without gaps), kept apart from the store's in
/// <c>mirror_user_migrations</c>. Each runs in its own transaction with its row there: it applies completely or not at
/// all. Never change a migration once it has shipped; add a new version instead. The SQL must not begin, commit or roll
/// back transactions, and should leave the <c>mirror_</c> tables and the resource tables' columns alone.
/// </remarks>
public sealed class UserMigration
{
    /// <summary>Initializes a new instance of the <see cref="UserMigration"/> class.</summary>
    /// <param name="version">The migration's number in your sequence, from 1.</param>
    /// <param name="name">A short name that says what it does, recorded with it (for example <c>add_invoice_status_index</c>).</param>
    /// <param name="sql">The SQL to run: one or more statements.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="version"/> is less than 1.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> or <paramref name="sql"/> is empty, or <paramref name="sql"/> holds a NUL character.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> or <paramref name="sql"/> is <see langword="null"/>.</exception>
    public UserMigration(int version, string name, string sql)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(version, 1);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        if (sql.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"The SQL of user migration {version} ('{name}') holds a NUL character, which SQLite would treat as the end of the text. Remove it.", nameof(sql));
        }

        Version = version;
        Name = name;
        Sql = sql;
    }

    /// <summary>Gets the migration's number in your sequence.</summary>
    public int Version { get; }

    /// <summary>Gets the migration's name, recorded with it.</summary>
    public string Name { get; }

    /// <summary>Gets the SQL the migration runs.</summary>
    public string Sql { get; }
}
