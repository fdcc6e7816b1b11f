using Npgsql;

namespace OxideMirror.PostgreSql.Tests;

/// <summary>Opens a store on a fresh database of the test server, with its own agent role.</summary>
internal static class Mirrors
{
    public static async Task<(PostgresMirrorStore Store, string ConnectionString)> OpenAsync(PostgresServer server, Action<PostgresMirrorStoreOptions>? configure = null, bool agentRole = true)
    {
        var connectionString = await server.CreateDatabaseAsync();
        var options = Options(connectionString);
        configure?.Invoke(options);
        var store = await PostgresMirrorStore.OpenAsync(connectionString, options);
        if (agentRole)
        {
            await store.EnsureAgentRoleAsync();
        }

        return (store, connectionString);
    }

    public static PostgresMirrorStoreOptions Options(string connectionString) => new()
    {
        AgentRole = "agent_" + new NpgsqlConnectionStringBuilder(connectionString).Database,
        AgentPassword = "agent-secret",
    };

    /// <summary>
    /// Runs a query as the superuser (the test's own view of the database, not the agent's), on an unpooled connection:
    /// a pool per test database would keep its idle connection open long after the test, and the server's slots are few.
    /// </summary>
    public static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync();
        return value is DBNull ? null : value;
    }

    public static async Task<long> CountAsync(string connectionString, string table) =>
        Convert.ToInt64(await ScalarAsync(connectionString, $"SELECT count(*) FROM oxidemirror.{table}"), System.Globalization.CultureInfo.InvariantCulture);
}
