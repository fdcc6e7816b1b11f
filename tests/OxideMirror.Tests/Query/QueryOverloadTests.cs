namespace OxideMirror.Tests.Query;

/// <summary>
/// The calls a Dapper or Microsoft.Data.Sqlite user writes against <see cref="MirrorStore.QueryAsync(string, object?, QueryOptions?, CancellationToken)"/>
/// and its typed twin compile, with <see langword="null"/> for any argument and the token last or by name, reach the
/// overload they mean (options apply, or the store's limits do), and answer; a typed result is the list of its rows.
/// </summary>
public sealed class QueryOverloadTests
{
    private const string Five = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5) SELECT x FROM c";
    private const string FiveFrom = Five + " WHERE x >= @from";

    /// <summary>The store answers at most four rows; the options at most two.</summary>
    private static readonly MirrorStoreOptions FourRows = new() { MaxQueryRows = 4 };

    [Fact]
    public async Task QueryAsync_EveryCallShape_CompilesAndTakesTheLimitsItNames()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync(FourRows);
        var options = new QueryOptions { MaxRows = 2 };
        using var cancellation = new CancellationTokenSource();
        var token = cancellation.Token;

        QueryResult[] storeLimits =
        [
            await store.QueryAsync(Five),
            await store.QueryAsync(Five, null),
            await store.QueryAsync(Five, null, token),
            await store.QueryAsync(Five, null, default),
            await store.QueryAsync(Five, cancellationToken: token),
            await store.QueryAsync(Five, parameters: null, cancellationToken: token),
            await store.QueryAsync(Five, null, null),
            await store.QueryAsync(Five, null, null, token),
            await store.QueryAsync(Five, options: null),
        ];
        QueryResult[] parameters =
        [
            await store.QueryAsync(FiveFrom, new { from = 3 }),
            await store.QueryAsync(FiveFrom, new { from = 3 }, token),
            await store.QueryAsync(FiveFrom, new Dictionary<string, object?> { ["from"] = 3 }, token),
            await store.QueryAsync(FiveFrom, parameters: new { from = 3 }),
            await store.QueryAsync(FiveFrom, new { from = 3 }, null, token),
        ];
        QueryResult[] optionLimits =
        [
            await store.QueryAsync(Five, null, options),
            await store.QueryAsync(Five, null, options, token),
            await store.QueryAsync(Five, options: options),
            await store.QueryAsync(Five, options: options, cancellationToken: token),
            await store.QueryAsync(FiveFrom, new { from = 1 }, options),
            await store.QueryAsync(FiveFrom, parameters: new { from = 1 }, options: options),
        ];

        storeLimits.Should().AllSatisfy(r => Values(r).Should().Equal(1L, 2L, 3L, 4L));
        storeLimits.Should().OnlyContain(r => r.Truncated);
        parameters.Should().AllSatisfy(r => Values(r).Should().Equal(3L, 4L, 5L));
        parameters.Should().OnlyContain(r => !r.Truncated);
        optionLimits.Should().AllSatisfy(r => Values(r).Should().Equal(1L, 2L));
        optionLimits.Should().OnlyContain(r => r.Truncated);
    }

    [Fact]
    public async Task QueryAsyncOfT_EveryCallShape_CompilesAndTakesTheLimitsItNames()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync(FourRows);
        var options = new QueryOptions { MaxRows = 2 };
        using var cancellation = new CancellationTokenSource();
        var token = cancellation.Token;

        QueryResult<long>[] storeLimits =
        [
            await store.QueryAsync<long>(Five),
            await store.QueryAsync<long>(Five, null),
            await store.QueryAsync<long>(Five, null, token),
            await store.QueryAsync<long>(Five, null, default),
            await store.QueryAsync<long>(Five, cancellationToken: token),
            await store.QueryAsync<long>(Five, parameters: null, cancellationToken: token),
            await store.QueryAsync<long>(Five, null, null),
            await store.QueryAsync<long>(Five, null, null, token),
            await store.QueryAsync<long>(Five, options: null),
        ];
        QueryResult<long>[] parameters =
        [
            await store.QueryAsync<long>(FiveFrom, new { from = 3 }),
            await store.QueryAsync<long>(FiveFrom, new { from = 3 }, token),
            await store.QueryAsync<long>(FiveFrom, new Dictionary<string, object?> { ["from"] = 3 }, token),
            await store.QueryAsync<long>(FiveFrom, parameters: new { from = 3 }),
            await store.QueryAsync<long>(FiveFrom, new { from = 3 }, null, token),
        ];
        QueryResult<long>[] optionLimits =
        [
            await store.QueryAsync<long>(Five, null, options),
            await store.QueryAsync<long>(Five, null, options, token),
            await store.QueryAsync<long>(Five, options: options),
            await store.QueryAsync<long>(Five, options: options, cancellationToken: token),
            await store.QueryAsync<long>(FiveFrom, new { from = 1 }, options),
            await store.QueryAsync<long>(FiveFrom, parameters: new { from = 1 }, options: options),
        ];

        storeLimits.Should().AllSatisfy(r => r.Rows.Should().Equal(1L, 2L, 3L, 4L));
        storeLimits.Should().OnlyContain(r => r.Truncated);
        parameters.Should().AllSatisfy(r => r.Rows.Should().Equal(3L, 4L, 5L));
        parameters.Should().OnlyContain(r => !r.Truncated);
        optionLimits.Should().AllSatisfy(r => r.Rows.Should().Equal(1L, 2L));
        optionLimits.Should().OnlyContain(r => r.Truncated);
    }

    [Fact]
    public async Task QueryAsync_OptionsPassedAsTheParameters_ThrowsArgumentExceptionSayingHowToPassThem()
    {
        // QueryAsync(sql, options) compiles, with the options as the parameters object: before, the query ran under the
        // store's limits, the options silently ignored.
        await using var store = await MirrorStore.OpenInMemoryAsync(FourRows);
        var options = new QueryOptions { MaxRows = 2 };

        var untyped = () => store.QueryAsync(Five, options);
        var typed = () => store.QueryAsync<long>(Five, options);

        (await untyped.Should().ThrowExactlyAsync<ArgumentException>())
            .WithMessage("The parameters argument is a QueryOptions*Pass it as the options: QueryAsync(sql, null, options) or QueryAsync(sql, options: options).*")
            .Which.ParamName.Should().Be("parameters");
        (await typed.Should().ThrowExactlyAsync<ArgumentException>()).WithMessage("The parameters argument is a QueryOptions*");
    }

    [Fact]
    public async Task QueryAsync_TokenPassedAsTheParameters_ThrowsArgumentExceptionSayingHowToPassIt()
    {
        // A token that reaches the parameters slot boxed (here through a variable typed object) cannot cancel the query:
        // before, the query ran and the token was ignored.
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var cancellation = new CancellationTokenSource();
        object boxed = cancellation.Token;

        var untyped = () => store.QueryAsync(Five, boxed);
        var typed = () => store.QueryAsync<long>(Five, boxed);

        (await untyped.Should().ThrowExactlyAsync<ArgumentException>())
            .WithMessage("The parameters argument is a CancellationToken*QueryAsync(sql, cancellationToken: cancellationToken).*")
            .Which.ParamName.Should().Be("parameters");
        (await typed.Should().ThrowExactlyAsync<ArgumentException>()).WithMessage("The parameters argument is a CancellationToken*");
    }

    [Fact]
    public async Task QueryAsync_TokenSecond_TakesItAsTheCancellationToken()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var cancellation = new CancellationTokenSource();

        (await store.QueryAsync(Five, cancellation.Token)).Rows.Should().HaveCount(5);
        (await store.QueryAsync<long>(Five, cancellation.Token)).Should().HaveCount(5);

        await cancellation.CancelAsync();
        await ((Func<Task>)(() => store.QueryAsync(Five, cancellation.Token))).Should().ThrowAsync<OperationCanceledException>();
        await ((Func<Task>)(() => store.QueryAsync<long>(Five, cancellation.Token))).Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public async Task QueryResultOfT_Foreach_EnumeratesTheRowsAsAReadOnlyList()
    {
        await using var store = await MirrorStore.OpenInMemoryAsync(FourRows);

        var result = await store.QueryAsync<long>(Five);
        var seen = new List<long>();
        foreach (var x in result)
        {
            seen.Add(x);
        }

        seen.Should().Equal(1L, 2L, 3L, 4L);
        result.Count.Should().Be(4);
        result[0].Should().Be(1L);
        result[3].Should().Be(4L);
        result.Sum().Should().Be(10L);
        result.Should().BeAssignableTo<IReadOnlyList<long>>().And.Equal(result.Rows);
        result.Truncated.Should().BeTrue("the list is still the capped answer");
        var outOfRange = () => result[4];
        outOfRange.Should().Throw<ArgumentOutOfRangeException>();
    }

    private static IEnumerable<object?> Values(QueryResult result) => result.Rows.Select(r => r["x"]);
}
