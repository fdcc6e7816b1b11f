using OxideMirror.Hosting;

namespace OxideMirror.PostgreSql;

/// <summary>Keeps the mirror that <c>AddOxideMirror</c> hosts in PostgreSQL.</summary>
public static class PostgresHostingExtensions
{
    /// <summary>
    /// Keeps the hosted mirror in PostgreSQL: the container opens a <see cref="PostgresMirrorStore"/> once, on first use
    /// (creating or migrating its schema), syncs every configured source through its writer, serves the
    /// <see cref="Kernel.MirrorModule"/> and the agent tools from its reader, and disposes it with the container.
    /// </summary>
    /// <param name="options">The mirror's hosting options.</param>
    /// <param name="connectionString">An Npgsql connection string of a role that owns (or may create) the mirror's schema.</param>
    /// <param name="storeOptions">The store's options (schema, agent role, query limits), or <see langword="null"/> for the defaults.</param>
    /// <param name="ensureAgentRole">
    /// Whether to run <see cref="PostgresMirrorStore.EnsureAgentRoleAsync"/> when the store opens, so that agent queries have
    /// their role (it needs a connection that may create roles). The default is <see langword="false"/>: a DBA made the role.
    /// </param>
    /// <returns>The same options, to chain calls.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> or <paramref name="connectionString"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="connectionString"/> is empty or white space.</exception>
    /// <remarks>
    /// The connection string is checked, and the store's options validated, when the store opens: a bad one fails the
    /// host's start (or the first <see cref="IMirrorStoreProvider"/> call) with <see cref="PostgresMirrorStore.OpenAsync"/>'s
    /// exception. <see cref="OxideMirrorOptions.Store"/> (the SQLite store's options) is not used, and
    /// <see cref="OxideMirrorOptions.StorePath"/> must stay null. The reader serves no optional reads (no query plans,
    /// no word search, no time travel), so the agent tools leave those out.
    /// </remarks>
    public static OxideMirrorOptions UsePostgreSql(this OxideMirrorOptions options, string connectionString, PostgresMirrorStoreOptions? storeOptions = null, bool ensureAgentRole = false)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return options.UseStore(QueryDialect.PostgreSql, MirrorReaderCapabilities.None, async (_, cancellationToken) =>
        {
            var store = await PostgresMirrorStore.OpenAsync(connectionString, storeOptions, cancellationToken).ConfigureAwait(false);
            try
            {
                if (ensureAgentRole)
                {
                    await store.EnsureAgentRoleAsync(cancellationToken).ConfigureAwait(false);
                }

                return new HostedMirror(store.Reader, store.Writer, store);
            }
            catch
            {
                await store.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        });
    }
}
