using System.Globalization;
using Microsoft.Extensions.Time.Testing;

namespace OxideMirror.Tests.Query.Sandbox.Native;

/// <summary>The pool of SQLite memory a store's agent queries share, and what is charged to it.</summary>
[Collection(MemoryHeavyQueries.Name)]
public sealed class QueryMemoryPoolTests
{
    [Fact]
    public void QueryMemoryPool_ChargesAQuerysAllocations_AndGetsThemBackWhenItEnds()
    {
        using var pool = new QueryMemoryPool(1024 * 1024);

        unsafe
        {
            using (QueryMemory.Enter(pool, null))
            {
                var first = QueryMemory.Allocate(100_000);
                var refused = QueryMemory.Allocate(1_000_000);
                ((nint)first).Should().NotBe(0);
                ((nint)refused).Should().Be(0, "the pool holds 1 MiB and 100,000 bytes are taken");
                pool.Used.Should().Be(100_000);
                QueryMemory.Free(first);
            }

            var outside = QueryMemory.Allocate(10_000_000);
            ((nint)outside).Should().NotBe(0, "allocations outside a query are not charged");
            QueryMemory.Free(outside);
        }

        pool.Used.Should().Be(0);
    }

    [Fact]
    public async Task QueryAsync_AfterAnAsOfMomentFilledHalfThePool_DropsTheCachedMomentInsteadOfFailing()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var store = await MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { QueryMemoryBudget = 64L * 1024 * 1024, QueryTimeout = TimeSpan.FromSeconds(20), TimeProvider = clock });
        var body = new string('b', 1000);
        for (var page = 0; page < 8; page++)
        {
            await store.ApplyBatchAsync([.. Enumerable.Range(page * 1000, 1000).Select(i => Delta.Upsert("notes", "n" + i.ToString(CultureInfo.InvariantCulture), new { body }, "wiki"))], LastWriteWins.Instance);
        }

        clock.Advance(TimeSpan.FromHours(1));
        var moment = await store.QueryAsync("SELECT count(*) AS n FROM notes", null, new QueryOptions { AsOf = clock.GetUtcNow() }, CancellationToken.None);
        var sort = await store.QueryAsync("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 150000) SELECT x, printf('%.*c', 200, 'z') FROM c ORDER BY random()");

        moment.Rows[0]["n"].Should().Be(8000L);
        sort.Truncated.Should().BeTrue("the sort ran to its end: the cached moment gave up its memory");
    }
}
