namespace OxideMirror.Tests.Query;

/// <summary>
/// A query connection keeps each agent statement prepared after it ran (ReaderPool.Reader), by the views it was prepared
/// through and its text. On one reader (<see cref="MirrorStoreOptions.MaxReaders"/> = 1) every repeat runs the kept
/// statement, so these show that a repeat answers and is bounded exactly as a first run is.
/// </summary>
public sealed class KeptStatementTests
{
    private static Task<MirrorStore> OpenAsync() => TwoServiceMirror.OpenAsync(options: new MirrorStoreOptions { MaxReaders = 1 });

    [Fact]
    public async Task Repeat_TakesNewParameterValues_AndRefusesAMissingOneAsTheFirstRunDoes()
    {
        await using var store = await OpenAsync();
        const string Sql = "SELECT name FROM customers WHERE record_id = @id";

        var first = await store.QueryAsync(Sql, new { id = "c1" });
        var second = await store.QueryAsync(Sql, new { id = "c2" });
        var missing = () => store.QueryAsync(Sql);

        first.Rows.Single()["name"].Should().Be("Customer 1");
        second.Rows.Single()["name"].Should().Be("Customer 2");
        (await missing.Should().ThrowAsync<QueryException>()).Which.Message.Should().Contain("@id");
        (await store.QueryAsync(Sql, new { id = "c3" })).Rows.Single()["name"].Should().Be("Customer 3");
    }

    [Fact]
    public async Task Repeat_CarriesTheFreshnessOfTheTablesItReads()
    {
        await using var store = await OpenAsync();
        const string Sql = "SELECT count(*) AS n FROM customers c JOIN invoices i ON i.customer_id = c.record_id";

        var first = await store.QueryAsync(Sql);
        var second = await store.QueryAsync(Sql);

        first.Freshness.Select(f => f.Source).Should().BeEquivalentTo(["crm", "billing"]);
        second.Freshness.Should().BeEquivalentTo(first.Freshness);
    }

    [Fact]
    public async Task Repeat_FitsTheValueCapToItsProgramAsTheFirstRunDoes()
    {
        await using var store = await OpenAsync();
        var many = "SELECT @big, " + HostileQueryTests.Numbered("length(hex(zeroblob({0})))", 200);

        var fits = await store.QueryAsync(many, new { big = "small" });
        var over = () => store.QueryAsync(many, new { big = new string('p', 1_000_000) });

        fits.RowCount.Should().Be(1);
        (await over.Should().ThrowAsync<QueryException>()).Which.Message.Should().MatchRegex(@"parameter @big is 1,000,000 bytes, larger than [\d,]+ bytes, the cap for this query \(because its program has \d+ steps");
    }

    [Fact]
    public async Task Repeat_RunsUnderItsOwnTimeLimit()
    {
        await using var store = await OpenAsync();
        const string Sql = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < @n) SELECT count(*) AS n FROM c";

        var quick = await store.QueryAsync(Sql, new { n = 10 });
        var endless = () => store.QueryAsync(Sql, new { n = long.MaxValue }, new QueryOptions { Timeout = TimeSpan.FromMilliseconds(200) });

        quick.Rows.Single()["n"].Should().Be(10L);
        await endless.Should().ThrowAsync<QueryTimeoutException>();
        (await store.QueryAsync(Sql, new { n = 5 })).Rows.Single()["n"].Should().Be(5L, "the connection serves the next query");
    }

    [Fact]
    public async Task Repeat_AfterTheSchemaChanged_ReadsTheNewSchema()
    {
        await using var store = await OpenAsync();
        const string Sql = "SELECT * FROM customers WHERE record_id = 'c1'";
        var before = await store.QueryAsync(Sql);

        await store.ApplyAsync(Delta.Upsert("customers", "c1", new { name = "Customer 1", loyalty = 3 }, "crm"), LastWriteWins.Instance);
        var after = await store.QueryAsync(Sql);

        before.Columns.Should().NotContain("loyalty");
        after.Columns.Should().Contain("loyalty");
        after.Rows.Single()["loyalty"].Should().Be(3L);
    }

    [Fact]
    public async Task SameText_LiveAndAsOf_TakingTurnsOnOneReader_EachAnswersItsOwnMoment()
    {
        await using var store = await OpenAsync();
        const string Sql = "SELECT name FROM customers WHERE record_id = 'c1'";
        await Task.Delay(5);
        var moment = DateTimeOffset.UtcNow;
        await Task.Delay(5);
        await store.ApplyAsync(Delta.Upsert("customers", "c1", new { name = "Renamed" }, "crm"), LastWriteWins.Instance);

        for (var turn = 0; turn < 3; turn++)
        {
            (await store.QueryAsync(Sql)).Rows.Single()["name"].Should().Be("Renamed", "turn {0} is live", turn);
            (await store.QueryAsync(Sql, null, new QueryOptions { AsOf = moment })).Rows.Single()["name"].Should().Be("Customer 1", "turn {0} is as of the moment", turn);
        }
    }

    [Fact]
    public async Task SameText_AtTwoMoments_EachAnswersItsOwnMoment()
    {
        await using var store = await OpenAsync();
        const string Sql = "SELECT name FROM customers WHERE record_id = 'c1'";
        var moments = new List<DateTimeOffset>();
        foreach (var name in new[] { "Second", "Third" })
        {
            await Task.Delay(5);
            moments.Add(DateTimeOffset.UtcNow);
            await Task.Delay(5);
            await store.ApplyAsync(Delta.Upsert("customers", "c1", new { name }, "crm"), LastWriteWins.Instance);
        }

        for (var turn = 0; turn < 2; turn++)
        {
            (await store.QueryAsync(Sql, null, new QueryOptions { AsOf = moments[0] })).Rows.Single()["name"].Should().Be("Customer 1");
            (await store.QueryAsync(Sql, null, new QueryOptions { AsOf = moments[1] })).Rows.Single()["name"].Should().Be("Second");
        }
    }

    [Fact]
    public async Task RefusedQuery_StaysRefusedOnRepeat_AndLeavesTheReaderServing()
    {
        await using var store = await OpenAsync();
        const string Write = "SELECT * FROM customers; DELETE FROM customers";

        for (var turn = 0; turn < 2; turn++)
        {
            var act = () => store.QueryAsync(Write);
            await act.Should().ThrowAsync<QueryNotReadOnlyException>();
        }

        (await store.QueryAsync("SELECT count(*) AS n FROM customers")).Rows.Single()["n"].Should().Be(40L);
    }
}
