namespace OxideMirror.PostgreSql.Tests.Describe;

/// <summary><see cref="PostgresMirrorStore.DescribeAsync(CancellationToken)"/>'s counts (exact under the bound, the planner's estimate past it once analyzed) and join keys.</summary>
[Collection(PostgresTests.Name)]
public sealed class DescribeTests(PostgresServer server)
{
    [PostgresFact]
    public async Task DescribeAsync_PastTheExactBound_GivesTheAnalyzedEstimate_AndCountsExactlyBeforeAnyAnalyze()
    {
        var (store, cs) = await Mirrors.OpenAsync(server, agentRole: false);
        await using var _s = store;
        await store.ApplyPageAsync([.. Enumerable.Range(0, 30).Select(i => Delta.Upsert("customers", $"c{i:D2}", new { name = $"Customer {i}" }, "crm"))], LastWriteWins.Instance);
        await store.ApplyPageAsync([Delta.Upsert("invoices", "i1", new { customer_id = "c01" }, "billing")], LastWriteWins.Instance);

        var unanalyzed = await store.DescribeAsync(exactCountRows: 10, CancellationToken.None);
        await Mirrors.ScalarAsync(cs, "ANALYZE oxidemirror.customers");
        var analyzed = await store.DescribeAsync(exactCountRows: 10, CancellationToken.None);
        var exact = await store.DescribeAsync();

        unanalyzed.Resources[0].RowCount.Should().Be(30);
        unanalyzed.Resources[0].RowCountEstimated.Should().BeFalse("a table never analyzed has no estimate, so it is counted");
        analyzed.Resources[0].RowCount.Should().Be(30, "ANALYZE of a small table reads all of it");
        analyzed.Resources[0].RowCountEstimated.Should().BeTrue();
        analyzed.Resources[1].RowCountEstimated.Should().BeFalse("one invoice is under the bound");
        analyzed.ToMarkdown().Should().Contain("## customers (about 30 rows)").And.Contain("# Mirror schema (PostgreSQL)").And.Contain("jsonb");
        exact.Resources[0].RowCountEstimated.Should().BeFalse();
    }

    [PostgresTheory]
    [InlineData(1, false)]
    [InlineData(2, true)]
    public async Task DescribeAsync_ColumnMatchingFewOfItsFirst16Values_IsNotLookedUpFurther(int earlyMatches, bool reported)
    {
        // links.ref's first 16 values hold earlyMatches account ids; its next 184 are all account ids (the rule SQLite's
        // describer follows too: JoinKeyRule).
        var (store, _) = await Mirrors.OpenAsync(server, agentRole: false);
        await using var _s = store;
        await store.ApplyPageAsync([.. Enumerable.Range(0, 300).Select(i => Delta.Upsert("accounts", $"a{i}", new { name = $"n{i}" }, "crm"))], LastWriteWins.Instance);
        var refs = Enumerable.Range(0, 16).Select(i => i < earlyMatches ? $"a{250 + i}" : $"x{i}").Concat(Enumerable.Range(0, 184).Select(i => $"a{i}"));
        await store.ApplyPageAsync([.. refs.Select((r, i) => Delta.Upsert("links", $"{i:D3}", new { @ref = r }, "erp"))], LastWriteWins.Instance);

        var description = await store.DescribeAsync();

        var join = description.JoinKeys.Where(k => k.FromTable == "links" && k.FromColumn == "ref" && k.ToTable == "accounts").ToList();
        if (reported)
        {
            join.Should().ContainSingle().Which.MatchRate.Should().Be((184 + earlyMatches) / 200.0);
        }
        else
        {
            join.Should().BeEmpty("a column matching fewer than 2 of its first 16 sampled values is taken for no join key");
        }
    }
}
