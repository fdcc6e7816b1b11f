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
    /// <remarks>
    /// Race-free across processes: each migration runs under the write lock, and whether it is recorded is read again
    /// under it, so a process that waited while another one applied it skips it instead of running its SQL twice.
    /// </remarks>
    public static int Migrate(SqliteConnection connection, IReadOnlyList<UserMigration> migrations, TimeProvider time, string where, ILogger logger)
    {
        var applied = Applied(connection, transaction: null);
        var highest = applied.Count == 0 ? 0 : applied.Keys.Max();
        foreach (var migration in migrations.OrderBy(m => m.Version))
        {
            if (applied.TryGetValue(migration.Version, out var recorded))
            {
                ThrowIfRenamed(migration, recorded, where, highest);
                continue;
            }

            if (Apply(connection, migration, time, where, highest))
            {
                StoreLog.UserMigrationApplied(logger, migration.Version, migration.Name);
            }

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

    private static void ThrowIfRenamed(UserMigration migration, string recorded, string where, int highest)
    {
        if (!string.Equals(recorded, migration.Name, StringComparison.Ordinal))
        {
            throw new MirrorSchemaException(
                $"User migration {migration.Version} is registered as '{migration.Name}', but the mirror at {where} recorded version {migration.Version} as '{recorded}'. A shipped migration must never change: restore '{recorded}' as version {migration.Version} and register '{migration.Name}' under a new version.")
            {
                FoundVersion = highest,
            };
        }
    }

    private static Dictionary<int, string> Applied(SqliteConnection connection, SqliteTransaction? transaction)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT version, name FROM mirror_user_migrations";
        var applied = new Dictionary<int, string>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            applied[reader.GetInt32(0)] = reader.GetString(1);
        }

        return applied;
    }

    /// <summary>Runs one migration and records it, unless another process recorded it meanwhile; says whether it ran.</summary>
    private static bool Apply(SqliteConnection connection, UserMigration migration, TimeProvider time, string where, int highest)
    {
        var transaction = connection.BeginTransaction(deferred: false);
        try
        {
            if (Applied(connection, transaction).TryGetValue(migration.Version, out var recorded))
            {
                ThrowIfRenamed(migration, recorded, where, highest);
                return false;
            }

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
            return true;
        }
        catch (SqliteException ex) when (!StorageErrors.IsStorage(ex))
        {
            // A full disk, a lock held too long or a read-only file is not the migration's fault: the store reports those.
            throw new MirrorSchemaException(
                $"User migration {migration.Version} ('{migration.Name}') failed on the mirror at {where} (SQLite said: {ex.Message}). It was rolled back: the mirror is as it was before it, with the migrations before it applied. Fix its SQL and open the store again.",
                ex);
        }
        finally
        {
            Transactions.End(connection, transaction);
        }
    }
}
