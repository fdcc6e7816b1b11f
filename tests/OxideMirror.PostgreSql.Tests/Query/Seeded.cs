using Npgsql;

namespace OxideMirror.PostgreSql.Tests;

/// <summary>A mirror with two resources synced, its agent role created, and dblink installed (as a careless owner might).</summary>
internal static class Seeded
{
    public static async Task<(PostgresMirrorStore Store, string ConnectionString)> OpenAsync(PostgresServer server, Action<PostgresMirrorStoreOptions>? configure = null)
    {
        var (store, cs) = await Mirrors.OpenAsync(server, configure, agentRole: false);
        await store.ApplyPageAsync(
            [
                Delta.Upsert("customers", "c1", new { name = "Acme Corp", tier = "enterprise", tags = new[] { "a", "b" } }, "crm"),
                Delta.Upsert("customers", "c2", new { name = "Globex", tier = "startup", tags = Array.Empty<string>() }, "crm"),
            ],
            LastWriteWins.Instance,
            new CursorUpdate("crm", "crm-1"));
        await store.ApplyPageAsync(
            [
                Delta.Upsert("invoices", "inv-1", new { customer_id = "c1", amount = 10_000, paid = true }, "billing"),
                Delta.Upsert("invoices", "inv-2", new { customer_id = "c1", amount = 2_500, paid = false }, "billing"),
            ],
            LastWriteWins.Instance,
            new CursorUpdate("billing", "billing-1"));
        await using (var connection = new NpgsqlConnection(cs))
        {
            await connection.OpenAsync();
            // Tables the agent must not read: one in another schema, one of the owner's own in the mirror's schema.
            await using var dblink = new NpgsqlCommand("CREATE EXTENSION IF NOT EXISTS dblink; CREATE TABLE public.secret (s text); INSERT INTO public.secret VALUES ('hidden'); CREATE TABLE oxidemirror.owner_notes (s text)", connection);
            await dblink.ExecuteNonQueryAsync();
        }

        await store.EnsureAgentRoleAsync();
        return (store, cs);
    }

    /// <summary>What the mirror holds, as the superuser sees it: any change an agent's query made would show here.</summary>
    public static async Task<string> FingerprintAsync(string connectionString) =>
        (string)(await Mirrors.ScalarAsync(connectionString, """
            SELECT (SELECT count(*) FROM oxidemirror.mirror_events) || '/' || (SELECT count(*) FROM oxidemirror.mirror_records) || '/' ||
                   (SELECT string_agg(record_id || ':' || name || ':' || tier, ',' ORDER BY record_id) FROM oxidemirror.customers) || '/' ||
                   (SELECT count(*) FROM oxidemirror.invoices) || '/' ||
                   (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')) || '/' ||
                   (SELECT count(*) FROM pg_largeobject_metadata) || '/' || (SELECT count(*) FROM pg_roles)
            """))!;
}
