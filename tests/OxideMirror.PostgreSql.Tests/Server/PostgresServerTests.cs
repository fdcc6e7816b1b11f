using Npgsql;

namespace OxideMirror.PostgreSql.Tests;

[Collection(PostgresTests.Name)]
public sealed class PostgresServerTests(PostgresServer server)
{
    [PostgresFact]
    public async Task Start_RunsAPrivateClusterOnLoopback_AsANonRootUser()
    {
        await using var connection = new NpgsqlConnection(await server.CreateDatabaseAsync());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT current_setting('listen_addresses'), current_setting('unix_socket_directories'), current_setting('port')::int, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)", connection);
        await using var reader = await command.ExecuteReaderAsync();
        (await reader.ReadAsync()).Should().BeTrue();
        reader.GetString(0).Should().Be("127.0.0.1");
        reader.GetString(1).Should().Contain("oxidemirror-pg-").And.EndWith("sock");
        reader.GetInt32(2).Should().Be(server.Port);
        reader.GetBoolean(3).Should().BeTrue();
    }
}
