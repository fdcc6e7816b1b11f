namespace OxideMirror.PostgreSql.Tests;

/// <summary>PostgreSQL's classic escapes, sent as agent SQL: each is refused or bounded, and none changes anything.</summary>
[Collection(PostgresTests.Name)]
public sealed class HostileQueryTests(PostgresServer server)
{
    public static TheoryData<string> Refused => new()
    {
        "SELECT pg_read_file('/etc/passwd')",
        "SELECT pg_read_binary_file('/etc/passwd')",
        "SELECT * FROM pg_ls_dir('/')",
        "SELECT lo_import('/etc/passwd')",
        "SELECT lo_export(1, '/tmp/oxidemirror-lo')",
        "COPY (SELECT 1) TO PROGRAM 'touch /tmp/oxidemirror-hostile'",
        "COPY customers TO '/tmp/oxidemirror-copy'",
        "SELECT public.dblink_connect('host=127.0.0.1 dbname=postgres')",
        "SELECT * FROM public.dblink('dbname=postgres', 'CREATE TABLE pwned (x int)') AS t(x text)",
        "SET ROLE mirror_admin",
        "SELECT set_config('role', 'mirror_admin', true)",
        "RESET ROLE",
        "INSERT INTO customers (record_id, _source, _confidence, _version, _synced_at, _occurred_at) VALUES ('x', 'x', 1, 1, now(), now())",
        "UPDATE customers SET name = 'pwned'",
        "DELETE FROM customers",
        "CREATE TABLE pwned (x int)",
        "CREATE TEMP TABLE pwned (x int)",
        "DROP TABLE customers",
        "TRUNCATE customers",
        "GRANT SELECT ON customers TO PUBLIC",
        "WITH gone AS (DELETE FROM customers RETURNING *) SELECT * FROM gone",
        "SELECT * INTO pwned FROM customers",
        "SELECT * FROM customers FOR UPDATE",
        "SELECT 1; DELETE FROM customers",
        "SELECT 1; SELECT 2",
        "SELECT 1;; ",
        "select 1 /* ; */ ; update customers set name = 'x' -- ",
        "SELECT * FROM pg_authid",
        "SELECT * FROM public.secret",
        "SELECT * FROM oxidemirror.owner_notes",
        "SELECT * FROM oxidemirror.mirror_schema_migrations",
        "SELECT salt FROM oxidemirror.mirror_lock_salt",
        "SELECT nextval('oxidemirror.mirror_events_seq_seq')",
        "DO $$ BEGIN DELETE FROM oxidemirror.customers; END $$",
        "CALL pg_sleep(0)",
        "EXPLAIN ANALYZE DELETE FROM customers",
        "VACUUM customers",
        "LISTEN x",
        "SELECT pg_reload_conf()",
        "",
        "   -- nothing",
    };

    /// <summary>SQL the server runs (or fails) without harm: what it can read or change, it may not.</summary>
    public static TheoryData<string> Harmless => new()
    {
        "SELECT dblink_connect('host=127.0.0.1 dbname=postgres')",
        "SELECT set_config('default_transaction_read_only', 'off', false), (SELECT count(*) FROM customers)",
        "SELECT pg_terminate_backend(pg_backend_pid())",
        "SELECT query FROM pg_stat_activity WHERE usename = 'mirror_admin' AND query <> ''",
        "SELECT usename, passwd FROM pg_shadow",
        "SELECT * FROM pg_stat_file('/etc/passwd')",
    };

    [PostgresTheory]
    [MemberData(nameof(Refused))]
    public async Task QueryAsync_HostileSql_IsRefusedAsNotReadOnly_AndChangesNothing(string sql)
    {
        var (store, cs) = await Seeded.OpenAsync(server);
        await using var _ = store;
        var before = await Seeded.FingerprintAsync(cs);

        var act = () => store.QueryAsync(sql);

        (await act.Should().ThrowAsync<QueryNotReadOnlyException>()).Which.Code.Should().Be(MirrorErrorCodes.QueryRefused);
        (await Seeded.FingerprintAsync(cs)).Should().Be(before);
        File.Exists("/tmp/oxidemirror-hostile").Should().BeFalse();
        File.Exists("/tmp/oxidemirror-copy").Should().BeFalse();
        File.Exists("/tmp/oxidemirror-lo").Should().BeFalse();
        (await store.QueryAsync("SELECT count(*) AS n FROM customers")).Rows[0]["n"].Should().Be(2L, "the store still answers after the refusal");
    }

    [PostgresTheory]
    [MemberData(nameof(Harmless))]
    public async Task QueryAsync_SqlReachingForOtherThings_ReadsNothingItMayNot_AndChangesNothing(string sql)
    {
        var (store, cs) = await Seeded.OpenAsync(server);
        await using var _ = store;
        var before = await Seeded.FingerprintAsync(cs);

        Exception? thrown = null;
        QueryResult? result = null;
        try
        {
            result = await store.QueryAsync(sql);
        }
        catch (Exception ex)
        {
            thrown = ex;
        }

        if (thrown is not null)
        {
            thrown.Should().BeAssignableTo<QueryException>($"'{sql}' must fail as an agent query, not as {thrown.GetType().Name}: {thrown.Message}");
        }
        else
        {
            // What answers reads nothing it should not: no file, and another role's queries are hidden from the agent.
            result!.Rows.SelectMany(r => r.Values).OfType<string>().Should().NotContain(v => v.Contains("root:") || v.Contains("oxidemirror.mirror_events"));
        }

        (await Seeded.FingerprintAsync(cs)).Should().Be(before);
        File.Exists("/tmp/oxidemirror-hostile").Should().BeFalse();
        File.Exists("/tmp/oxidemirror-copy").Should().BeFalse();
        File.Exists("/tmp/oxidemirror-lo").Should().BeFalse();
        (await store.QueryAsync("SELECT count(*) AS n FROM customers")).Rows[0]["n"].Should().Be(2L, "the store still answers after the refusal");
    }

    [PostgresFact]
    public async Task QueryAsync_WriteStatement_IsANotReadOnlyRefusal_WithItsCode()
    {
        var (store, _) = await Seeded.OpenAsync(server);
        await using var _s = store;

        var refusals = new List<QueryNotReadOnlyException>();
        foreach (var sql in new[] { "DELETE FROM customers", "SELECT 1; DELETE FROM customers", "SELECT pg_read_file('/etc/passwd')", "SELECT lo_import('/etc/passwd')", "SET ROLE mirror_admin" })
        {
            var act = () => store.QueryAsync(sql);
            refusals.Add((await act.Should().ThrowAsync<QueryNotReadOnlyException>($"for {sql}")).Which);
        }

        refusals.Should().AllSatisfy(r => r.Code.Should().Be(MirrorErrorCodes.QueryRefused));
    }

    [PostgresFact]
    public async Task QueryAsync_RaisesItsOwnTimeoutThenSleeps_IsStoppedAtTheLimit()
    {
        var (store, _) = await Seeded.OpenAsync(server);
        await using var _s = store;

        var act = () => store.QueryAsync("SELECT set_config('statement_timeout', '0', false), pg_sleep(60)", options: new QueryOptions { Timeout = TimeSpan.FromSeconds(1) });

        var timedOut = (await act.Should().ThrowAsync<QueryTimeoutException>()).Which;
        timedOut.Timeout.Should().Be(TimeSpan.FromSeconds(1));
        timedOut.Code.Should().Be(MirrorErrorCodes.QueryTimeout);
        (await store.QueryAsync("SELECT current_setting('statement_timeout') AS t")).Rows[0]["t"].Should().Be("5s", "the next query's session does not inherit the change");
    }

    [PostgresTheory]
    [InlineData("SELECT pg_sleep(60)")]
    [InlineData("SELECT count(*) FROM generate_series(1, 1000000000000)")]
    [InlineData("SELECT count(*) FROM (SELECT generate_series(1, 1000000000000)) g")]
    [InlineData("SELECT g FROM generate_series(1, 1000000000000) g")]
    [InlineData("SELECT count(*) FROM generate_series(1, 100000) a, generate_series(1, 100000) b")]
    [InlineData("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r")]
    public async Task QueryAsync_RunawayQuery_IsStoppedByTheTimeLimit(string sql)
    {
        var (store, _) = await Seeded.OpenAsync(server);
        await using var _s = store;

        var act = () => store.QueryAsync(sql, options: new QueryOptions { Timeout = TimeSpan.FromSeconds(1) });

        await act.Should().ThrowAsync<QueryException>().Where(e => e is QueryTimeoutException || e.Message.Contains("server limit"));
    }

    [PostgresTheory]
    [InlineData("SELECT repeat('x', 1000000000) AS v")]
    [InlineData("SELECT repeat('x', 1e9) AS v")]
    [InlineData("SELECT string_agg(repeat('x', 1000), '') AS v FROM generate_series(1, 200000)")]
    [InlineData("SELECT array_agg(g) AS v FROM generate_series(1, 3000000) g")]
    public async Task QueryAsync_HugeValue_IsCutAtTheByteCapOrRefused_NeverReturnedWhole(string sql)
    {
        var (store, _) = await Seeded.OpenAsync(server);
        await using var _s = store;

        QueryResult? result = null;
        try
        {
            result = await store.QueryAsync(sql, options: new QueryOptions { MaxBytes = 1024 * 1024, Timeout = TimeSpan.FromSeconds(5) });
        }
        catch (QueryException)
        {
            // Refused (no such function), out of a server limit or out of time: bounded all the same.
        }

        if (result is not null)
        {
            result.Truncated.Should().BeTrue();
            result.RowCount.Should().Be(0);
            System.Text.Encoding.UTF8.GetByteCount(result.ToJson()).Should().BeLessThanOrEqualTo(1024 * 1024);
        }
    }

    [PostgresFact]
    public async Task QueryAsync_SortSpillingPastTheTempFileLimit_FailsWithTheLimitNamed()
    {
        var (store, _) = await Seeded.OpenAsync(server, o => o.QueryTempFileLimitKb = 1024);
        await using var _s = store;

        var act = () => store.QueryAsync("SELECT g FROM generate_series(1, 5000000) g ORDER BY g DESC LIMIT 1", options: new QueryOptions { Timeout = TimeSpan.FromSeconds(30) });

        (await act.Should().ThrowAsync<QueryException>()).Which.Message.Should().Contain("temp_file_limit");
    }
}
