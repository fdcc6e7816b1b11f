using System.Text.Json;

namespace OxideMirror.Cli.Tests.Commands;

/// <summary><c>query</c> over a mirror file: the answer as a table or as JSON, and a refused or failed query as its error code on standard error with exit code 1.</summary>
public sealed class QueryCommandTests : IAsyncLifetime, IDisposable
{
    private readonly CliRun _run = new();

    public async Task InitializeAsync()
    {
        _run.WriteConfig("""{ "MirrorPath": "mirror.db", "Limits": { "MaxQueryRows": 3 }, "Sources": [ { "Id": "crm", "BaseAddress": "http://127.0.0.1:9/", "Resources": [ { "Name": "customers" } ] } ] }""");
        await using var store = await MirrorStore.OpenAsync(_run.MirrorPath);
        var deltas = new[]
        {
            Delta.Upsert("customers", "1", new { name = "Acme Corp", tier = "enterprise", seats = 120 }, "crm"),
            Delta.Upsert("customers", "2", new { name = "Initech", tier = "enterprise", seats = 8 }, "crm"),
            Delta.Upsert("customers", "3", new { name = "Hooli\nLabs", tier = "startup", seats = 1500 }, "crm"),
            Delta.Upsert("customers", "4", new { name = "Globex", tier = "smb", seats = 3 }, "crm"),
            Delta.Upsert("customers", "2", new { name = "Initech", tier = "enterprise", seats = 9 }, "crm"),
        };
        await new Syncer(store).SyncAsync(StaticSource.FromDeltas("crm", deltas));
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _run.Dispose();

    [Fact]
    public async Task Query_Table_PrintsHeaderRuleRowsAndCount()
    {
        var result = await _run.RunAsync("query", "SELECT record_id AS id, name, seats FROM customers WHERE tier = 'enterprise' ORDER BY seats DESC");

        result.ExitCode.Should().Be(ExitCodes.Ok, result.ToString());
        result.Out.Should().Be(string.Join(Environment.NewLine,
            "id | name      | seats",
            "---+-----------+------",
            "1  | Acme Corp |   120",
            "2  | Initech   |     9",
            "(2 rows)",
            ""));
        result.Error.Should().BeEmpty();
    }

    [Fact]
    public async Task Query_Table_ShowsLineBreaksAsEscapes()
    {
        var result = await _run.RunAsync("query", "SELECT name FROM customers WHERE record_id = '3'");

        result.Out.Should().Contain("Hooli\\nLabs").And.Contain("(1 row)");
    }

    [Fact]
    public async Task Query_Json_PrintsTheStoresAnswer()
    {
        var result = await _run.RunAsync("query", "SELECT record_id, seats FROM customers ORDER BY record_id LIMIT 2", "--json");

        result.ExitCode.Should().Be(ExitCodes.Ok, result.ToString());
        using var json = JsonDocument.Parse(result.Out);
        json.RootElement.GetProperty("columns").EnumerateArray().Select(c => c.GetString()).Should().Equal("record_id", "seats");
        json.RootElement.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("seats").GetInt64()).Should().Equal(120, 9);
        json.RootElement.GetProperty("row_count").GetInt32().Should().Be(2);
        json.RootElement.GetProperty("truncated").GetBoolean().Should().BeFalse();
        json.RootElement.GetProperty("freshness")[0].GetProperty("source").GetString().Should().Be("crm");
    }

    [Fact]
    public async Task Query_MoreRowsThanTheCap_SaysTruncatedAndHowToGetTheRest()
    {
        var table = await _run.RunAsync("query", "SELECT record_id FROM customers ORDER BY record_id");
        var json = await _run.RunAsync("query", "SELECT record_id FROM customers", "--json");

        table.ExitCode.Should().Be(ExitCodes.Ok);
        table.Out.Should().Contain("(3 rows; truncated: the answer reached the row cap (3)").And.Contain("LIMIT/OFFSET");
        JsonDocument.Parse(json.Out).RootElement.GetProperty("truncated").GetBoolean().Should().BeTrue();
    }

    [Fact]
    public async Task Query_MaxRows_LowersTheCap()
    {
        var result = await _run.RunAsync("query", "SELECT record_id FROM customers", "--max-rows", "1");

        result.Out.Should().Contain("(1 row; truncated: the answer reached the row cap (1)");
    }

    [Fact]
    public async Task Query_Write_IsRefusedWithItsCodeOnStandardError()
    {
        var result = await _run.RunAsync("query", "DELETE FROM customers");

        result.ExitCode.Should().Be(ExitCodes.Failed);
        result.Error.Should().StartWith("error query_refused: The query was refused:");
        result.Out.Should().BeEmpty();
        (await _run.RunAsync("query", "SELECT count(*) AS n FROM customers")).Out.Should().Contain("4", "nothing was deleted");
    }

    [Fact]
    public async Task Query_InvalidSql_FailsWithQueryFailed()
    {
        var result = await _run.RunAsync("query", "SELECT nope FROM customers");

        result.ExitCode.Should().Be(ExitCodes.Failed);
        result.Error.Should().StartWith("error query_failed:").And.Contain("nope");
    }

    [Fact]
    public async Task Query_AsOfBeforeTheSync_SeesNothing()
    {
        var result = await _run.RunAsync("query", "SELECT count(*) AS n FROM customers", "--as-of", "2000-01-01T00:00:00Z", "--json");

        result.ExitCode.Should().Be(ExitCodes.Ok, result.ToString());
        JsonDocument.Parse(result.Out).RootElement.GetProperty("rows")[0].GetProperty("n").GetInt64().Should().Be(0);
    }

    [Theory]
    [InlineData("--max-rows", "0", "--max-rows is '0', which is not a whole number above 0.")]
    [InlineData("--as-of", "yesterday", "--as-of is 'yesterday', which is not a time.")]
    public async Task Query_BadOptionValue_IsAUsageError(string option, string value, string message)
    {
        var result = await _run.RunAsync("query", "SELECT 1", option, value);

        result.ExitCode.Should().Be(ExitCodes.Usage);
        result.Error.Should().Contain(message);
    }

    [Fact]
    public async Task Query_NoMirrorYet_SaysToSyncFirstAndCreatesNothing()
    {
        _run.WriteConfig("""{ "MirrorPath": "other.db", "Sources": [ { "Id": "crm", "BaseAddress": "http://127.0.0.1:9/", "Resources": [ { "Name": "customers" } ] } ] }""");

        var result = await _run.RunAsync("query", "SELECT 1");

        result.ExitCode.Should().Be(ExitCodes.NotFound);
        result.Error.Should().StartWith("error no_mirror:").And.Contain("Run 'oxide-mirror sync' first");
        File.Exists(Path.Combine(_run.Directory, "other.db")).Should().BeFalse();
    }

    [Fact]
    public async Task History_Record_ListsEveryChangeOldestFirst()
    {
        var table = await _run.RunAsync("history", "customers", "2");
        var json = await _run.RunAsync("history", "customers", "2", "--json");

        table.ExitCode.Should().Be(ExitCodes.Ok, table.ToString());
        table.Out.Should().Contain("position | applied_at").And.Contain("(2 changes)").And.Contain("inserted").And.Contain("updated");
        var changes = JsonDocument.Parse(json.Out).RootElement.EnumerateArray().ToList();
        changes.Select(c => c.GetProperty("decision").GetString()).Should().Equal("inserted", "updated");
        changes.Select(c => c.GetProperty("payload").GetProperty("seats").GetInt32()).Should().Equal(8, 9);
        changes.Should().OnlyContain(c => c.GetProperty("source").GetString() == "crm" && c.GetProperty("strategy").GetString() == "last-write-wins");
    }

    [Fact]
    public async Task History_UnknownRecord_ExitsNotFound()
    {
        var result = await _run.RunAsync("history", "customers", "99");

        result.ExitCode.Should().Be(ExitCodes.NotFound);
        result.Error.Should().StartWith("error not_found: The mirror has no changes for record '99' of resource 'customers'.");
    }

    [Fact]
    public async Task Describe_Mirror_PrintsTheResourcesAndColumns()
    {
        var result = await _run.RunAsync("describe");

        result.ExitCode.Should().Be(ExitCodes.Ok, result.ToString());
        result.Out.Should().Contain("customers").And.Contain("seats").And.Contain("tier");
    }
}
