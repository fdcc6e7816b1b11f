using System.Globalization;
using System.Reflection;
using Microsoft.Data.Sqlite;

namespace OxideMirror;

/// <summary>
/// Applies the store's numbered, forward-only schema scripts (<c>Storage/Scripts/NNNN_name.sql</c>), each in its own
/// transaction together with its row in <c>mirror_schema_migrations</c>.
/// </summary>
internal sealed class Migrator
{
    private const string Prefix = "OxideMirror.Storage.Scripts.";

    private static readonly Lazy<IReadOnlyList<Migration>> BuiltIn = new(LoadBuiltIn);

    public static IReadOnlyList<Migration> Migrations => BuiltIn.Value;

    public static int LatestVersion => Migrations[^1].Version;

    /// <summary>Brings the database up to <see cref="LatestVersion"/> and returns how many scripts ran.</summary>
    /// <remarks>
    /// Race-free across processes: each script runs under the write lock (<c>BEGIN IMMEDIATE</c>), and the version is read
    /// again under it, so a process that waited while another one migrated the same new file skips what it finds applied
    /// (before, both read version 0 first, and the second failed with "table mirror_schema_migrations already exists").
    /// </remarks>
    public static int Migrate(SqliteConnection connection, TimeProvider time, string where)
    {
        var current = ThrowIfUnsupported(connection, where);
        var applied = 0;
        foreach (var migration in Migrations)
        {
            if (migration.Version <= current)
            {
                continue;
            }

            var transaction = connection.BeginTransaction(deferred: false);
            try
            {
                current = ThrowIfUnsupported(connection, where, transaction);
                if (current == 0)
                {
                    ThrowIfForeign(connection, transaction, where);
                }

                if (migration.Version <= current)
                {
                    continue;
                }

                using (var command = connection.CreateCommand())
                {
                    command.Transaction = transaction;
                    command.CommandText = migration.Sql;
                    command.ExecuteNonQuery();
                    command.CommandText = "INSERT INTO mirror_schema_migrations (version, name, applied_at) VALUES ($v, $n, $t)";
                    command.Parameters.AddWithValue("$v", migration.Version);
                    command.Parameters.AddWithValue("$n", migration.Name);
                    command.Parameters.AddWithValue("$t", Timestamps.Write(time.GetUtcNow()));
                    command.ExecuteNonQuery();
                }

                transaction.Commit();
                current = migration.Version;
                applied++;
            }
            finally
            {
                Transactions.End(connection, transaction);
            }
        }

        return applied;
    }

    /// <summary>Reads the database's schema version, changing nothing, and throws when this build cannot use it.</summary>
    public static int ThrowIfUnsupported(SqliteConnection connection, string where, SqliteTransaction? transaction = null)
    {
        var current = CurrentVersion(connection, where, transaction);
        if (current > LatestVersion)
        {
            throw new MirrorSchemaException(
                $"The mirror at {where} has schema version {current}, but this OxideMirror supports versions up to {LatestVersion}. Open it with a newer OxideMirror, or use another path.")
            {
                FoundVersion = current,
                SupportedVersion = LatestVersion,
            };
        }

        return current;
    }

    /// <summary>Refuses a database without a mirror that holds objects of another application (checked under the write lock before the first script).</summary>
    private static void ThrowIfForeign(SqliteConnection connection, SqliteTransaction transaction, string where)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = MirrorFile.SchemaNames;
        var names = new List<string>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                names.Add(reader.GetString(0));
            }
        }

        if (names.Count > 0)
        {
            throw MirrorFile.Foreign(where, names);
        }
    }

    private static int CurrentVersion(SqliteConnection connection, string where, SqliteTransaction? transaction)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'mirror_schema_migrations'";
        long exists;
        try
        {
            exists = (long)command.ExecuteScalar()!;
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is 26 /* SQLITE_NOTADB */ or 11 /* SQLITE_CORRUPT */)
        {
            throw MirrorFile.NotSqlite(where, ex);
        }

        if (exists == 0)
        {
            return 0;
        }

        command.CommandText = "SELECT coalesce(max(version), 0) FROM mirror_schema_migrations";
        return Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static List<Migration> LoadBuiltIn()
    {
        var assembly = typeof(Migrator).Assembly;
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(Prefix, StringComparison.Ordinal) || !resource.EndsWith(".sql", StringComparison.Ordinal))
            {
                continue;
            }

            var file = resource[Prefix.Length..^".sql".Length];
            var underscore = file.IndexOf('_', StringComparison.Ordinal);
            var version = int.Parse(file.AsSpan(0, underscore), NumberStyles.None, CultureInfo.InvariantCulture);
            migrations.Add(new Migration(version, file[(underscore + 1)..], Read(assembly, resource)));
        }

        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version != i + 1)
            {
                throw new InvalidOperationException($"Schema scripts must be numbered 1, 2, 3, ... without gaps; found {migrations[i].Version} at position {i + 1}.");
            }
        }

        return migrations;
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    internal sealed record Migration(int Version, string Name, string Sql);
}
