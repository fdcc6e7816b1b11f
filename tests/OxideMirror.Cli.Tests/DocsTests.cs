using System.Text.Json;
using System.Text.RegularExpressions;
using OxideMirror.Cli.Config;

namespace OxideMirror.Cli.Tests;

/// <summary>What docs/cli.md and the tool's README show works as shown.</summary>
public sealed partial class DocsTests : IDisposable
{
    private static readonly string Root = FindRoot();
    private readonly CliRun _run = new();

    public void Dispose() => _run.Dispose();

    [Fact]
    public void CliDoc_FullExample_LoadsWithEveryKeyKnown()
    {
        var json = JsonBlocks().Matches(File.ReadAllText(Path.Combine(Root, "docs", "cli.md")))[0].Groups["body"].Value;
        _run.WriteConfig(json);
        _run.Environment["GITHUB_TOKEN"] = "t";
        _run.Environment["HELPDESK_KEY"] = "k";

        var config = ConfigLoader.Load(null, _run.Directory, _run.Environment);

        config.Sources.Select(s => s.Id).Should().Equal("github", "helpdesk");
        config.Sources.SelectMany(s => s.Options.Resources).Should().HaveCount(5);
        config.Strategy.Should().BeSameAs(NewestWins.Instance);
    }

    [Fact]
    public void CliDoc_EveryJsonBlock_Parses()
    {
        foreach (Match block in JsonBlocks().Matches(File.ReadAllText(Path.Combine(Root, "docs", "cli.md"))))
        {
            var parse = () => JsonDocument.Parse(block.Groups["body"].Value).Dispose();
            parse.Should().NotThrow();
        }
    }

    [Fact]
    public void CliDoc_ExitCodes_MatchTheTool()
    {
        var doc = File.ReadAllText(Path.Combine(Root, "docs", "cli.md"));
        foreach (var code in new[] { ExitCodes.Ok, ExitCodes.Failed, ExitCodes.Usage, ExitCodes.Config, ExitCodes.NotFound, ExitCodes.Cancelled })
        {
            doc.Should().Contain($"| {code} |");
        }
    }

    [Fact]
    public void ToolReadme_InstallLine_NamesThePackageId()
    {
        var readme = File.ReadAllText(Path.Combine(Root, "src", "OxideMirror.Cli", "README.md"));

        readme.Should().Contain("dotnet tool install -g OxideMirror.Cli").And.Contain("## Dependencies");
    }

    [GeneratedRegex("```json\\n(?<body>.*?)```", RegexOptions.Singleline)]
    private static partial Regex JsonBlocks();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "OxideMirror.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("OxideMirror.sln not found above " + AppContext.BaseDirectory);
    }
}
