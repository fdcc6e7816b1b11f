using System.Text.Json;

namespace OxideMirror.Tests.Query;

public sealed class AgentQueryTests
{
    [Fact]
    public async Task ToJson_NestedColumnsAndJsonFunctions_AreJsonNotStrings()
    {
        await using var store = await TwoServiceMirror.OpenAsync();

        var result = await store.QueryAsync(
            "SELECT record_id, address, tags, json_group_array(1) AS arr, '[not json' AS broken, name FROM customers WHERE record_id = 'c1'");
        using var json = JsonDocument.Parse(result.ToJson());
        var row = json.RootElement.GetProperty("rows")[0];

        row.GetProperty("address").GetProperty("city").GetString().Should().Be("Boston");
        row.GetProperty("tags")[1].GetString().Should().Be("all");
        row.GetProperty("arr").ValueKind.Should().Be(JsonValueKind.Array);
        row.GetProperty("broken").GetString().Should().Be("[not json");
        row.GetProperty("name").GetString().Should().Be("Customer 1");
    }

    [Fact]
    public async Task ToJson_NumbersAndNulls_KeepTheirJsonTypes()
    {
        await using var store = await TwoServiceMirror.OpenAsync();

        var result = await store.QueryAsync("SELECT 42 AS i, 2.5 AS r, NULL AS n, 'x' AS s");
        using var json = JsonDocument.Parse(result.ToJson());
        var row = json.RootElement.GetProperty("rows")[0];

        row.GetProperty("i").GetInt64().Should().Be(42);
        row.GetProperty("r").GetDouble().Should().Be(2.5);
        row.GetProperty("n").ValueKind.Should().Be(JsonValueKind.Null);
        json.RootElement.GetProperty("truncated").GetBoolean().Should().BeFalse();
    }

    [Fact]
    public async Task Freshness_NamesEveryResourceTheQueryRead()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 11, 1, 9, 0, 0, TimeSpan.Zero));
        await using var store = await TwoServiceMirror.OpenAsync(options: new MirrorStoreOptions { TimeProvider = clock });

        var joined = await store.QueryAsync("SELECT count(*) FROM invoices i JOIN customers c ON c.record_id = i.customer_id");
        var one = await store.QueryAsync("SELECT count(*) FROM customers");
        var none = await store.QueryAsync("SELECT 1");

        joined.Freshness.Should().Equal(
            new ResourceFreshness("customers", "crm", clock.GetUtcNow()),
            new ResourceFreshness("invoices", "billing", clock.GetUtcNow()));
        one.Freshness.Select(f => f.Resource).Should().Equal("customers");
        none.Freshness.Should().BeEmpty();
    }

    [Fact]
    public async Task QueryAsyncOfT_MapsRowsWithDapper_OnTheSafePath()
    {
        await using var store = await TwoServiceMirror.OpenAsync();

        var typed = await store.QueryAsync<CustomerRow>("SELECT record_id AS Id, name AS Name, tier AS Tier FROM customers WHERE country = @country ORDER BY record_id", new { country = "DE" });
        var refused = () => store.QueryAsync<long>("WITH x AS (SELECT 1) DELETE FROM customers RETURNING 1");
        var multi = () => store.QueryAsync<long>("SELECT 1; DELETE FROM customers");

        typed.Rows.Should().HaveCount(20);
        typed.Rows[0].Should().Be(new CustomerRow { Id = "c10", Name = "Customer 10", Tier = "startup" });
        typed.Freshness.Select(f => f.Resource).Should().Equal("customers");
        await refused.Should().ThrowAsync<QueryNotReadOnlyException>();
        await multi.Should().ThrowAsync<QueryNotReadOnlyException>();
        (await store.QueryAsync<long>("SELECT count(*) FROM customers")).Rows.Single().Should().Be(40);
    }

    [Fact]
    public async Task QueryAsyncOfT_PastRowCap_IsTruncated()
    {
        await using var store = await TwoServiceMirror.OpenAsync(options: new MirrorStoreOptions { MaxQueryRows = 10 });

        var result = await store.QueryAsync<string>("SELECT record_id FROM invoices");

        result.Rows.Should().HaveCount(10);
        result.Truncated.Should().BeTrue();
    }

    [Fact]
    public async Task QueryAsyncOfT_PastTimeLimit_ThrowsQueryTimeout()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { QueryTimeout = TimeSpan.FromMilliseconds(100) });

        var act = () => store.QueryAsync<long>("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c");

        (await act.Should().ThrowAsync<QueryTimeoutException>()).Which.Message.Should().Contain("Narrow it");
        (await store.QueryAsync<long>("SELECT 7")).Rows.Single().Should().Be(7, "the connection is usable afterwards");
    }

    [Fact]
    public async Task DescribeAsync_TwoServiceMirror_NamesTablesColumnsAndTheJoinKey()
    {
        await using var store = await TwoServiceMirror.OpenAsync();
        await store.CreateIndexAsync("invoices", "customer_id");

        var description = await store.DescribeAsync();
        var markdown = description.ToMarkdown();

        description.Resources.Select(r => r.Table).Should().Equal("customers", "invoices");
        var invoices = description.Resources[1];
        invoices.RowCount.Should().Be(120);
        invoices.Columns.Single(c => c.Name == "amount").Type.Should().Be("real");
        invoices.Columns.Single(c => c.Name == "customer_id").Indexed.Should().BeTrue();
        description.Resources[0].Columns.Single(c => c.Name == "address").Type.Should().Be("json");
        description.JoinKeys.Should().ContainSingle(k => k.FromTable == "invoices" && k.FromColumn == "customer_id" && k.ToTable == "customers" && k.ToColumn == "record_id")
            .Which.Indexed.Should().BeTrue();
        markdown.Should().Contain("## invoices (120 rows)").And.Contain("invoices.customer_id = customers.record_id").And.Contain("mirror_events").And.Contain("1000 rows");
    }

    private sealed record CustomerRow
    {
        public string Id { get; init; } = "";

        public string Name { get; init; } = "";

        public string Tier { get; init; } = "";
    }
}
