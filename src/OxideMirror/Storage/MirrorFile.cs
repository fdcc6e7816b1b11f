using Microsoft.Data.Sqlite;

namespace OxideMirror;

/// <summary>
/// Looks at an existing file before the store opens it for writing, changing nothing, and refuses one that is not a
/// mirror: bytes that are not SQLite, or another application's database.
/// </summary>
internal static class MirrorFile
{
    /// <summary>The table every mirror has from its first migration on; a database without it is not a mirror.</summary>
    public const string MarkerTable = "mirror_schema_migrations";

    /// <summary>Reads the names of a database's objects, oldest first (an automatic index always comes with its table).</summary>
    public const string SchemaNames = "SELECT name FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_autoindex\\_%' ESCAPE '\\' ORDER BY rowid";

    private const int NamesShown = 5;

    /// <summary>
    /// Returns when <paramref name="path"/> does not exist, is empty (no bytes, or a SQLite database without a table), or
    /// holds a mirror; throws <see cref="MirrorStorageException"/> when it is a directory, and
    /// <see cref="MirrorSchemaException"/> otherwise. Neither the file nor a -wal or -shm file beside it is created or
    /// changed when nothing is writing it.
    /// </summary>
    public static void ThrowIfNotMirror(string path)
    {
        if (Directory.Exists(path))
        {
            throw StorageErrors.Directory(path);
        }

        if (!File.Exists(path))
        {
            return;
        }

        var sideFiles = File.Exists(path + "-wal") || File.Exists(path + "-shm") || File.Exists(path + "-journal");
        if (!sideFiles && new FileInfo(path).Length == 0)
        {
            return;
        }

        // First a look at the file alone, as immutable: SQLite then takes no lock and opens no -wal or -shm (an ordinary
        // read of a WAL database creates a -shm, and the last connection to close checkpoints into the file). With no
        // -wal, -shm or -journal beside it no connection is writing the file (SQLite keeps them while one does), so that
        // look sees all of it. With them, the file may lag the -wal, so a look that finds no tables, or cannot read the
        // file (a checkpoint may be writing it), is followed by an ordinary read-only one.
        var names = Names(path, immutable: true, out var notSqlite);
        if (notSqlite is not null && !sideFiles)
        {
            throw NotSqlite(path, notSqlite);
        }

        if ((names is null || names.Count == 0) && sideFiles)
        {
            names = Names(path, immutable: false, out notSqlite);
            if (notSqlite is not null)
            {
                throw NotSqlite(path, notSqlite);
            }
        }

        if (names is { Count: > 0 } && !names.Contains(MarkerTable, StringComparer.OrdinalIgnoreCase))
        {
            throw Foreign(path, names);
        }
    }

    /// <summary>Reads the names of the database's objects; null, with the error, when the file is not a (readable) SQLite database.</summary>
    private static List<string>? Names(string path, bool immutable, out SqliteException? notSqlite)
    {
        var location = SqliteUri.For(path, vfs: null, readOnly: true) + (immutable ? "&immutable=1" : string.Empty);
        var builder = new SqliteConnectionStringBuilder { DataSource = location, Mode = SqliteOpenMode.ReadOnly, Pooling = false };
        using var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = SchemaNames;
            using var reader = command.ExecuteReader();
            var names = new List<string>();
            while (reader.Read())
            {
                names.Add(reader.GetString(0));
            }

            notSqlite = null;
            return names;
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is StorageErrors.SqliteNotADatabase or StorageErrors.SqliteCorrupt)
        {
            notSqlite = ex;
            return null;
        }
    }

    /// <summary>Builds the exception for a file whose bytes are not a SQLite database.</summary>
    public static MirrorSchemaException NotSqlite(string where, SqliteException ex) => new(
        $"The file at {where} is not a SQLite database (SQLite said: {ex.Message}). Point OpenAsync at a mirror file or at a path that does not exist yet.",
        ex)
    {
        SupportedVersion = Migrator.LatestVersion,
    };

    /// <summary>Builds the exception for a SQLite database that holds objects but no mirror.</summary>
    public static MirrorSchemaException Foreign(string where, IReadOnlyList<string> names)
    {
        var shown = string.Join(", ", names.Take(NamesShown));
        var more = names.Count > NamesShown ? $" and {names.Count - NamesShown} more" : string.Empty;
        return new MirrorSchemaException(
            $"The file at {where} is a SQLite database but not a mirror: it holds {shown}{more}, and no {MarkerTable} table. OpenAsync does not add a mirror's tables to another application's database, and left the file as it was. Point OpenAsync at a mirror file, or at a path that does not exist yet (or an empty file).")
        {
            SupportedVersion = Migrator.LatestVersion,
        };
    }
}
