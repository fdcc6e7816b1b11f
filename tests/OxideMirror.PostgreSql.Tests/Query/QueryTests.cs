namespace OxideMirror.PostgreSql.Tests;

[Collection(PostgresTests.Name)]
public sealed class QueryTests(PostgresServer server)
{
    [PostgresFact]
    public async Task QueryAsync_ReadsResourceTablesByName_WithParametersAndTypedValues()
    {
        var (store, _) = await Seeded.OpenAsync(server);
        await using var _s = store;

        var result = await store.QueryAsync(
            "SELECT c.name AS customer, sum(i.amount) AS billed, count(*) AS invoices, bool_and(i.paid) AS paid, c.tags FROM customers c JOIN invoices i ON i.customer_id = c.record_id WHERE c.tier = @tier GROUP BY c.record_id, c.name, c.tags",
            new { tier = "enterprise" });

        result.Columns.Should().Equal("customer", "billed", "invoices", "paid", "tags");
        result.Rows.Should().ContainSingle();
        var row = result.Rows[0];
        row["customer"].Should().Be("Acme Corp");
        row["billed"].Should().Be(12500L);
        row["invoices"].Should().Be(2L);
        row["paid"].Should().Be(0L);
        result.Truncated.Should().BeFalse();
        result.ToJson().Should().Contain("\"tags\":[\"a\",\"b\"]", "a jsonb column comes out as nested JSON");
    }

    [PostgresFact]
    public async Task QueryAsync_ParameterWithoutValue_IsRefusedNamingIt()
    {
        var (store, _) = await Seeded.OpenAsync(server);
        await using var _s = store;

        var act = () => store.QueryAsync("SELECT * FROM customers WHERE tier = @tier");

        (await act.Should().ThrowAsync<QueryException>()).Which.Message.Should().Contain("@tier").And.Contain("no value named 'tier'");
    }

    [PostgresFact]
    public async Task QueryAsync_RowCap_CutsTheRowsAndSaysSo()
    {
        var (store, _) = await Seeded.OpenAsync(server);
        await using var _s = store;

        var result = await store.QueryAsync("SELECT generate_series(1, 1000000000000) AS g", options: new QueryOptions { MaxRows = 5 });

        result.RowCount.Should().Be(5);
        result.Truncated.Should().BeTrue();
        result.Rows.Select(r => r["g"]).Should().Equal(1L, 2L, 3L, 4L, 5L);
    }

    [PostgresFact]
    public async Task QueryAsync_ByteCap_CutsTheRowsAtTheAnswerAsWritten()
    {
        var (store, _) = await Seeded.OpenAsync(server);
        await using var _s = store;

        var result = await store.QueryAsync("SELECT repeat('x', 1000) AS v FROM generate_series(1, 100000)", options: new QueryOptions { MaxBytes = 20_000 });

        result.Truncated.Should().BeTrue();
        result.RowCount.Should().BeInRange(1, 19);
        System.Text.Encoding.UTF8.GetByteCount(result.ToJson()).Should().BeLessThanOrEqualTo(20_000);
    }

    [PostgresFact]
    public async Task QueryAsync_AgentRoleMissing_SaysHowToCreateIt()
    {
        var (store, _) = await Mirrors.OpenAsync(server, agentRole: false);
        await using var _s = store;

        var act = () => store.QueryAsync("SELECT 1");

        (await act.Should().ThrowAsync<QueryException>()).Which.Message.Should().Contain(store.AgentRole).And.Contain("EnsureAgentRoleAsync");
    }
}
