using System.Text.Json;

namespace OxideMirror.Cli.Tests.Commands;

/// <summary><c>sync</c> against a real HTTP server on loopback, then <c>query</c>, <c>describe</c> and <c>history</c> over the file it wrote.</summary>
public sealed class SyncCommandTests : IAsyncLifetime, IDisposable
{
    private readonly CliRun _run = new();
    private ShopApi _api = null!;

    public async Task InitializeAsync()
    {
        _api = await ShopApi.StartAsync();
        _run.Environment["SHOP_TOKEN"] = ShopApi.Token;
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    public void Dispose() => _run.Dispose();

    [Fact]
    public async Task Sync_SearchSection_CreatesEachIndexAfterItsResourceSyncsAndRebuildsOneWhoseFieldsChanged()
    {
        _run.WriteConfig(_api.Config().Replace("\"Sources\": [", "\"Search\": { \"customers\": [\"name\"] },\n  \"Sources\": [", StringComparison.Ordinal));

        var sync = await _run.RunAsync("sync");

        sync.ExitCode.Should().Be(ExitCodes.Ok, sync.ToString());
        await using (var store = await MirrorStore.OpenAsync(_run.MirrorPath))
        {
            (await store.ListSearchIndexesAsync()).Should().ContainSingle().Which.Fields.Should().Equal("name");
            (await store.SearchAsync("customers", "hooli")).Hits.Should().ContainSingle();
        }

        _run.WriteConfig(_api.Config().Replace("\"Sources\": [", "\"Search\": { \"customers\": [\"name\", \"tier\"] },\n  \"Sources\": [", StringComparison.Ordinal));
        (await _run.RunAsync("sync")).ExitCode.Should().Be(ExitCodes.Ok);
        await using (var store = await MirrorStore.OpenAsync(_run.MirrorPath))
        {
            (await store.ListSearchIndexesAsync()).Should().ContainSingle().Which.Fields.Should().Equal("name", "tier");
        }
    }

    [Fact]
    public async Task Sync_SearchFieldThatIsNoColumn_FailsNamingTheKeyAndKeepsTheSyncedPages()
    {
        _run.WriteConfig(_api.Config().Replace("\"Sources\": [", "\"Search\": { \"customers\": [\"nickname\"] },\n  \"Sources\": [", StringComparison.Ordinal));

        var sync = await _run.RunAsync("sync");

        sync.ExitCode.Should().Be(ExitCodes.Failed, sync.ToString());
        sync.Error.Should().Contain("error search_index: Search:customers in the configuration cannot be indexed: Resource 'customers' has no field 'nickname'.");
        await using var store = await MirrorStore.OpenAsync(_run.MirrorPath);
        (await store.QueryAsync("SELECT count(*) AS n FROM customers")).Rows[0]["n"].Should().Be(5L);
    }

    [Fact]
    public async Task Sync_LoopbackApi_MirrorsEveryResourceThenQueriesJoinIt()
    {
        _run.WriteConfig(_api.Config());

        var sync = await _run.RunAsync("sync");

        sync.ExitCode.Should().Be(ExitCodes.Ok, sync.ToString());
        sync.Out.Should().Be($"shop: 6 page(s), 10 record(s) pulled: 10 applied, 0 skipped, 0 unchanged in {Seconds(sync.Out)} s{Environment.NewLine}");
        sync.Error.Should().BeEmpty();
        _api.Server.Count("/customers").Should().Be(3);
        _api.Server.Count("/orders").Should().Be(3);

        var join = await _run.RunAsync("query", """
            SELECT c.name, count(o.record_id) AS orders, sum(o.total) AS total
            FROM customers c JOIN orders o ON o.customer_id = c.id
            GROUP BY c.name ORDER BY total DESC
            """);
        join.ExitCode.Should().Be(ExitCodes.Ok, join.ToString());
        join.Out.Should().Be(string.Join(Environment.NewLine,
            "name      | orders | total",
            "----------+--------+------",
            "Hooli     |      1 |  1000",
            "Acme Corp |      2 | 349.5",
            "Initech   |      1 | 12.25",
            "Umbrella  |      1 |     5",
            "(4 rows)",
            ""));

        var describe = await _run.RunAsync("describe");
        describe.ExitCode.Should().Be(ExitCodes.Ok);
        describe.Out.Should().Contain("customers").And.Contain("orders").And.Contain("customer_id");

        var history = await _run.RunAsync("history", "orders", "104", "--json");
        history.ExitCode.Should().Be(ExitCodes.Ok, history.ToString());
        var change = JsonDocument.Parse(history.Out).RootElement.EnumerateArray().Should().ContainSingle().Subject;
        change.GetProperty("source").GetString().Should().Be("shop");
        change.GetProperty("payload").GetProperty("total").GetDouble().Should().Be(1000);
    }

    [Fact]
    public async Task Sync_Again_ResumesAndChangesNothing()
    {
        _run.WriteConfig(_api.Config());
        (await _run.RunAsync("sync")).ExitCode.Should().Be(ExitCodes.Ok);

        var again = await _run.RunAsync("sync", "shop");

        again.ExitCode.Should().Be(ExitCodes.Ok, again.ToString());
        again.Out.Should().Contain("10 record(s) pulled: 0 applied, 0 skipped, 10 unchanged");
    }

    [Fact]
    public async Task Sync_OnATerminal_ShowsPagesAndRecordsPerSource()
    {
        _run.WriteConfig(_api.Config());

        var sync = await _run.RunAsync(showProgress: true, "sync");

        sync.ExitCode.Should().Be(ExitCodes.Ok, sync.ToString());
        sync.Out.Should().Contain("\rshop: page 1 (customers), 2 record(s) so far, 2 applied…")
            .And.Contain("\rshop: page 5 (orders), 9 record(s) so far, 9 applied…")
            .And.Contain("\rshop: 6 page(s), 10 record(s) pulled");
    }

    [Fact]
    public async Task Sync_Redirected_WritesOnlyTheReport()
    {
        _run.WriteConfig(_api.Config());

        var sync = await _run.RunAsync(showProgress: false, "sync");

        sync.Out.Should().NotContain("\r").And.NotContain("so far");
        sync.Out.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries).Should().ContainSingle();
    }

    [Fact]
    public async Task Sync_FailingSource_ReportsItsCodeSyncsTheOthersAndExitsOne()
    {
        _run.WriteConfig(_api.Config(extraSource: $$"""
            , { "Id": "broken", "BaseAddress": "{{_api.BaseAddress}}", "MaxRetries": 0, "Resources": [ { "Name": "broken", "Path": "broken" } ] }
            """));

        var sync = await _run.RunAsync("sync");

        sync.ExitCode.Should().Be(ExitCodes.Failed, sync.ToString());
        sync.Out.Should().Contain("broken: FAILED after 0 page(s)").And.Contain("shop: 6 page(s)");
        sync.Error.Should().StartWith("error source_failed: source 'broken':").And.Contain("500");
        (await _run.RunAsync("query", "SELECT count(*) AS n FROM orders", "--json")).Out.Should().Contain("\"n\":5");
    }

    [Fact]
    public async Task Sync_WrongToken_SaysTheCredentialsWereRefusedWithoutTheToken()
    {
        _run.Environment["SHOP_TOKEN"] = "wrong-token";
        _run.WriteConfig(_api.Config());

        var sync = await _run.RunAsync("sync");

        sync.ExitCode.Should().Be(ExitCodes.Failed);
        sync.Error.Should().StartWith("error source_failed:").And.Contain("401").And.NotContain("wrong-token");
    }

    [Fact]
    public async Task Sync_UnknownSource_IsAUsageErrorListingTheIds()
    {
        _run.WriteConfig(_api.Config());

        var sync = await _run.RunAsync("sync", "shopp");

        sync.ExitCode.Should().Be(ExitCodes.Usage);
        sync.Error.Should().StartWith("error unknown_source: No source has the id 'shopp'").And.Contain("'shop'");
        File.Exists(_run.MirrorPath).Should().BeFalse();
    }

    [Fact]
    public async Task Sync_CustomerGoneFromAFullPass_DeletesItWithDeleteMissing()
    {
        _run.WriteConfig(_api.Config());
        (await _run.RunAsync("sync")).ExitCode.Should().Be(ExitCodes.Ok);
        await using (var store = await MirrorStore.OpenAsync(_run.MirrorPath))
        {
            // A record the API never listed, as if a customer had been removed from it since the last pass.
            await store.ApplyAsync(Delta.Upsert("customers", "9", new { id = 9, name = "Gone" }, "shop"), LastWriteWins.Instance);
        }

        var sync = await _run.RunAsync("sync");

        sync.Out.Should().Contain("1 deleted as missing from a full pass");
        (await _run.RunAsync("query", "SELECT count(*) AS n FROM customers", "--json")).Out.Should().Contain("\"n\":5");
    }

    [Fact]
    public async Task Sync_Cancelled_ExitsOneThirtyAndKeepsTheCommittedPages()
    {
        _run.WriteConfig(_api.Config().Replace(
            """{ "Name": "orders", """,
            """{ "Name": "slow", "Path": "slow" }, { "Name": "orders", """,
            StringComparison.Ordinal));
        using var cancel = new CancellationTokenSource();
        var sync = _run.RunAsync(false, cancel.Token, "sync");
        while (_api.Server.Count("/slow") == 0)
        {
            sync.IsCompleted.Should().BeFalse("the sync waits on /slow until it is cancelled");
            await Task.Delay(10);
        }

        await cancel.CancelAsync();
        var result = await sync;

        result.ExitCode.Should().Be(ExitCodes.Cancelled, result.ToString());
        result.Error.Should().StartWith("error cancelled: Stopped. A sync resumes after its last committed page");
        (await _run.RunAsync("query", "SELECT count(*) AS n FROM customers", "--json")).Out.Should().Contain("\"n\":5", "the pages committed before the cancel stay");
    }

    private static string Seconds(string line) => line[(line.LastIndexOf(" in ", StringComparison.Ordinal) + 4)..line.LastIndexOf(" s", StringComparison.Ordinal)];
}
