using OxideMirror.Cli.Commands;

namespace OxideMirror.Cli.Tests.Commands;

/// <summary>The hand-written parser: exactly the commands, arguments and options documented, each wrong line refused with a sentence saying how to write it.</summary>
public sealed class CommandLineTests
{
    [Fact]
    public void Parse_QueryWithOptions_TakesEveryForm()
    {
        var line = CommandLine.Parse(["--config", "a.json", "query", "SELECT 1", "--json", "--max-rows=5", "--as-of", "2026-01-01T00:00:00Z"]);

        line.Command!.Name.Should().Be("query");
        line.ConfigPath.Should().Be("a.json");
        line.Argument("sql").Should().Be("SELECT 1");
        line.Flags.Should().BeEquivalentTo(["--json"]);
        line.Values.Should().BeEquivalentTo(new Dictionary<string, string> { ["--max-rows"] = "5", ["--as-of"] = "2026-01-01T00:00:00Z" });
    }

    [Fact]
    public void Parse_ConfigAfterTheCommand_IsTakenToo()
    {
        var line = CommandLine.Parse(["history", "customers", "7", "-c=b.json"]);

        (line.Argument("resource"), line.Argument("id"), line.ConfigPath).Should().Be(("customers", "7", "b.json"));
    }

    [Fact]
    public void Parse_DoubleDash_EndsOptions()
    {
        CommandLine.Parse(["query", "--", "-1 AS x"]).Argument("sql").Should().Be("-1 AS x");
    }

    [Fact]
    public void Parse_SyncWithoutSource_HasNone()
    {
        CommandLine.Parse(["sync"]).OptionalArgument("source").Should().BeNull();
        CommandLine.Parse(["sync", "github"]).OptionalArgument("source").Should().Be("github");
    }

    [Theory]
    [InlineData(new string[0], "No command given.")]
    [InlineData(new[] { "qurey", "x" }, "'qurey' is not a command. Did you mean 'query'?")]
    [InlineData(new[] { "query" }, "'query' needs the sql.")]
    [InlineData(new[] { "query", "SELECT", "1" }, "put the whole SQL in one pair of quotes")]
    [InlineData(new[] { "query", "x", "--jsn" }, "'--jsn' is not an option of 'query'. Its options are --json, --max-rows, --as-of")]
    [InlineData(new[] { "query", "x", "--json", "--json" }, "--json is given twice.")]
    [InlineData(new[] { "query", "x", "--json=yes" }, "--json takes no value")]
    [InlineData(new[] { "query", "x", "--max-rows" }, "--max-rows needs a value")]
    [InlineData(new[] { "--json", "query", "x" }, "'--json' is not an option of oxide-mirror itself.")]
    [InlineData(new[] { "describe", "extra" }, "'describe' takes no arguments")]
    [InlineData(new[] { "history", "customers" }, "'history' needs the id.")]
    [InlineData(new[] { "sync", "a", "b" }, "'sync' takes at most 1 argument(s)")]
    [InlineData(new[] { "sync", "--config" }, "--config needs a value")]
    [InlineData(new[] { "-c", "a", "--config", "b", "sync" }, "--config is given twice.")]
    public void Parse_WrongLine_SaysWhatIsWrong(string[] args, string message)
    {
        var parse = () => CommandLine.Parse(args);

        parse.Should().Throw<UsageException>().Which.Message.Should().Contain(message);
    }

    [Fact]
    public async Task Run_WrongLine_ExitsWithUsageCode()
    {
        using var run = new CliRun();

        var result = await run.RunAsync("quer", "SELECT 1");

        result.ExitCode.Should().Be(ExitCodes.Usage);
        result.Error.Should().StartWith("error usage: 'quer' is not a command.");
    }

    [Fact]
    public async Task Run_Help_ListsEveryCommandAndTheExitCodes()
    {
        using var run = new CliRun();

        var result = await run.RunAsync("--help");

        result.ExitCode.Should().Be(ExitCodes.Ok);
        result.Out.Should().Contain("sync [source]").And.Contain("query \"<sql>\"").And.Contain("describe").And.Contain("history <resource> <id>")
            .And.Contain("OXIDEMIRROR__").And.Contain("Exit codes");
    }
}
