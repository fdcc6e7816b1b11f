using OxideMirror.Cli.Config;

namespace OxideMirror.Cli.Tests.Config;

/// <summary>What a configuration file binds to: every HttpSource option under its own name, the limits, strategy and sync settings, overridden by the environment.</summary>
public sealed class ConfigLoaderTests : IDisposable
{
    private readonly CliRun _run = new();

    public void Dispose() => _run.Dispose();

    private MirrorConfig Load() => ConfigLoader.Load(null, _run.Directory, _run.Environment);

    private const string Full = """
        {
          "MirrorPath": "data/mirror.db",
          "Strategy": "highest-confidence",
          "Limits": { "QueryTimeout": "2s", "MaxQueryRows": 500, "MaxQueryBytes": 65536, "MaxPayloadBytes": 32768, "QueryMemoryBudget": 33554432, "MaxReaders": 2, "BusyTimeout": "00:00:10" },
          "Sync": { "Interval": "10m", "InitialBackoff": "1s", "MaxBackoff": "2m", "BackoffJitter": 0.5, "MaxPagesPerSync": 50, "StreamBatchSize": 200 },
          "Sources": [
            {
              "Id": "github",
              "BaseAddress": "https://api.github.com/v3",
              "BearerToken": "${GH_TOKEN}",
              "ApiKeyHeader": "X-Api-Key",
              "ApiKey": "key-$${literal}",
              "Headers": { "Accept": "application/vnd.github+json", "User-Agent": "oxide-mirror" },
              "RequestTimeout": "45s",
              "MaxResponseBytes": 1048576,
              "MaxRetries": 2,
              "RetryBaseDelay": "250ms",
              "MaxRetryDelay": "30s",
              "RequestsPerSecond": 2.5,
              "MaxConcurrency": 3,
              "SyncInterval": "1m",
              "Resources": [
                { "Name": "issues", "Path": "issues", "Query": { "state": "all" }, "RecordsPath": "items", "IdField": "number", "EventTimeField": "updated_at",
                  "Paginator": "LinkHeader", "SinceParameter": "since", "SinceLag": "1m", "SinceFormat": "unix" },
                { "Name": "users", "Path": "users", "Paginator": { "Type": "Offset", "Limit": 100, "OffsetParameter": "skip", "LimitParameter": "take", "TotalPath": "total" }, "DeleteMissing": true },
                { "Name": "repos", "Path": "repos", "Paginator": { "Type": "PageNumber", "Parameter": "p", "FirstPage": 0, "PageSize": 50, "SizeParameter": "size", "TotalPagesPath": "pages" } },
                { "Name": "events", "Path": "events", "Paginator": { "Type": "NextUrlInBody", "FieldPath": "links.next" } },
                { "Name": "teams", "Path": "teams", "Paginator": { "Type": "CursorToken", "TokenPath": "meta.cursor", "Parameter": "after" } },
                { "Name": "meta", "Path": "https://status.example.com/meta" }
              ]
            }
          ]
        }
        """;

    [Fact]
    public void Load_FullExample_BindsEveryOption()
    {
        _run.WriteConfig(Full);
        _run.Environment["GH_TOKEN"] = "ghp_secret";

        var config = Load();

        config.MirrorPath.Should().Be(Path.Combine(_run.Directory, "data", "mirror.db"), "a relative MirrorPath is taken from the configuration file's folder");
        config.Strategy.Should().BeSameAs(HighestConfidence.Instance);
        config.Store.QueryTimeout.Should().Be(TimeSpan.FromSeconds(2));
        config.Store.MaxQueryRows.Should().Be(500);
        config.Store.MaxQueryBytes.Should().Be(65536);
        config.Store.MaxPayloadBytes.Should().Be(32768);
        config.Store.QueryMemoryBudget.Should().Be(33554432);
        config.Store.MaxReaders.Should().Be(2);
        config.Store.BusyTimeout.Should().Be(TimeSpan.FromSeconds(10));
        config.Sync.Should().Be(new SyncSettings(TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(2), 0.5));
        config.Syncer.MaxPagesPerSync.Should().Be(50);
        config.Syncer.StreamBatchSize.Should().Be(200);

        var source = config.Sources.Should().ContainSingle().Subject;
        source.Key.Should().Be("Sources:0");
        source.SyncInterval.Should().Be(TimeSpan.FromMinutes(1));
        var o = source.Options;
        o.Id.Should().Be("github");
        o.BaseAddress.Should().Be(new Uri("https://api.github.com/v3/"), "a base address gets its final slash, so that resource paths are relative to all of it");
        o.BearerToken.Should().Be("ghp_secret");
        o.ApiKeyHeader.Should().Be("X-Api-Key");
        o.ApiKey.Should().Be("key-${literal}");
        o.Headers.Should().BeEquivalentTo(new Dictionary<string, string> { ["Accept"] = "application/vnd.github+json", ["User-Agent"] = "oxide-mirror" });
        o.RequestTimeout.Should().Be(TimeSpan.FromSeconds(45));
        o.MaxResponseBytes.Should().Be(1048576);
        o.MaxRetries.Should().Be(2);
        o.RetryBaseDelay.Should().Be(TimeSpan.FromMilliseconds(250));
        o.MaxRetryDelay.Should().Be(TimeSpan.FromSeconds(30));
        o.RequestsPerSecond.Should().Be(2.5);
        o.MaxConcurrency.Should().Be(3);

        o.Resources.Select(r => (r.Name, r.Paginator.ToString())).Should().Equal(
            ("issues", "Link header"),
            ("users", "offset 'skip' and limit 'take'=100"),
            ("repos", "page number 'p'"),
            ("events", "next URL at 'links.next'"),
            ("teams", "cursor token at 'meta.cursor' sent as 'after'"),
            ("meta", "none"));
        var issues = o.Resources[0];
        issues.Path.Should().Be("issues");
        issues.Query.Should().BeEquivalentTo(new Dictionary<string, string> { ["state"] = "all" });
        issues.RecordsPath.Should().Be("items");
        issues.IdField.Should().Be("number");
        issues.EventTimeField.Should().Be("updated_at");
        issues.SinceParameter.Should().Be("since");
        issues.SinceLag.Should().Be(TimeSpan.FromMinutes(1));
        issues.SinceFormat.Should().Be("unix");
        issues.DeleteMissing.Should().BeFalse();
        o.Resources[1].DeleteMissing.Should().BeTrue();
        using var created = source.CreateSource();
        created.ResourceNames.Should().Equal("issues", "users", "repos", "events", "teams", "meta");
    }

    [Fact]
    public void Load_Defaults_AreTheLibrarys()
    {
        _run.WriteConfig("""{ "MirrorPath": "m.db", "Sources": [ { "Id": "a", "BaseAddress": "http://127.0.0.1:9/", "Resources": [ { "Name": "x" } ] } ] }""");

        var config = Load();

        config.Strategy.Should().BeSameAs(LastWriteWins.Instance);
        config.Store.Should().BeEquivalentTo(new MirrorStoreOptions(), o => o.Excluding(s => s.TimeProvider).Excluding(s => s.LoggerFactory).Excluding(s => s.Migrations));
        config.Sync.Should().Be(new SyncSettings(TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), 0.2));
        var defaults = new Http.HttpSourceOptions();
        var o = config.Sources[0].Options;
        (o.MaxRetries, o.RequestTimeout, o.MaxResponseBytes, o.MaxConcurrency, o.RequestsPerSecond, o.RetryBaseDelay, o.MaxRetryDelay)
            .Should().Be((defaults.MaxRetries, defaults.RequestTimeout, defaults.MaxResponseBytes, defaults.MaxConcurrency, defaults.RequestsPerSecond, defaults.RetryBaseDelay, defaults.MaxRetryDelay));
        o.Resources[0].IdField.Should().Be("id");
        o.Resources[0].Paginator.ToString().Should().Be("none");
        config.Sources[0].SyncInterval.Should().BeNull();
    }

    [Fact]
    public void Load_EnvironmentOverride_ReplacesTheFilesValue()
    {
        _run.WriteConfig(Full);
        _run.Environment["GH_TOKEN"] = "from-reference";
        _run.Environment["OXIDEMIRROR__Sources__0__BearerToken"] = "from-override";
        _run.Environment["oxidemirror__Limits__MaxQueryRows"] = "7";
        _run.Environment["OXIDEMIRROR__MirrorPath"] = "/tmp/elsewhere.db";

        var config = Load();

        config.Sources[0].Options.BearerToken.Should().Be("from-override");
        config.Store.MaxQueryRows.Should().Be(7, "the prefix is matched without regard to case");
        config.MirrorPath.Should().Be("/tmp/elsewhere.db");
    }

    [Fact]
    public void Load_EnvironmentOverrideWithReference_IsExpandedToo()
    {
        _run.WriteConfig(Full);
        _run.Environment["OXIDEMIRROR__Sources__0__BearerToken"] = "${OTHER}";
        _run.Environment["OTHER"] = "other-secret";

        Load().Sources[0].Options.BearerToken.Should().Be("other-secret");
    }

    [Fact]
    public void Load_OverrideAddsASecretTheFileLacks()
    {
        _run.WriteConfig("""{ "MirrorPath": "m.db", "Sources": [ { "Id": "a", "BaseAddress": "http://127.0.0.1:9/", "Resources": [ { "Name": "x" } ] } ] }""");
        _run.Environment["OXIDEMIRROR__Sources__0__Headers__X-Token"] = "t";

        Load().Sources[0].Options.Headers.Should().Contain("X-Token", "t");
    }

    [Theory]
    [InlineData("500ms", 0, 0, 0, 500)]
    [InlineData("30s", 0, 0, 30, 0)]
    [InlineData("1.5s", 0, 0, 1, 500)]
    [InlineData("5m", 0, 5, 0, 0)]
    [InlineData("2h", 2, 0, 0, 0)]
    [InlineData("00:01:30", 0, 1, 30, 0)]
    [InlineData("1.02:00:00", 26, 0, 0, 0)]
    public void TryParseDuration_UnitOrTimeSpan_Parses(string text, int hours, int minutes, int seconds, int milliseconds)
    {
        ConfigReader.TryParseDuration(text, out var value).Should().BeTrue();
        value.Should().Be(new TimeSpan(0, hours, minutes, seconds, milliseconds));
    }

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("-1s")]
    [InlineData("5 minutes")]
    [InlineData("-00:00:01")]
    public void TryParseDuration_NotADuration_Fails(string text)
    {
        ConfigReader.TryParseDuration(text, out _).Should().BeFalse();
    }

    [Theory]
    [InlineData("${A}", "a")]
    [InlineData("x${A}y${B}z", "xaybz")]
    [InlineData("$${A}", "${A}")]
    [InlineData("no reference $ { }", "no reference $ { }")]
    public void Expand_References_AreReplaced(string value, string expected)
    {
        VariableExpander.Expand(value, new Dictionary<string, string> { ["A"] = "a", ["B"] = "b" }, out var problem).Should().Be(expected);
        problem.Should().BeNull();
    }

    [Theory]
    [InlineData("${A", "without its closing")]
    [InlineData("${1A}", "is not an environment variable reference")]
    [InlineData("${}", "is not an environment variable reference")]
    [InlineData("${MISSING}", "MISSING, which is not set")]
    public void Expand_BadReference_SaysWhy(string value, string problemText)
    {
        VariableExpander.Expand(value, new Dictionary<string, string> { ["A"] = "a" }, out var problem).Should().BeNull();
        problem.Should().Contain(problemText);
    }
}
