namespace OxideMirror.Tests.Sources.Http;

public sealed class HttpSourceOptionsTests
{
    private static HttpSourceOptions Valid(Action<HttpSourceOptions, HttpResourceOptions>? change = null)
    {
        var options = new HttpSourceOptions { Id = "crm", BaseAddress = new Uri("http://127.0.0.1:9/") };
        var resource = new HttpResourceOptions { Name = "customers", Path = "customers" };
        options.Resources.Add(resource);
        change?.Invoke(options, resource);
        return options;
    }

    public static TheoryData<string, string> BadOptions { get; } = new()
    {
        { "empty id", "HttpSourceOptions.Id is empty" },
        { "no resources", "has no resources" },
        { "relative base", "is not absolute" },
        { "relative path without base", "Path 'customers' is relative and the source has no BaseAddress" },
        { "key without header", "sets only one of ApiKeyHeader and ApiKey" },
        { "duplicate resource", "two resources named 'customers'" },
        { "unnamed resource", "a resource with an empty Name (path 'customers')" },
        { "since without event time", "SinceParameter 'updated_since' needs EventTimeField" },
        { "delete missing incremental", "DeleteMissing needs full-refresh passes" },
        { "bad since format", "SinceFormat 'yyyy-MM-dd%' is not a .NET date format" },
        { "client and handler", "sets both HttpClient and Handler" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Constructor_InvalidOption_ThrowsNamingTheOptionAndTheFix(string scenario, string expected)
    {
        var options = Valid((o, r) =>
        {
            switch (scenario)
            {
                case "empty id": o.Id = " "; break;
                case "no resources": o.Resources.Clear(); break;
                case "relative base": o.BaseAddress = new Uri("api/", UriKind.Relative); break;
                case "relative path without base": o.BaseAddress = null; break;
                case "key without header": o.ApiKey = "secret"; break;
                case "duplicate resource": o.Resources.Add(new HttpResourceOptions { Name = "customers" }); break;
                case "unnamed resource": r.Name = ""; break;
                case "since without event time": r.SinceParameter = "updated_since"; break;
                case "delete missing incremental": r.DeleteMissing = true; r.EventTimeField = "t"; r.SinceParameter = "since"; break;
                case "bad since format": r.SinceFormat = "yyyy-MM-dd%"; break;
                case "client and handler": o.HttpClient = new HttpClient(); o.Handler = new HttpClientHandler(); break;
            }
        });

        var act = () => new HttpSource(options);

        act.Should().Throw<ArgumentException>().Which.Message.Should().Contain(expected);
    }

    [Fact]
    public void Constructor_DeleteMissingWithoutAStore_IsAccepted()
    {
        // Before, DeleteMissing demanded HttpSourceOptions.Store, which a source configured under AddOxideMirror cannot have.
        var options = Valid((_, r) => r.DeleteMissing = true);

        var act = () => new HttpSource(options).Dispose();

        act.Should().NotThrow();
    }

    [Theory]
    [InlineData(-1, 0.0, 1, 500)]
    [InlineData(3, -1.0, 1, 500)]
    [InlineData(3, double.NaN, 1, 500)]
    [InlineData(3, 0.0, 0, 500)]
    [InlineData(3, 0.0, 1, 0)]
    public void Constructor_NumberOutOfRange_ThrowsArgumentOutOfRange(int maxRetries, double requestsPerSecond, int maxConcurrency, int baseDelayMs)
    {
        var options = Valid((o, _) =>
        {
            o.MaxRetries = maxRetries;
            o.RequestsPerSecond = requestsPerSecond;
            o.MaxConcurrency = maxConcurrency;
            o.RetryBaseDelay = TimeSpan.FromMilliseconds(baseDelayMs);
        });

        var act = () => new HttpSource(options);

        act.Should().Throw<ArgumentOutOfRangeException>().Which.Message.Should().Contain("HTTP source 'crm'");
    }

    [Fact]
    public void Constructor_OptionsChangedAfterwards_SourceKeepsItsCopy()
    {
        var options = Valid();
        using var source = new HttpSource(options);

        options.Resources[0].Name = "renamed";
        options.Resources.Add(new HttpResourceOptions { Name = "more", Path = "more" });

        source.ResourceNames.Should().Equal("customers");
    }

    [Fact]
    public void Paginators_InvalidArguments_Throw()
    {
        FluentActions.Invoking(() => HttpPaginator.Offset(0)).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => HttpPaginator.CursorToken("", "cursor")).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => HttpPaginator.PageNumber(firstPage: -1)).Should().Throw<ArgumentOutOfRangeException>();
        HttpPaginator.CursorToken("meta.next", "after").ToString().Should().Be("cursor token at 'meta.next' sent as 'after'");
    }
}
