using System.Text.RegularExpressions;

namespace OxideMirror.Tests;

/// <summary>What a first user reads: the README's install line, its two commands, a quick start that checks the sync, and links that lead somewhere.</summary>
public sealed partial class ReadmeTests
{
    private static readonly string Root = FindRoot();

    private static string Readme => File.ReadAllText(Path.Combine(Root, "README.md"));

    [Fact]
    public void Readme_Install_SaysTheCommandAndTheFramework()
    {
        Readme.Should().Contain("dotnet add package OxideMirror").And.Contain(".NET 10");
    }

    [Fact]
    public void Readme_TwoCommands_ListsExactlyTwo()
    {
        var section = Section(Readme, "## Two commands");
        var block = CodeBlocks().Match(section);

        block.Success.Should().BeTrue("the section shows its commands in a code block");
        block.Groups["body"].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Should().HaveCount(2).And.Contain(l => l.StartsWith("dotnet run --project samples/QuickStart", StringComparison.Ordinal))
            .And.Contain(l => l.StartsWith("dotnet test", StringComparison.Ordinal));
    }

    [Fact]
    public void Readme_QuickStart_ChecksTheSyncReports()
    {
        var code = CodeBlocks().Match(Section(Readme, "## Quick start")).Groups["body"].Value;

        code.Should().Contain("SyncAllAsync()").And.Contain("report.Succeeded", "a failing source must not be silent in the first example");
    }

    [Fact]
    public void Readme_IsShort_AndEveryLocalLinkLeadsToAFile()
    {
        var lines = Readme.Split('\n');

        lines.Length.Should().BeLessThanOrEqualTo(250, "the README is what a user reads first; the rest lives in docs/");
        foreach (var file in new[] { "README.md" }.Concat(Directory.GetFiles(Path.Combine(Root, "docs"), "*.md").Select(f => Path.GetRelativePath(Root, f))))
        {
            var folder = Path.GetDirectoryName(Path.Combine(Root, file))!;
            foreach (Match link in LocalLinks().Matches(File.ReadAllText(Path.Combine(Root, file))))
            {
                var target = link.Groups["target"].Value;
                File.Exists(Path.Combine(folder, target)).Should().BeTrue("{0} links to {1}", file, target);
            }
        }
    }

    [Fact]
    public void Repository_HasLicenseChangelogAndPackageReadme()
    {
        File.ReadAllText(Path.Combine(Root, "LICENSE")).Should().StartWith("MIT License");
        File.Exists(Path.Combine(Root, "CHANGELOG.md")).Should().BeTrue();
        File.ReadAllText(Path.Combine(Root, "src", "OxideMirror", "README.md")).Should().Contain("## Dependencies");
    }

    private static string Section(string text, string heading)
    {
        var start = text.IndexOf(heading + "\n", StringComparison.Ordinal);
        start.Should().BeGreaterThanOrEqualTo(0, "the README has a '{0}' section", heading);
        var end = text.IndexOf("\n## ", start + heading.Length, StringComparison.Ordinal);
        return end < 0 ? text[start..] : text[start..end];
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "OxideMirror.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("The tests run outside a clone of the repository: no OxideMirror.sln above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"```[a-z]*\n(?<body>.*?)```", RegexOptions.Singleline)]
    private static partial Regex CodeBlocks();

    [GeneratedRegex(@"\]\((?<target>(?!https?:|#)[^)#\s]+)(#[^)]*)?\)")]
    private static partial Regex LocalLinks();
}
