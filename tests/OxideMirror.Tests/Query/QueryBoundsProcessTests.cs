using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using OxideMirror.QueryHost;
using Xunit.Abstractions;

namespace OxideMirror.Tests.Query;

/// <summary>
/// Runs the queries that used to break the bounds in a child process of their own (<c>OxideMirror.QueryHost</c>) and
/// checks what the operating system saw: the process's peak resident memory may rise by at most twice the memory budget
/// (256 MiB, the pool all of a store's agent queries share), and each query must end within twice its time limit plus
/// 200 ms, alone and eight at once. Before the pool, the allocator and the temp-file VFS, these took the process past
/// 2 GB (a concat_ws of 99 copies of 8 MB, a json_pretty of a grouped array), ran 4-7 times past their limit (sorts with
/// a collation, which SQLite runs in one piece with temp_store in memory) and let overlapping queries borrow each
/// other's room (one query held 4.4 times the budget).
/// </summary>
[Collection(MemoryHeavyQueries.Name)]
public sealed class QueryBoundsProcessTests : IClassFixture<QueryBoundsProcessTests.SeededStore>
{
    private const long Budget = 256L * 1024 * 1024;
    private const string Endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) ";
    private readonly SeededStore _store;
    private readonly ITestOutputHelper _output;

    public QueryBoundsProcessTests(SeededStore store, ITestOutputHelper output)
    {
        _store = store;
        _output = output;
    }

    /// <summary>Functions that build a large value from small arguments, in one call the progress handler never sees.</summary>
    public static readonly string[] Expanding =
    [
        "SELECT length(concat_ws(printf('%.*c', 8000000, 'x'), " + string.Join(", ", Enumerable.Repeat("'a'", 99)) + "))",
        "SELECT length(json_pretty('[[[[[[[[1]]]]]]]]', printf('%.*c', 8000000, ' ')))",
        UpTo(300000) + "SELECT length(json_pretty(json_group_array(json_array(x, x, x, 'abcdefgh')), printf('%.*c', 200, ' '))) FROM c",
        "SELECT length(printf('%.*c', 2000000000, 'x'))",
        Endless + "SELECT length(group_concat(printf('%.*c', 1000000, 'x'))) FROM c",
        Endless + "SELECT length(string_agg(hex(randomblob(500000)), ',')) FROM c",
        "SELECT length(json_array(" + string.Join(", ", Enumerable.Repeat("printf('%.*c', 8000000, 'x')", 99)) + "))",
        "SELECT length(replace(printf('%.*c', 4000000, 'x'), 'x', printf('%.*c', 100, 'y')))",
        "SELECT length(format('%-*s%-*s', 900000000, 'a', 900000000, 'b'))",
    ];

    /// <summary>Sorts, groupings and windows, which SQLite used to run in one uninterruptible piece.</summary>
    public static readonly (string Sql, int TimeoutMs)[] Sorting =
    [
        (UpTo(200000) + "SELECT x, printf('%.*c', 200, 'x') || x AS s FROM c ORDER BY s COLLATE NOCASE", 1000),
        (UpTo(200000) + "SELECT x FROM c ORDER BY printf('%.*c', 1000, 'x') || x COLLATE NOCASE", 1000),
        (UpTo(4000000) + "SELECT x FROM c ORDER BY random()", 1000),
        (UpTo(200000) + "SELECT s, count(*) FROM (SELECT printf('%.*c', 200, 'x') || x AS s FROM c) GROUP BY s COLLATE NOCASE", 1000),
        (UpTo(200000) + "SELECT x, row_number() OVER (ORDER BY printf('%.*c', 200, 'x') || x COLLATE NOCASE) FROM c", 1000),
        (UpTo(20000) + "SELECT x FROM c ORDER BY printf('%.*c', 5000, 'x') || x COLLATE NOCASE", 300),
        (UpTo(2000000) + "SELECT x FROM c ORDER BY random()", 1000),
        (Endless + "SELECT x FROM c ORDER BY random()", 1000),
        (UpTo(3000000) + "SELECT DISTINCT printf('%.*c', 100, 'x') || x FROM c", 1000),
        (Endless + "SELECT x, sum(x) OVER (ORDER BY -x ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) FROM c", 1000),
        (UpTo(1000000) + "SELECT x FROM c ORDER BY rtrim(printf('%.*c', 50, 'x') || x) COLLATE RTRIM DESC", 1000),
        (Endless + "SELECT x % 1000, group_concat(x) FROM c GROUP BY 1 ORDER BY 2", 1000),
    ];

    [Fact]
    public async Task ExpandingFunctions_Alone_StayWithinTwiceTheBudgetAndTheLimit()
    {
        var report = await RunAsync(new QuerySpec { Store = _store.Path, Queries = [.. Expanding.Select(sql => new QueryCase(sql))] });

        AssertBounded(report, Expanding, timeoutMs: 1000);
        report.Queries.Should().OnlyContain(q => q.Outcome != "answered", "each of these builds more than the budget holds");
    }

    [Fact]
    public async Task ExpandingFunctions_EightAtOnce_StayWithinTwiceTheBudgetAndTheLimit()
    {
        var queries = Expanding.Take(3).Concat(Expanding.Skip(4).Take(3)).Concat(Expanding.Take(2)).ToArray();

        var report = await RunAsync(new QuerySpec { Store = _store.Path, AtOnce = true, Queries = [.. queries.Select(sql => new QueryCase(sql))] });

        AssertBounded(report, queries, timeoutMs: 1000);
    }

    [Fact]
    public async Task Sorts_Alone_StopWithinTwiceTheirLimit()
    {
        foreach (var group in Sorting.GroupBy(s => s.TimeoutMs))
        {
            var queries = group.Select(s => s.Sql).ToArray();
            var report = await RunAsync(new QuerySpec { Store = _store.Path, TimeoutMs = group.Key, Queries = [.. queries.Select(sql => new QueryCase(sql))] });

            AssertBounded(report, queries, group.Key);
        }
    }

    [Fact]
    public async Task Sorts_EightAtOnce_StopWithinTwiceTheirLimit_AndShareTheBudget()
    {
        // The staircase that let one query hold 4.4 times the budget: overlapping sorts, each starting as others end.
        var queries = Sorting.Where(s => s.TimeoutMs == 1000).Select(s => s.Sql).Take(8).ToArray();

        var report = await RunAsync(new QuerySpec { Store = _store.Path, AtOnce = true, Queries = [.. queries.Select(sql => new QueryCase(sql))] });

        AssertBounded(report, queries, timeoutMs: 1000);
    }

    [Fact]
    public async Task TypedPath_ExpandingAndSorting_StayBounded()
    {
        var queries = new[] { Expanding[0], Expanding[2], Sorting[0].Sql, Sorting[2].Sql };

        var alone = await RunAsync(new QuerySpec { Store = _store.Path, Queries = [.. queries.Select(sql => new QueryCase(sql, Typed: true))] });
        var atOnce = await RunAsync(new QuerySpec { Store = _store.Path, AtOnce = true, Queries = [.. queries.Concat(queries).Select(sql => new QueryCase(sql, Typed: true))] });

        AssertBounded(alone, queries, timeoutMs: 1000);
        AssertBounded(atOnce, [.. queries, .. queries], timeoutMs: 1000);
    }

    [Fact]
    public async Task Cancellation_IsAnsweredWithinTheSlackOfTheDeadline()
    {
        var queries = new[] { Expanding[2], Sorting[7].Sql, Sorting[9].Sql, Endless + "SELECT count(DISTINCT printf('%.*c', 100, 'x') || x) FROM c" };

        var report = await RunAsync(new QuerySpec { Store = _store.Path, TimeoutMs = 10_000, CancelAfterMs = 300, Queries = [.. queries.Select(sql => new QueryCase(sql))] });

        for (var i = 0; i < queries.Length; i++)
        {
            var query = report.Queries[i];
            query.Outcome.Should().BeOneOf(["OperationCanceledException", "TaskCanceledException", "QueryException"], "query {0} was cancelled at 300 ms ({1})", i, query.Message);
            query.ElapsedMs.Should().BeLessThan((2 * 300) + 200, "query {0} must answer its cancellation within the deadline's slack", i);
        }
    }

    [Fact]
    public async Task AsOfQueries_StayBoundedAndNeedNoCopyOfTheMoment_AloneAndEightAtOnce()
    {
        const string Sql = "SELECT count(*), sum(length(body)) FROM notes";
        var moments = _store.Moments;

        var alone = await RunAsync(new QuerySpec { Store = _store.Path, TimeoutMs = 20_000, Queries = [new QueryCase(Sql, moments[0]), new QueryCase(Sql, moments[^1])] });
        var atOnce = await RunAsync(new QuerySpec { Store = _store.Path, TimeoutMs = 20_000, AtOnce = true, Queries = [.. moments.Select(m => new QueryCase(Sql, m))] });

        AssertBounded(alone, [Sql, Sql], timeoutMs: 20_000);
        AssertBounded(atOnce, [.. moments.Select(_ => Sql)], timeoutMs: 20_000);
        // As-of queries read the live and history rows in place: a moment of 100,000 records of 1 KB, which a rebuild
        // into memory could not hold in the budget, now answers like the live query.
        alone.Queries[0].Outcome.Should().Be("answered", "the first moment (25,000 records) is read in place ({0})", alone.Queries[0].Message);
        alone.Queries[1].Outcome.Should().Be("answered", "the last moment (100,000 records of 1 KB) is read in place too ({0})", alone.Queries[1].Message);
        atOnce.Queries.Should().OnlyContain(q => q.Outcome == "answered", "eight moments at once hold no copy of the mirror each");
    }

    [Fact]
    public async Task QueryAsync_InAProcessThatStartedSqliteFirst_IsRefusedSayingHowToOrderStartUp()
    {
        // SQLite takes an allocator only before its first connection; without it nothing bounds a query, so none runs.
        var report = await RunAsync(new QuerySpec { Store = _store.Path, OpenSqliteFirst = true, Queries = [new QueryCase("SELECT 1"), new QueryCase("SELECT 1", Typed: true), new QueryCase("SELECT count(*) FROM notes", _store.Moments[0])] });

        report.Queries.Should().OnlyContain(q => q.Outcome == "QueryException");
        report.Queries.Should().OnlyContain(q => q.Message!.Contains("SQLite was already initialized by other code", StringComparison.Ordinal) && q.Message.Contains("Call MirrorStore.InitializeSqlite() first thing in Main", StringComparison.Ordinal));
    }

    private static string UpTo(int count) => "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < " + count.ToString(CultureInfo.InvariantCulture) + ") ";

    private static void AssertBounded(QueryReport report, string[] queries, int timeoutMs)
    {
        report.Queries.Should().HaveCount(queries.Length);
        for (var i = 0; i < queries.Length; i++)
        {
            var query = report.Queries[i];
            var what = Excerpt(queries[i]);
            query.GrowthBytes.Should().BeLessThan(2 * Budget, "{0} ended {1} ({2}) and must keep the process within twice the budget", what, query.Outcome, query.Message);
            query.ElapsedMs.Should().BeLessThan((2 * timeoutMs) + 200, "{0} ended {1} ({2}) and must stop within twice its limit plus 200 ms", what, query.Outcome, query.Message);
            query.Outcome.Should().NotBe("InvalidOperationException").And.NotBe("SqliteException").And.NotBe("OutOfMemoryException", "{0} must fail with the query path's own exceptions ({1})", what, query.Message);
        }
    }

    private static string Excerpt(string sql) => sql.Length <= 120 ? sql : sql[..120] + "…";

    private async Task<QueryReport> RunAsync(QuerySpec spec)
    {
        var file = System.IO.Path.GetTempFileName();
        try
        {
            var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
            await File.WriteAllTextAsync(file, JsonSerializer.Serialize(spec, json));
            var stderr = new System.Text.StringBuilder();
            using var process = ChildProcess.Start(System.IO.Path.Combine(AppContext.BaseDirectory, "OxideMirror.QueryHost.dll"), [file], redirectInput: false, stderr);
            var output = process.StandardOutput.ReadToEndAsync();
            using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            await process.WaitForExitAsync(patience.Token);
            process.ExitCode.Should().Be(0, "the query host must run to its end: {0}", stderr);
            var report = JsonSerializer.Deserialize<QueryReport>((await output).Trim(), json)!;
            for (var i = 0; i < report.Queries.Count; i++)
            {
                var query = report.Queries[i];
                _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{(spec.AtOnce ? "at once" : "alone")} limit {spec.TimeoutMs} ms: {Excerpt(spec.Queries[i].Sql)} -> {query.Outcome} in {query.ElapsedMs:0} ms, peak RSS +{query.GrowthBytes / (1024 * 1024)} MiB"));
            }

            return report;
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>A file store with 100,000 notes of about 1 KB, written at eight moments, for the as-of queries.</summary>
    public sealed class SeededStore : IAsyncLifetime, IDisposable
    {
        private readonly TempDirectory _directory = new();

        public string Path => _directory.File();

        public IReadOnlyList<DateTimeOffset> Moments { get; private set; } = [];

        public async Task InitializeAsync()
        {
            var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
            var clock = new FakeTimeProvider(start);
            var moments = new List<DateTimeOffset>();
            await using var store = await MirrorStore.OpenAsync(Path, new MirrorStoreOptions { TimeProvider = clock });
            var body = new string('n', 1000);
            for (var moment = 0; moment < 8; moment++)
            {
                clock.Advance(TimeSpan.FromHours(1));
                for (var page = 0; page < 25_000; page += 5_000)
                {
                    var deltas = Enumerable.Range(page, 5_000)
                        .Select(i => Delta.Upsert("notes", "n" + (((moment * 12_500) + i) % 100_000).ToString(CultureInfo.InvariantCulture), new { body, moment }, "wiki"))
                        .ToList();
                    await store.ApplyBatchAsync(deltas, LastWriteWins.Instance);
                }

                moments.Add(clock.GetUtcNow().AddMinutes(30));
            }

            Moments = moments;
        }

        public Task DisposeAsync()
        {
            Dispose();
            return Task.CompletedTask;
        }

        public void Dispose() => _directory.Dispose();
    }
}
