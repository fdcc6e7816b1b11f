using SQLitePCL;

namespace OxideMirror.Tests.Agents;

/// <summary>
/// Measures what SQLite's heap grows to while a memory bomb runs: the memory budget (256 MiB) bounds what loops keep,
/// and the per-query value cap bounds what straight-line code builds between two progress checks to the same again,
/// so no bomb may take SQLite past twice the budget. Before the value cap, 150 columns of hex(zeroblob(4000000)) took
/// the process to 3 GB. Runs alone: SQLite's high-water mark is process-wide.
/// </summary>
[Collection(MemoryHeavyQueries.Name)]
public sealed class QueryMemoryBoundTests
{
    private const long Budget = 256L * 1024 * 1024;

    public static TheoryData<string, string> Bombs() => new()
    {
        { "many-large-columns", "SELECT " + HostileQueryTests.Numbered("hex(zeroblob(4000000 + {0}))", 150) },
        { "many-columns-under-the-cap", "SELECT " + HostileQueryTests.Numbered("hex(zeroblob(110000 + {0}))", 150) },
        { "sixteen-columns-under-the-cap", "SELECT " + HostileQueryTests.Numbered("hex(zeroblob(1040000 + {0}))", 16) },
        { "large-in-list", "SELECT 1 WHERE 5 IN (" + HostileQueryTests.Numbered("hex(zeroblob(4000000 + {0}))", 99) + ")" },
        { "function-of-large-arguments", "SELECT length(max(" + HostileQueryTests.Numbered("hex(zeroblob(4000000 + {0}))", 99) + "))" },
        { "concat-of-one-large-value", "WITH t AS (SELECT zeroblob(8000000) AS z) SELECT length(concat(" + string.Join(", ", Enumerable.Repeat("z", 99)) + ")) FROM t" },
        { "repeated-large-column", "SELECT " + string.Join(", ", Enumerable.Repeat("body", 200)) + " FROM docs" },
        { "distinct-of-large-values", "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(DISTINCT zeroblob(8000000 - x)) FROM c" },
        { "sort-of-large-values", "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x, zeroblob(8000000 - x) FROM c ORDER BY random()" },
        { "json-group-array-of-large-values", "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT length(json_group_array(hex(zeroblob(1000000)))) FROM c" },
    };

    [Theory]
    [MemberData(nameof(Bombs))]
    public async Task QueryAsync_MemoryBomb_IsStoppedOrCut_WithinTwiceTheBudget(string name, string sql)
    {
        await using var store = await OpenAsync();

        var (outcome, growth) = await MeasureAsync(() => store.QueryAsync(sql));

        outcome.Should().NotBe("answered in full", "bomb {0} must be refused, stopped or cut", name);
        growth.Should().BeLessThan(2 * Budget, "bomb {0} must not take SQLite's heap past twice the budget", name);
        (await store.QueryAsync<long>("SELECT count(*) FROM docs")).Rows.Should().Equal(1L);
    }

    [Theory]
    [MemberData(nameof(Bombs))]
    public async Task QueryAsyncOfT_MemoryBomb_IsStoppedOrCut_WithinTwiceTheBudget(string name, string sql)
    {
        await using var store = await OpenAsync();

        var (outcome, growth) = await MeasureAsync(async () =>
        {
            var result = await store.QueryAsync<object>(sql);
            return result.Truncated ? "truncated" : "answered in full";
        });

        outcome.Should().NotBe("answered in full", "bomb {0} must be refused, stopped or cut on the Dapper path too", name);
        growth.Should().BeLessThan(2 * Budget, "bomb {0} must not take SQLite's heap past twice the budget", name);
    }

    [Fact]
    public async Task QueryAsync_ManyLargeValuesInOneRow_NamesTheQuerysCapAndHowToNarrowIt()
    {
        await using var store = await OpenAsync();

        var act = () => store.QueryAsync("SELECT " + HostileQueryTests.Numbered("hex(zeroblob(4000000 + {0}))", 150));

        var thrown = (await act.Should().ThrowAsync<QueryException>()).Which;
        thrown.Should().BeOfType<QueryException>();
        thrown.Message.Should().MatchRegex(@"larger than [\d,]+ bytes, the cap for this query \(because its program has \d+ steps that compute, compare, copy or read values, and together they must fit in 128 MiB\)")
            .And.Contain("Select fewer columns or smaller values");
    }

    [Fact]
    public async Task QueryAsync_LargeRowReadByAFewColumns_IsAnswered_AndByHundredsOfCopies_IsRefused()
    {
        await using var store = await OpenAsync();

        var few = await store.QueryAsync("SELECT record_id, length(body) AS n, body FROM docs");
        var hundreds = () => store.QueryAsync("SELECT " + string.Join(", ", Enumerable.Repeat("body", 200)) + " FROM docs");

        few.Rows.Should().ContainSingle().Which["n"].Should().Be(2_000_000L);
        (await hundreds.Should().ThrowAsync<QueryException>()).Which.Message.Should().MatchRegex("its program has [0-9]{3} steps");
        (await store.QueryAsync("SELECT length(body) AS n FROM docs")).Rows[0]["n"].Should().Be(2_000_000L);
    }

    [Fact]
    public async Task QueryAsync_WideJoinOfEveryColumn_IsAnswered()
    {
        await using var store = await TwoServiceMirror.OpenAsync();

        var result = await store.QueryAsync("SELECT *, * FROM customers c JOIN invoices i ON i.customer_id = c.record_id JOIN mirror_records r ON r.record_id = i.record_id ORDER BY i.record_id");

        result.RowCount.Should().Be(120);
        result.Truncated.Should().BeFalse();
    }

    [Fact]
    public async Task QueryAsync_ProgramHoldingTooManyValues_IsRefusedBeforeItRuns()
    {
        await using var store = await OpenAsync();

        // SQLite substitutes y's expression at each of the 1,000 uses: 40,000 function calls, where 32,768 values would
        // leave each 4 KiB.
        var y = string.Concat(Enumerable.Repeat("abs(", 40)) + "x" + new string(')', 40);
        var sql = $"WITH t AS (SELECT {y} AS y FROM (SELECT 1 AS x)) SELECT {string.Join(", ", Enumerable.Repeat("y", 1000))} FROM t";

        var act = () => store.QueryAsync(sql);

        (await act.Should().ThrowAsync<QueryException>()).Which.Message.Should().Contain("steps that compute, compare, copy or read values, more than the 32768").And.Contain("split it into smaller queries");
        (await store.QueryAsync<long>("SELECT count(*) FROM docs")).Rows.Should().Equal(1L);
    }

    private static async Task<MirrorStore> OpenAsync()
    {
        var store = await MirrorStore.OpenInMemoryAsync(new MirrorStoreOptions { QueryTimeout = TimeSpan.FromSeconds(5) });
        await store.ApplyAsync(Delta.Upsert("docs", "d1", new { body = new string('b', 2_000_000) }, "wiki"), LastWriteWins.Instance);
        return store;
    }

    /// <summary>Runs a query and returns what it did and how far SQLite's heap rose above where it was when it started.</summary>
    private static async Task<(string Outcome, long Growth)> MeasureAsync(Func<Task<string>> query)
    {
        var start = raw.sqlite3_memory_used();
        raw.sqlite3_memory_highwater(1);
        string outcome;
        try
        {
            outcome = await query();
        }
        catch (QueryException ex)
        {
            outcome = ex.GetType().Name;
        }

        return (outcome, raw.sqlite3_memory_highwater(0) - start);
    }

    private static Task<(string Outcome, long Growth)> MeasureAsync(Func<Task<QueryResult>> query) =>
        MeasureAsync(async () => (await query()).Truncated ? "truncated" : "answered in full");
}
