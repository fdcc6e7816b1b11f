using System.Reflection;
using Npgsql;

namespace OxideMirror.PostgreSql;

/// <summary>
/// Brings a mirror's schema to the version this package writes: forward-only, numbered scripts (<c>Scripts/NNN_*.sql</c>,
/// embedded), each in its own transaction with its row in <c>mirror_schema_migrations</c>, all under a session-level
/// advisory lock keyed by the schema, so two processes opening one mirror at once migrate it once. Idempotent.
/// </summary>
internal static class PgMigrator
{
    /// <summary>The scripts, in order; a script's number is its version.</summary>
    private static readonly string[] Scripts = ["001_schema.sql", "002_log_position.sql", "003_lock_salt.sql"];

    public static int LatestVersion => Scripts.Length;

    public static async Task MigrateAsync(NpgsqlConnection connection, string schema, CancellationToken cancellationToken)
    {
        var quoted = PgNames.Quote(schema);
        await PgSql.ExecuteAsync(connection, null, "SELECT pg_advisory_lock(hashtextextended($1, 0))", cancellationToken, PgLocks.MigrationKey(schema)).ConfigureAwait(false);
        try
        {
            await PgSql.ExecuteAsync(connection, null,
                $"CREATE SCHEMA IF NOT EXISTS {quoted}; CREATE TABLE IF NOT EXISTS {quoted}.mirror_schema_migrations (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
                cancellationToken).ConfigureAwait(false);
            var found = Convert.ToInt32(await PgSql.ScalarAsync(connection, null, $"SELECT coalesce(max(version), 0) FROM {quoted}.mirror_schema_migrations", cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
            if (found > LatestVersion)
            {
                throw new MirrorSchemaException(
                    $"The mirror in schema '{schema}' has schema version {found}, newer than the {LatestVersion} this version of OxideMirror.PostgreSql knows. Open it with the version that wrote it, or a later one.")
                {
                    FoundVersion = found,
                    SupportedVersion = LatestVersion,
                };
            }

            for (var version = found + 1; version <= LatestVersion; version++)
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await PgSql.ExecuteAsync(connection, transaction, Script(Scripts[version - 1]).Replace("{schema}", quoted, StringComparison.Ordinal), cancellationToken).ConfigureAwait(false);
                await PgSql.ExecuteAsync(connection, transaction, $"INSERT INTO {quoted}.mirror_schema_migrations (version) VALUES ($1)", cancellationToken, version).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            await PgSql.ExecuteAsync(connection, null, PgLocks.UnlockSql, CancellationToken.None, PgLocks.MigrationKey(schema)).ConfigureAwait(false);
        }
    }

    /// <summary>Reads an embedded script.</summary>
    public static string Script(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("OxideMirror.PostgreSql.Scripts." + name)
            ?? throw new InvalidOperationException($"The embedded script '{name}' is missing from OxideMirror.PostgreSql.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
