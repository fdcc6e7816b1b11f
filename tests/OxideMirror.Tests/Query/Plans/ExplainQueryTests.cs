using OxideMirror.Contract.Tests;
namespace OxideMirror.Tests.Query.Plans;

/// <summary>
/// <see cref="MirrorStore.ExplainQueryAsync"/>: the plan of an agent's query, through the same entry point and guard as
/// <see cref="MirrorStore.QueryAsync(string, object?, QueryOptions?, CancellationToken)"/>, with hints where a join or a
/// filter reads a whole resource table.
/// </summary>
[Collection(MemoryHeavyQueries.Name)]
public sealed class ExplainQueryTests(HostileStoreFixture fixture) : IClassFixture<HostileStoreFixture>
{
    private const string Join = "SELECT a.record_id, b.record_id FROM invoices a JOIN invoices b ON b.customer_id = a.customer_id";

    public static TheoryData<string, HostileOutcome, string> Refused()
    {
        var data = new TheoryData<string, HostileOutcome, string>();
        foreach (var row in HostileQueryTests.Hostile())
        {
            if ((HostileOutcome)row[1] is HostileOutcome.NotReadOnly or HostileOutcome.BadArgument)
            {
                data.Add((string)row[0], (HostileOutcome)row[1], (string)row[2]);
            }
        }

        return data;
    }

    [Fact]
    public async Task ExplainQueryAsync_JoinOnUnindexedField_HintsAtTheIndex_UntilOneExists()
    {
        await using var store = await TwoServiceMirror.OpenAsync();

        var before = await store.ExplainQueryAsync(Join);

        before.Steps.Should().NotBeEmpty();
        before.Steps.Select(s => s.Detail).Should().Contain(d => d.StartsWith("SCAN", StringComparison.Ordinal) || d.StartsWith("SEARCH", StringComparison.Ordinal));
        before.Hints.Should().ContainSingle(h => h.Contains("temporary index on invoices", StringComparison.Ordinal) && h.Contains("invoices.customer_id", StringComparison.Ordinal));

        await store.CreateIndexAsync("invoices", "customer_id");
        var after = await store.ExplainQueryAsync(Join);

        after.Steps.Select(s => s.Detail).Should().Contain(d => d.Contains("USING INDEX ix_invoices_customer_id", StringComparison.Ordinal));
        after.Hints.Should().NotContain(h => h.Contains("invoices", StringComparison.Ordinal), "the join is now an index search");
    }

    [Fact]
    public async Task ExplainQueryAsync_NestedFullScan_NamesTheTableByItsAlias()
    {
        await using var store = await TwoServiceMirror.OpenAsync();

        // A join on an expression cannot use an automatic index: the inner table is scanned once per outer row.
        var plan = await store.ExplainQueryAsync("SELECT count(*) FROM customers c JOIN invoices i ON lower(i.customer_id) = lower(c.record_id)");

        plan.Hints.Should().Contain(h => h.Contains("(as ", StringComparison.Ordinal) && h.Contains("nested loop", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ExplainQueryAsync_FilterOnUnindexedColumn_HintsAtTheScan_AndAnIndexRemovesIt()
    {
        await using var store = await TwoServiceMirror.OpenAsync();

        var before = await store.ExplainQueryAsync("SELECT record_id FROM invoices WHERE status = @status");

        before.Hints.Should().ContainSingle().Which.Should().StartWith("invoices is read in full").And.Contain("record_id or an indexed column");
        await store.CreateIndexAsync("invoices", "status");
        (await store.ExplainQueryAsync("SELECT record_id FROM invoices WHERE status = @status")).Hints.Should().BeEmpty();
    }

    [Fact]
    public async Task ExplainQueryAsync_PointLookupByRecordId_HasNoHint()
    {
        await using var store = await TwoServiceMirror.OpenAsync();

        var plan = await store.ExplainQueryAsync("SELECT * FROM customers WHERE record_id = 'c1'");

        plan.Hints.Should().BeEmpty();
        plan.Truncated.Should().BeFalse();
        plan.ToString().Should().Contain("SEARCH customers");
    }

    [Fact]
    public async Task ExplainQueryAsync_StatementAlreadyExplain_IsRefusedWithAMessageSayingWhatToSend()
    {
        await using var store = await TwoServiceMirror.OpenAsync();

        var explain = () => store.ExplainQueryAsync("EXPLAIN QUERY PLAN SELECT * FROM customers");

        (await explain.Should().ThrowAsync<QueryException>()).Which.Message.Should().Contain("already an EXPLAIN").And.Contain("Send the query itself");
    }

    [Fact]
    public async Task ExplainQueryAsync_TwoStatements_IsRefusedLikeQueryAsync()
    {
        await using var store = await TwoServiceMirror.OpenAsync();

        var explain = () => store.ExplainQueryAsync("SELECT 1; DELETE FROM customers");

        (await explain.Should().ThrowAsync<QueryNotReadOnlyException>()).Which.Message.Should().Contain("more than one statement");
        (await store.RecordCountsAsync())["customers"].Should().Be(40);
    }

    [Fact]
    public async Task ExplainQueryAsync_InvalidSql_QuotesSqlite()
    {
        await using var store = await TwoServiceMirror.OpenAsync();

        var explain = () => store.ExplainQueryAsync("SELECT nope FROM customers");

        (await explain.Should().ThrowAsync<QueryException>()).Which.Message.Should().Contain("no such column: nope");
    }

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task ExplainQueryAsync_HostileQueryRefusedByQueryAsync_IsRefusedToo_AndChangesNothing(string name, HostileOutcome expected, string sql)
    {
        var resolved = fixture.Resolve(sql);
        var fingerprint = fixture.Fingerprint();
        var files = fixture.Files();

        var explain = () => fixture.Store.ExplainQueryAsync(resolved);

        if (expected == HostileOutcome.BadArgument)
        {
            await explain.Should().ThrowAsync<ArgumentException>("query {0} is refused as an argument", name);
        }
        else
        {
            await explain.Should().ThrowAsync<QueryNotReadOnlyException>("query {0} is refused by the guard, so its plan is too", name);
        }

        fixture.Fingerprint().Should().Be(fingerprint, "explaining {0} must not change the database", name);
        fixture.Files().Should().Equal(files, "explaining {0} must not create a file", name);
    }
}
