using Npgsql;

namespace OxideMirror.PostgreSql.Tests;

/// <summary>
/// Agent sessions are pooled, and each query resets its session before the pool takes it back: a setting changed for the
/// session, a session advisory lock or a <c>LISTEN</c> an agent's statement left never reaches the next query, and no lock
/// outlives the query that took it.
/// </summary>
[Collection(PostgresTests.Name)]
public sealed class AgentSessionTests(PostgresServer server)
{
    [PostgresFact]
    public async Task QueryAsync_OnePooledSession_NothingTheLastQuerySetForTheSessionReachesTheNext()
    {
        var (owner, cs) = await Mirrors.OpenAsync(server);
        await using var _ = owner;
        await using var store = await OpenWithOneAgentSessionAsync(cs, owner);
        var first = await ScalarAsync(store, "SELECT pg_backend_pid() AS v");

        await ScalarAsync(store, "SELECT set_config('oxidemirror.leak', 'leaked', false) AS v");
        await ScalarAsync(store, "SELECT set_config('statement_timeout', '0', false) AS v");

        (await ScalarAsync(store, "SELECT pg_backend_pid() AS v")).Should().Be(first, "the pool hands the agent the same session again");
        (await ScalarAsync(store, "SELECT coalesce(current_setting('oxidemirror.leak', true), '') AS v")).Should().Be("");
        (await ScalarAsync(store, "SELECT current_setting('statement_timeout') AS v")).Should().NotBe("0");
    }

    [PostgresFact]
    public async Task QueryAsync_TakingASessionAdvisoryLock_ReleasesItWhenTheQueryReturns()
    {
        var (owner, cs) = await Mirrors.OpenAsync(server);
        await using var _ = owner;
        await using var store = await OpenWithOneAgentSessionAsync(cs, owner);

        var taken = await ScalarAsync(store, "SELECT pg_try_advisory_lock(424242) AS v");

        taken.Should().Be(1L, "the agent role may call it");
        (await Mirrors.ScalarAsync(cs, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 424242")).Should().Be(0L, "the session was reset when the query returned, not when it is next used");
    }

    [PostgresFact]
    public async Task QueryAsync_HoldingASourcesLockKeyByItsName_DoesNotHoldUpThatSourcesPages()
    {
        var (store, cs) = await Mirrors.OpenAsync(server);
        await using var _ = store;

        // The key as the package's source spells it without the mirror's secret salt, which the agent cannot read.
        var agent = store.QueryAsync("SELECT pg_advisory_lock(hashtextextended(E'oxidemirror.source\\noxidemirror\\ncrm', 0)) IS NOT NULL AS locked, pg_sleep(2) IS NOT NULL AS slept");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((long)(await Mirrors.ScalarAsync(cs, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()"))! == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        var outcome = await store.ApplyPageAsync([Delta.Upsert("items", "i1", new { n = 1 }, "crm")], LastWriteWins.Instance);

        outcome.Should().ContainSingle();
        (await agent).RowCount.Should().Be(1, "the agent did take a lock, just not the source's");
    }

    private static async Task<PostgresMirrorStore> OpenWithOneAgentSessionAsync(string connectionString, PostgresMirrorStore owner)
    {
        var options = Mirrors.Options(connectionString);
        options.AgentConnectionString = new NpgsqlConnectionStringBuilder(connectionString)
        {
            Username = owner.AgentRole,
            Password = options.AgentPassword,
            MaxPoolSize = 1,
        }.ConnectionString;
        return await PostgresMirrorStore.OpenAsync(connectionString, options);
    }

    private static async Task<object?> ScalarAsync(PostgresMirrorStore store, string sql) => (await store.QueryAsync(sql)).Rows[0]["v"];
}
