namespace OxideMirror.Cli.Tests.Config;

/// <summary>A configuration the tool cannot use stops every command before it starts, naming the full key of each problem and the fix, with exit code 3.</summary>
public sealed class ConfigErrorTests : IDisposable
{
    private readonly CliRun _run = new();

    public void Dispose() => _run.Dispose();

    private const string Resource = """{ "Name": "items", "Path": "items" }""";

    private static string OneSource(string source = "", string resource = Resource) => $$"""
        { "MirrorPath": "mirror.db", "Sources": [ { "Id": "api", "BaseAddress": "http://127.0.0.1:9/" {{source}}, "Resources": [ {{resource}} ] } ] }
        """;

    [Fact]
    public async Task Run_MissingConfigFile_NamesTheFileAndTheFix()
    {
        var result = await _run.RunAsync("query", "SELECT 1");

        result.ExitCode.Should().Be(ExitCodes.Config, result.ToString());
        result.Error.Should().Contain("error config:").And.Contain(Path.Combine(_run.Directory, "oxidemirror.json")).And.Contain("--config <path>");
        result.Out.Should().BeEmpty();
    }

    [Fact]
    public async Task Run_ConfigOptionToMissingFile_NamesThatFile()
    {
        var result = await _run.RunAsync("--config", "elsewhere/mine.json", "describe");

        result.ExitCode.Should().Be(ExitCodes.Config);
        result.Error.Should().Contain(Path.Combine(_run.Directory, "elsewhere", "mine.json")).And.Contain("--config");
    }

    [Fact]
    public async Task Run_UnknownKey_NamesItsFullPathAndTheNearestSetting()
    {
        _run.WriteConfig(OneSource(""", "MaxRetrys": 3"""));

        var result = await _run.RunAsync("describe");

        result.ExitCode.Should().Be(ExitCodes.Config);
        result.Error.Should().Contain("error config: Sources:0:MaxRetrys is not a setting of an HTTP source.").And.Contain("Did you mean 'MaxRetries'?");
    }

    [Fact]
    public async Task Run_UnknownTopLevelKey_ListsTheSettings()
    {
        _run.WriteConfig("""{ "MirrorPath": "m.db", "Source": [], "Sources": [ { "Id": "a", "BaseAddress": "http://127.0.0.1:9/", "Resources": [ { "Name": "x" } ] } ] }""");

        var result = await _run.RunAsync("describe");

        result.ExitCode.Should().Be(ExitCodes.Config);
        result.Error.Should().Contain("Source is not a setting of the configuration file.").And.Contain("Did you mean 'Sources'?");
    }

    [Fact]
    public async Task Run_McpDefaultRowsAboveMaxRows_NamesBothKeysAndTheFix()
    {
        _run.WriteConfig(OneSource().Replace("\"Sources\"", "\"Mcp\": { \"DefaultQueryRows\": 500, \"MaxQueryRows\": 100 }, \"Sources\"", StringComparison.Ordinal));

        var result = await _run.RunAsync("mcp");

        result.ExitCode.Should().Be(ExitCodes.Config, result.ToString());
        result.Error.Should().Contain("error config: Mcp:DefaultQueryRows (500) is more than Mcp:MaxQueryRows (100). Set it to at most MaxQueryRows.");
        result.Out.Should().BeEmpty("standard output belongs to the MCP protocol");
    }

    [Theory]
    [InlineData("\"Search\": { \"item\": [\"title\"] }", "error config: Search:item names no resource of this configuration. The resources are: items.")]
    [InlineData("\"Search\": { \"items\": [] }", "error config: Search:items lists no fields.")]
    [InlineData("\"Search\": \"items\"", "error config: Search is 'items', but it takes an object of resource names and their fields")]
    [InlineData("\"Search\": { \"items\": [ { \"a\": 1 } ] }", "error config: Search:items:0 must be a payload field's name")]
    public async Task Run_BadSearchSection_NamesTheKeyAndTheFix(string setting, string expected)
    {
        _run.WriteConfig(OneSource().Replace("\"Sources\"", setting + ", \"Sources\"", StringComparison.Ordinal));

        var result = await _run.RunAsync("sync");

        result.ExitCode.Should().Be(ExitCodes.Config, result.ToString());
        result.Error.Should().Contain(expected);
    }

    [Theory]
    [InlineData("\"MaxAnswerBytes\": 100", "Mcp:MaxAnswerBytes is 100, out of range.")]
    [InlineData("\"EnableSync\": \"maybe\"", "Mcp:EnableSync is 'maybe'")]
    [InlineData("\"MaxAnswerByte\": 4096", "Mcp:MaxAnswerByte is not a setting of Mcp.")]
    public async Task Run_BadMcpSetting_NamesItsKey(string setting, string expected)
    {
        _run.WriteConfig(OneSource().Replace("\"Sources\"", "\"Mcp\": { " + setting + " }, \"Sources\"", StringComparison.Ordinal));

        var result = await _run.RunAsync("mcp");

        result.ExitCode.Should().Be(ExitCodes.Config, result.ToString());
        result.Error.Should().Contain("error config: " + expected);
    }

    [Fact]
    public async Task Run_BadPaginatorType_NamesSourcesResourcesPaginatorType()
    {
        _run.WriteConfig(OneSource(resource: """{ "Name": "items", "Path": "items", "Paginator": { "Type": "Cursor" } }"""));

        var result = await _run.RunAsync("sync");

        result.ExitCode.Should().Be(ExitCodes.Config);
        result.Error.Should().Contain("error config: Sources:0:Resources:0:Paginator:Type is 'Cursor', which is not a paginator type.")
            .And.Contain("None, LinkHeader, NextUrlInBody, CursorToken, Offset, PageNumber");
        File.Exists(_run.MirrorPath).Should().BeFalse("nothing runs on a configuration with problems");
    }

    [Fact]
    public async Task Run_PaginatorSettingOfAnotherType_NamesTheKeyAndTheTypesSettings()
    {
        _run.WriteConfig(OneSource(resource: """{ "Name": "items", "Path": "items", "Paginator": { "Type": "CursorToken", "TokenPath": "next", "Limit": 5 } }"""));

        var result = await _run.RunAsync("sync");

        result.ExitCode.Should().Be(ExitCodes.Config);
        result.Error.Should().Contain("Sources:0:Resources:0:Paginator:Limit is not a setting of a CursorToken paginator.")
            .And.Contain("Sources:0:Resources:0:Paginator:Parameter is missing.");
    }

    [Fact]
    public async Task Run_MissingEnvironmentVariable_NamesTheKeyAndTheVariable()
    {
        _run.WriteConfig(OneSource(""", "BearerToken": "${OXIDE_TEST_UNSET_TOKEN}" """));

        var result = await _run.RunAsync("sync");

        result.ExitCode.Should().Be(ExitCodes.Config);
        result.Error.Should().Contain("error config: Sources:0:BearerToken cannot be read: it refers to the environment variable OXIDE_TEST_UNSET_TOKEN, which is not set.");
    }

    [Theory]
    [InlineData("\"MaxRetries\": \"five\"", "Sources:0:MaxRetries is 'five', which is not a whole number. Set a whole number from 0 to 100.")]
    [InlineData("\"MaxRetries\": 101", "Sources:0:MaxRetries is 101, out of range. Set a whole number from 0 to 100.")]
    [InlineData("\"RequestTimeout\": \"soon\"", "Sources:0:RequestTimeout is 'soon', which is not a duration.")]
    [InlineData("\"RequestsPerSecond\": \"fast\"", "Sources:0:RequestsPerSecond is 'fast', which is not a number.")]
    [InlineData("\"Headers\": \"Accept: json\"", "Sources:0:Headers is 'Accept: json', but it takes an object of names and text values")]
    [InlineData("\"ApiKey\": \"k\"", "Sources:0:ApiKeyHeader is missing: ApiKeyHeader (the header's name) and ApiKey (the key) go together.")]
    [InlineData("\"BearerToken\": { \"a\": 1 }", "Sources:0:BearerToken is an object or an array, but it takes a text value")]
    public async Task Run_BadValue_NamesTheKeyTheValueAndWhatItTakes(string setting, string expected)
    {
        _run.WriteConfig(OneSource(", " + setting));

        var result = await _run.RunAsync("sync");

        result.ExitCode.Should().Be(ExitCodes.Config, result.ToString());
        result.Error.Should().Contain("error config: " + expected);
    }

    [Fact]
    public async Task Run_BaseAddressNotHttp_NamesTheKey()
    {
        _run.WriteConfig(OneSource().Replace("http://127.0.0.1:9/", "ftp://x/", StringComparison.Ordinal));

        var result = await _run.RunAsync("sync");

        result.ExitCode.Should().Be(ExitCodes.Config);
        result.Error.Should().Contain("Sources:0:BaseAddress is 'ftp://x/', which is not an absolute http(s) URL.");
    }

    [Fact]
    public async Task Run_BadResourceBoolean_NamesTheKey()
    {
        _run.WriteConfig(OneSource(resource: """{ "Name": "items", "Path": "items", "DeleteMissing": "yes" }"""));

        var result = await _run.RunAsync("sync");

        result.ExitCode.Should().Be(ExitCodes.Config);
        result.Error.Should().Contain("Sources:0:Resources:0:DeleteMissing is 'yes', which is not a boolean. Set true or false.");
    }

    [Fact]
    public async Task Run_SeveralProblems_ReportsEveryOneAtOnce()
    {
        _run.WriteConfig("""{ "Strategy": "Newest", "Limits": { "MaxQueryRows": 0 }, "Sources": [ { "BaseAddress": "http://127.0.0.1:9/", "Resources": [ { "Path": "x" } ] } ] }""");

        var result = await _run.RunAsync("describe");

        result.ExitCode.Should().Be(ExitCodes.Config);
        result.Error.Should().Contain("MirrorPath is missing.")
            .And.Contain("Strategy is 'Newest', which is not a conflict strategy.")
            .And.Contain("Limits:MaxQueryRows is 0, out of range.")
            .And.Contain("Sources:0:Id is missing.")
            .And.Contain("Sources:0:Resources:0:Name is missing.")
            .And.Contain("(5 problem(s) in");
    }

    [Fact]
    public async Task Run_InvalidJson_SaysWhereTheFileBreaks()
    {
        _run.WriteConfig("{\n  \"MirrorPath\": \"m.db\",\n  \"Sources\": [ oops ]\n}");

        var result = await _run.RunAsync("describe");

        result.ExitCode.Should().Be(ExitCodes.Config);
        result.Error.Should().Contain("is not valid JSON at line 3");
    }

    [Fact]
    public async Task Run_NoSources_SaysHowToAddOne()
    {
        _run.WriteConfig("""{ "MirrorPath": "m.db" }""");

        var result = await _run.RunAsync("sync");

        result.ExitCode.Should().Be(ExitCodes.Config);
        result.Error.Should().Contain("Sources is missing or empty. Add at least one source");
    }

    [Fact]
    public async Task Run_DuplicateSourceIds_NamesTheSecond()
    {
        _run.WriteConfig("""
            { "MirrorPath": "m.db", "Sources": [
              { "Id": "a", "BaseAddress": "http://127.0.0.1:9/", "Resources": [ { "Name": "x" } ] },
              { "Id": "a", "BaseAddress": "http://127.0.0.1:9/", "Resources": [ { "Name": "y" } ] } ] }
            """);

        var result = await _run.RunAsync("sync");

        result.ExitCode.Should().Be(ExitCodes.Config);
        result.Error.Should().Contain("Sources:1:Id is 'a', already the id of Sources:0.");
    }

    [Fact]
    public async Task Run_IncrementalResourceWithoutEventTime_NamesSinceParameter()
    {
        _run.WriteConfig(OneSource(resource: """{ "Name": "items", "Path": "items", "SinceParameter": "since" }"""));

        var result = await _run.RunAsync("sync");

        result.ExitCode.Should().Be(ExitCodes.Config);
        result.Error.Should().Contain("Sources:0:Resources:0:SinceParameter is 'since', which needs EventTimeField");
    }

    [Fact]
    public async Task Run_UnknownKeyFromTheEnvironment_NamesTheVariable()
    {
        _run.WriteConfig(OneSource());
        _run.Environment["OXIDEMIRROR__Sources__0__Tokn"] = "x";

        var result = await _run.RunAsync("describe");

        result.ExitCode.Should().Be(ExitCodes.Config);
        result.Error.Should().Contain("Sources:0:Tokn is not a setting of an HTTP source (it is set by the environment variable OXIDEMIRROR__Sources__0__Tokn).");
    }

    [Fact]
    public async Task Run_ResourceSettingOnTheSource_SaysWhereItBelongs()
    {
        _run.WriteConfig(OneSource(""", "Paginator": "LinkHeader" """));

        var result = await _run.RunAsync("sync");

        result.ExitCode.Should().Be(ExitCodes.Config);
        result.Error.Should().Contain("Sources:0:Paginator is not a setting of an HTTP source. 'Paginator' is a setting of each resource, in Sources:0:Resources.");
    }

    [Fact]
    public async Task Run_EmptyVariableForACredential_IsAnErrorNotAnEmptyToken()
    {
        _run.WriteConfig(OneSource(""", "BearerToken": "${OXIDE_TEST_EMPTY}" """));
        _run.Environment["OXIDE_TEST_EMPTY"] = "";

        var result = await _run.RunAsync("sync");

        result.ExitCode.Should().Be(ExitCodes.Config);
        result.Error.Should().Contain("Sources:0:BearerToken is empty ('${OXIDE_TEST_EMPTY}' names an environment variable that is set but empty).");
    }
}
