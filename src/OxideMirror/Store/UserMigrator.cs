using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace OxideMirror;

/// <summary>
/// Applies the caller's <see cref="UserMigration"/>s after the store's own scripts: in version order, each not yet
/// recorded in <c>mirror_user_migrations</c> in its own transaction together with its row there.
/// </summary>
internal static class UserMigrator
{
    /// <summary>Checks the registered migrations (no null entries, versions 1, 2, 3, … each once) and says what is wrong, or null.</summary>
    public static string? Problem(IReadOnlyList<UserMigration> migrations)
    {
        var ordered = new List<UserMigration>(migrations.Count);
        for (var i = 0; i < migrations.Count; i++)
        {
            if (migrations[i] is not { } migration)
            {
                return $"MirrorStoreOptions.Migrations[{i}] is null. Remove it, or put a UserMigration there.";
            }

            ordered.Add(migration);
        }

        ordered.Sort(static (a, b) => a.Version.CompareTo(b.Version));
        for (var i = 0; i < ordered.Count; i++)
        {
            var migration = ordered[i];
            if (i > 0 && ordered[i - 1].Version == migration.Version)
            {
                return $"MirrorStoreOptions.Migrations holds version {migration.Version} twice ('{ordered[i - 1].Name}' and '{migration.Name}'). Give each migration its own version.";
            }

            if (migration.Version != i + 1)
            {
                return $"MirrorStoreOptions.Migrations must be numbered 1, 2, 3, … without gaps, but version {migration.Version} ('{migration.Name}') follows {(i == 0 ? "nothing" : "version " + ordered[i - 1].Version.ToString(CultureInfo.InvariantCulture))}. Number it {i + 1}.";
            }
        }

        return null;
    }

    /// <summary>Applies the registered migrations the database has not recorded yet; returns the highest version it holds.</summary>
    public static int Migrate(SqliteConnection connection, IReadOnlyList<UserMigration> migrations, TimeProvider time, string where, ILogger logger)
    {
        var applied = Applied(connection);
        var highest = applied.Count == 0 ? 0 : applied.Keys.Max();
        foreach (var migration in migrations.OrderBy(m => m.Version))
        {
            if (applied.TryGetValue(migration.Version, out var recorded))
            {
                if (!string.Equals(recorded, migration.Name, StringComparison.Ordinal))
                {
                    throw new MirrorSchemaException(
                        $"User migration {migration.Version} is registered as '{migration.Name}', but the mirror at {where} recorded version {migration.Version} as '{recorded}'. A shipped migration must never change: restore '{recorded}' as version {migration.Version} and register '{migration.Name}' under a new version.")
                    {
                        FoundVersion = highest,
                    };
                }

                continue;
            }

            Apply(connection, migration, time, where);
            StoreLog.UserMigrationApplied(logger, migration.Version, migration.Name);
            highest = Math.Max(highest, migration.Version);
        }

        if (highest > migrations.Count)
        {
            // Left alone on purpose: extra user objects cannot break the store, and refusing would lock out an older build
            // of the application, or a tool that registers no migrations, from a file a newer build migrated.
            StoreLog.UserMigrationsAhead(logger, where, highest, migrations.Count);
        }

        return highest;
    }

    private static Dictionary<int, string> Applied(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT version, name FROM mirror_user_migrations";
        var applied = new Dictionary<int, string>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            applied[reader.GetInt32(0)] = reader.GetString(1);
        }

        return applied;
    }

    private static void Apply(SqliteConnection connection, UserMigration migration, TimeProvider time, string where)
    {
        var transaction = connection.BeginTransaction(deferred: false);
        try
        {
            using (var command = connection.CreateCommand())
            {
                command.Transaction = transaction;
                command.CommandText = migration.Sql;
                command.ExecuteNonQuery();
                if (SQLitePCL.raw.sqlite3_get_autocommit(connection.Handle) != 0)
                {
                    throw new MirrorSchemaException(
                        $"User migration {migration.Version} ('{migration.Name}') ended the transaction it runs in (it holds COMMIT, END or ROLLBACK), so it is not recorded and what it did before that may have been committed. Remove the transaction statements: each migration already runs in its own transaction.");
                }

                command.CommandText = "INSERT INTO mirror_user_migrations (version, name, applied_at) VALUES ($v, $n, $t)";
                command.Parameters.AddWithValue("$v", migration.Version);
                command.Parameters.AddWithValue("$n", migration.Name);
                command.Parameters.AddWithValue("$t", Timestamps.Write(time.GetUtcNow()));
                command.ExecuteNonQuery();
            }

            transaction.Commit();
        }
        catch (SqliteException ex)
        {
            Abandon(connection, transaction);
            throw new MirrorSchemaException(
                $"User migration {migration.Version} ('{migration.Name}') failed on the mirror at {where} (SQLite said: {ex.Message}). It was rolled back: the mirror is as it was before it, with the migrations before it applied. Fix its SQL and open the store again.",
                ex);
        }
        catch
        {
            Abandon(connection, transaction);
            throw;
        }
        finally
        {
            try
            {
                transaction.Dispose();
            }
            catch (SqliteException) when (SQLitePCL.raw.sqlite3_get_autocommit(connection.Handle) != 0)
            {
                // The migration's own COMMIT or ROLLBACK ended the transaction, so there is nothing left to roll back.
            }
        }
    }

    /// <summary>Rolls back a failed migration's transaction, unless its SQL already ended it.</summary>
    private static void Abandon(SqliteConnection connection, SqliteTransaction transaction)
    {
        if (SQLitePCL.raw.sqlite3_get_autocommit(connection.Handle) == 0)
        {
            transaction.Rollback();
        }
    }
}
