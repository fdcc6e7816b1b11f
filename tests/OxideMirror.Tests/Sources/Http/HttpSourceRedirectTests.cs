using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace OxideMirror.Tests.Sources.Http;

/// <summary>
/// Servers that answer with redirects: to the same origin (followed, with the credentials), to another host (refused
/// before anything is sent there), in a loop, and through a caller's own handler or client.
/// </summary>
public sealed class HttpSourceRedirectTests
{
    private const string Token = "secret-token";
    private const string Key = "k-secret";

    private static HttpSource Source(LoopbackServer server, string path, Action<HttpSourceOptions>? configure = null)
    {
        var options = new HttpSourceOptions { Id = "api", BaseAddress = server.BaseAddress, TimeProvider = new SteppingTimeProvider(), RequestTimeout = Timeout.InfiniteTimeSpan, MaxRetries = 1 };
        options.Resources.Add(new HttpResourceOptions { Name = "things", Path = path });
        configure?.Invoke(options);
        return new HttpSource(options);
    }

    /// <summary>Sets the source's credentials the way <paramref name="credentials"/> names.</summary>
    private static Action<HttpSourceOptions> Credentials(string credentials) => o =>
    {
        switch (credentials)
        {
            case "bearer":
                o.BearerToken = Token;
                break;
            case "api-key":
                o.ApiKeyHeader = "X-Api-Key";
                o.ApiKey = Key;
                break;
            case "header":
                o.Headers["X-Api-Key"] = Key;
                break;
        }
    };

    /// <summary>Says whether a request carries the credential that <paramref name="credentials"/> configures.</summary>
    private static bool HasCredential(HttpContext c, string credentials) => credentials == "bearer"
        ? c.Request.Headers.Authorization == "Bearer " + Token
        : c.Request.Headers["X-Api-Key"] == Key;

    /// <summary>A server that hands out records to anyone, and writes down every credential it was sent.</summary>
    private static Task<LoopbackServer> CollectorAsync(ConcurrentQueue<string> seen) =>
        LoopbackServer.StartAsync(app => app.MapGet("/collect", (HttpContext c) =>
        {
            seen.Enqueue(c.Request.Headers.Authorization + "|" + c.Request.Headers["X-Api-Key"]);
            return Results.Json(new[] { new { id = "foreign" } });
        }));

    private static Task<LoopbackServer> RedirectingAsync(Uri to, int status = 302) =>
        LoopbackServer.StartAsync(app => app.MapGet("/things", (HttpContext c) =>
        {
            c.Response.StatusCode = status;
            c.Response.Headers.Location = to.AbsoluteUri;
            return Task.CompletedTask;
        }));

    [Theory]
    [InlineData("bearer", 302)]
    [InlineData("api-key", 302)]
    [InlineData("api-key", 307)]
    [InlineData("api-key", 308)]
    [InlineData("header", 301)]
    [InlineData("header", 303)]
    public async Task SyncAsync_RedirectToAnotherHost_FailsThePageWithoutSendingAnythingThere(string credentials, int status)
    {
        // Before, the client followed the redirect: the API key reached the other host and its records were mirrored.
        var seen = new ConcurrentQueue<string>();
        await using var other = await CollectorAsync(seen);
        await using var server = await RedirectingAsync(new Uri(other.BaseAddress, "collect?token=abc"), status);
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var source = Source(server, "things", Credentials(credentials));

        var act = () => new Syncer(store).SyncAsync(source);

        var error = (await act.Should().ThrowAsync<HttpSourceException>()).Which;
        error.StatusCode.Should().Be((HttpStatusCode)status);
        error.Message.Should().Contain($"was redirected (HTTP {status}) to another host, {other.BaseAddress}collect,")
            .And.Contain("than the one requested (" + server.BaseAddress.GetLeftPart(UriPartial.Authority) + ")")
            .And.Contain("resource 'things'").And.Contain("nothing of this page was applied")
            .And.NotContain("token=abc").And.NotContain(Token).And.NotContain(Key);
        other.Requests.Should().BeEmpty("nothing is sent to a host the source was not configured for");
        server.Requests.Should().Equal("/things");
        (await store.EventCountAsync()).Should().Be(0);
        (await store.GetCursorAsync("api")).Should().BeNull();
    }

    [Theory]
    [InlineData("bearer", 302)]
    [InlineData("api-key", 301)]
    [InlineData("header", 308)]
    public async Task SyncAsync_RedirectOnTheSameOrigin_IsFollowedWithTheCredentials(string credentials, int status)
    {
        // Before, .NET followed it and dropped the Authorization header on the way, so a bearer token got 401.
        await using var server = await LoopbackServer.StartAsync(app =>
        {
            app.MapGet("/v1/things", (HttpContext c) =>
            {
                c.Response.StatusCode = status;
                c.Response.Headers.Location = "/v2/things" + c.Request.QueryString;
                return Task.CompletedTask;
            });
            app.MapGet("/v2/things", (HttpContext c) => HasCredential(c, credentials)
                ? Results.Json(c.Request.Query.ContainsKey("page") ? new { items = new[] { new { id = "b" } }, next = (string?)null } : new { items = new[] { new { id = "a" } }, next = (string?)"things?page=2" })
                : Results.StatusCode(401));
        });
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var source = Source(server, "v1/things", o =>
        {
            Credentials(credentials)(o);
            o.Resources[0].RecordsPath = "items";
            o.Resources[0].Paginator = HttpPaginator.NextUrlInBody("next");
        });

        await new Syncer(store).SyncAsync(source);

        (await store.GetRecordAsync("things", "a")).Should().NotBeNull();
        (await store.GetRecordAsync("things", "b")).Should().NotBeNull();
        // The relative next link resolves against the page the redirect landed on, not the one first asked for.
        server.Requests.Should().Equal("/v1/things", "/v2/things", "/v2/things?page=2");
        source.RequestCount.Should().Be(3, "every redirect is a request of its own");
    }

    [Fact]
    public async Task SyncAsync_RedirectLoopOnTheSameOrigin_FailsAfterTheLimit()
    {
        // Before, the client followed 50 redirects and the page failed as a plain "HTTP 302".
        await using var server = await LoopbackServer.StartAsync(app => app.MapGet("/things", (HttpContext c) =>
        {
            c.Response.StatusCode = 302;
            c.Response.Headers.Location = "/things?hop=" + (int.Parse(c.Request.Query["hop"].FirstOrDefault() ?? "0", System.Globalization.CultureInfo.InvariantCulture) + 1);
            return Task.CompletedTask;
        }));
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var source = Source(server, "things", Credentials("api-key"));

        var act = () => new Syncer(store).SyncAsync(source);

        var error = (await act.Should().ThrowAsync<HttpSourceException>()).Which;
        error.StatusCode.Should().Be(HttpStatusCode.Found);
        error.Message.Should().Contain("was redirected more than 5 times; redirect 6 (HTTP 302) points to " + server.BaseAddress + "things;")
            .And.Contain("resource 'things'").And.Contain("nothing of this page was applied");
        server.Requests.Should().HaveCount(6, "the first request and five redirects; a redirect loop is not retried");
        (await store.EventCountAsync()).Should().Be(0);
    }

    [Theory]
    [InlineData("ftp://127.0.0.1/things", "whose scheme 'ftp' is not http or https")]
    [InlineData("https://{authority}/things", "to another host, https://")]
    public async Task SyncAsync_RedirectToAnotherSchemeOnTheSameHost_FailsThePage(string location, string expected)
    {
        // Before, the client quietly did not follow these, and the page failed as a plain "HTTP 302 … check the Path".
        await using var server = await LoopbackServer.StartAsync(app => app.MapGet("/things", (HttpContext c) =>
        {
            c.Response.StatusCode = 302;
            c.Response.Headers.Location = location.Replace("{authority}", c.Request.Host.Value, StringComparison.Ordinal);
            return Task.CompletedTask;
        }));
        using var source = Source(server, "things", Credentials("bearer"));

        var act = () => source.PullAsync(null);

        (await act.Should().ThrowAsync<HttpSourceException>()).Which.Message.Should().Contain("was redirected (HTTP 302)").And.Contain(expected);
        server.Requests.Should().Equal("/things");
    }

    [Fact]
    public async Task SyncAsync_CallerHandlerThatFollowsRedirects_IsTurnedOffSoAnotherHostGetsNothing()
    {
        // A handler passed in Handler (here a SocketsHttpHandler under a DelegatingHandler, as most are) follows
        // redirects by default; before, it sent the API key to the other host and its records were mirrored.
        var seen = new ConcurrentQueue<string>();
        await using var other = await CollectorAsync(seen);
        await using var server = await RedirectingAsync(new Uri(other.BaseAddress, "collect"));
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var inner = new SocketsHttpHandler();
        using var handler = new PassThrough(inner);
        using var source = Source(server, "things", o => { Credentials("api-key")(o); o.Handler = handler; });

        var act = () => new Syncer(store).SyncAsync(source);

        (await act.Should().ThrowAsync<HttpSourceException>()).Which.Message.Should().Contain("to another host, " + other.BaseAddress + "collect");
        inner.AllowAutoRedirect.Should().BeFalse();
        other.Requests.Should().BeEmpty();
        (await store.EventCountAsync()).Should().Be(0);
    }

    [Fact]
    public async Task SyncAsync_CallerClientThatFollowsRedirects_FailsThePageButCannotStopTheHeadersGoingThere()
    {
        // The source cannot change a caller's HttpClient: its handler follows the redirect before the source sees it,
        // and .NET forwards every header but Authorization. The source refuses the answer (nothing of the other host is
        // mirrored) and says to turn the handler's redirects off. Before, the sync succeeded with the other host's records.
        var seen = new ConcurrentQueue<string>();
        await using var other = await CollectorAsync(seen);
        await using var server = await RedirectingAsync(new Uri(other.BaseAddress, "collect"));
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var client = new HttpClient();
        using var source = Source(server, "things", o => { Credentials("api-key")(o); o.HttpClient = client; });

        var act = () => new Syncer(store).SyncAsync(source);

        var error = (await act.Should().ThrowAsync<HttpSourceException>()).Which;
        error.Message.Should().Contain("was redirected to another host, " + other.BaseAddress + "collect,")
            .And.Contain("by the HttpClient's own handler").And.Contain("AllowAutoRedirect = false").And.NotContain(Key);
        seen.Should().Equal("|" + Key);
        (await store.EventCountAsync()).Should().Be(0);
        (await store.GetRecordAsync("things", "foreign")).Should().BeNull();
    }

    [Fact]
    public async Task SyncAsync_CallerClientWithoutAutoRedirect_RedirectsAreCheckedByTheSource()
    {
        // Before, the 302 came back to the source, which failed the page as "HTTP 302 … check the Path".
        var seen = new ConcurrentQueue<string>();
        await using var other = await CollectorAsync(seen);
        await using var server = await RedirectingAsync(new Uri(other.BaseAddress, "collect"));
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false });
        using var source = Source(server, "things", o => { Credentials("api-key")(o); o.HttpClient = client; });

        var act = () => new Syncer(store).SyncAsync(source);

        (await act.Should().ThrowAsync<HttpSourceException>()).Which.Message.Should().Contain("was redirected (HTTP 302) to another host, " + other.BaseAddress + "collect,");
        other.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task Constructor_HandlerAlreadyInUseThatFollowsRedirects_ThrowsSayingToTurnThemOff()
    {
        // Before, the source used it as it was, following redirects to any host.
        await using var server = await LoopbackServer.StartAsync(app => app.MapGet("/", () => "ok"));
        using var handler = new SocketsHttpHandler();
        using (var client = new HttpClient(handler, disposeHandler: false))
        {
            await client.GetStringAsync(server.BaseAddress);
        }

        var act = () => Source(server, "things", o => o.Handler = handler);

        act.Should().Throw<ArgumentException>().Which.Message.Should()
            .Contain("HTTP source 'api'").And.Contain("SocketsHttpHandler").And.Contain("follows redirects").And.Contain("AllowAutoRedirect = false");
    }

    private sealed class PassThrough(HttpMessageHandler inner) : DelegatingHandler(inner);
}
