using System.Globalization;

namespace OxideMirror.Tests.Describe;

/// <summary>What <see cref="MirrorStore.DescribeAsync"/> reads to find join keys (<see cref="JoinKeyRule"/>): no more than its samples where a column has no index, and a screen before an indexed one is probed in full.</summary>
public sealed class DescribeBoundsTests
{
    [Fact]
    public async Task DescribeAsync_JoinTargetWithoutIndex_IsMatchedInItsTablesSampleAndAnIndexedOneInFull()
    {
        // accounts.code's values appear in ledger.code only after ledger's first 2,000 rows: past its 1,000-row sample.
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var accounts = Enumerable.Range(0, 300).Select(i => Delta.Upsert("accounts", Id(i), new { code = Code(i) }, "crm")).ToList();
        await store.ApplyBatchAsync(accounts, LastWriteWins.Instance);
        for (var start = 0; start < 25_000; start += 5_000)
        {
            var page = Enumerable.Range(start, 5_000)
                .Select(i => Delta.Upsert("ledger", Id(i), new { code = i < 2_000 ? "other-" + Id(i) : Code(i % 300) }, "erp"))
                .ToList();
            await store.ApplyBatchAsync(page, LastWriteWins.Instance);
        }

        var unindexed = await store.DescribeAsync();
        await store.CreateIndexAsync("ledger", "code");
        var indexed = await store.DescribeAsync();

        unindexed.Resources.Single(r => r.Table == "ledger").RowCount.Should().Be(25_000, "row counts are exact");
        unindexed.JoinKeys.Should().NotContain(k => k.FromTable == "accounts" && k.ToTable == "ledger" && k.ToColumn == "code");
        indexed.JoinKeys.Should().ContainSingle(k => k.FromTable == "accounts" && k.FromColumn == "code" && k.ToTable == "ledger" && k.ToColumn == "code")
            .Which.MatchRate.Should().Be(1.0);
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, false)]
    [InlineData(2, true)]
    public async Task DescribeAsync_ColumnMatchingFewOfItsFirst16Values_IsNotLookedUpFurther(int earlyMatches, bool reported)
    {
        // links.ref's first 16 values hold earlyMatches account ids; its next 184 are all account ids. Past the screen,
        // the rate counts every sampled value.
        await using var store = await MirrorStore.OpenInMemoryAsync();
        await store.ApplyBatchAsync(Enumerable.Range(0, 300).Select(i => Delta.Upsert("accounts", "a" + Id(i), new { name = "n" + Id(i) }, "crm")).ToList(), LastWriteWins.Instance);
        var refs = Enumerable.Range(0, 16).Select(i => i < earlyMatches ? "a" + Id(250 + i) : "x" + Id(i))
            .Concat(Enumerable.Range(0, 184).Select(i => "a" + Id(i)));
        await store.ApplyBatchAsync(refs.Select((r, i) => Delta.Upsert("links", Id(i), new { @ref = r }, "erp")).ToList(), LastWriteWins.Instance);

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

    private static string Id(int i) => i.ToString(CultureInfo.InvariantCulture);

    private static string Code(int i) => "k" + i.ToString("000", CultureInfo.InvariantCulture);
}
