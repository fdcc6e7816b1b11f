using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace OxideMirror.Tests.Sources.Http;

/// <summary>Servers whose pagination misbehaves: links to other hosts, unreadable links, pages that never end.</summary>
public sealed class HttpSourcePagingTests
{
    private static HttpSource Source(LoopbackServer server, HttpResourceOptions resource, Action<HttpSourceOptions>? configure = null)
    {
        var options = new HttpSourceOptions { Id = "api", BaseAddress = server.BaseAddress, TimeProvider = new SteppingTimeProvider(), RequestTimeout = Timeout.InfiniteTimeSpan, MaxRetries = 1 };
        options.Resources.Add(resource);
        configure?.Invoke(options);
        return new HttpSource(options);
    }

    /// <summary>A syncer that stops after 50 pages, so that a loop the source misses fails the test instead of hanging it.</summary>
    private static Syncer Syncer(MirrorStore store) => new(store, null, new SyncerOptions { MaxPagesPerSync = 50 });

    private static HttpResourceOptions NextUrl() =>
        new() { Name = "things", Path = "things", RecordsPath = "items", Paginator = HttpPaginator.NextUrlInBody("next") };

    /// <summary>Serves <c>/things</c> with one record per page, and the next page's link that <paramref name="next"/> gives for each request.</summary>
    private static Task<LoopbackServer> ServeAsync(Func<HttpContext, object?> next) =>
        LoopbackServer.StartAsync(app => app.MapGet("/things", (HttpContext c) =>
            Results.Json(new { items = new[] { new { id = c.Request.QueryString.HasValue ? c.Request.QueryString.Value : "first" } }, next = next(c) })));

    [Fact]
    public async Task SyncAsync_NextUrlOnAnotherHost_RefusesWithoutSendingTheCredentials()
    {
        var authorizations = new ConcurrentQueue<string>();
        await using var server = await LoopbackServer.StartAsync(app =>
        {
            app.MapGet("/things", (HttpContext c) => Results.Json(new
            {
                items = new[] { new { id = "a" } },
                next = $"http://localhost:{c.Request.Host.Port}/collect?page=2",
            }));
            app.MapGet("/collect", (HttpContext c) =>
            {
                authorizations.Enqueue(c.Request.Headers.Authorization.ToString());
                return Results.Json(new { items = Array.Empty<object>() });
            });
        });
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var source = Source(server, NextUrl(), o => o.BearerToken = "secret-token");

        var act = () => Syncer(store).SyncAsync(source);

        var error = (await act.Should().ThrowAsync<HttpSourceException>()).Which;
        error.Message.Should().Contain("'next'").And.Contain("http://localhost:").And.Contain("another host").And.Contain(server.BaseAddress.GetLeftPart(UriPartial.Authority))
            .And.NotContain("page=2").And.NotContain("secret-token");
        authorizations.Should().BeEmpty("the token must never reach a host the source was not configured for");
        server.Requests.Should().Equal("/things");
        (await store.EventCountAsync()).Should().Be(0, "the page that carried the link is not applied");
        (await store.GetCursorAsync("api")).Should().BeNull();
    }

    [Theory]
    [InlineData("http://[::bad", "is not a URL")]
    [InlineData("file:///etc/passwd", "not http or https")]
    [InlineData("ftp://127.0.0.1/x", "not http or https")]
    public async Task SyncAsync_UnusableNextUrl_ThrowsHttpSourceExceptionQuotingIt(string next, string expected)
    {
        await using var server = await ServeAsync(_ => next);
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var source = Source(server, NextUrl());

        var act = () => Syncer(store).SyncAsync(source);

        (await act.Should().ThrowAsync<HttpSourceException>()).Which.Message.Should()
            .Contain($"'{next}'").And.Contain(expected).And.Contain("resource 'things'").And.Contain("nothing of this page was applied");
        (await store.EventCountAsync()).Should().Be(0);
        server.Requests.Should().HaveCount(1);
    }

    [Fact]
    public async Task SyncAsync_NextUrlPointsAtTheSamePage_ThrowsInsteadOfLoopingForever()
    {
        await using var server = await ServeAsync(_ => "/things");
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var source = Source(server, NextUrl());

        var act = () => Syncer(store).SyncAsync(source);

        (await act.Should().ThrowAsync<HttpSourceException>()).Which.Message.Should()
            .Contain("resource 'things'").And.Contain("Page 1").And.Contain("never end").And.Contain("next URL at 'next'");
        server.Requests.Should().HaveCount(1);
        (await store.EventCountAsync()).Should().Be(0);
    }

    [Fact]
    public async Task SyncAsync_NextUrlsCycle_ThrowsOnTheFirstRepeatedPage()
    {
        // page=1 -> page=2 -> page=3 -> page=2 -> …
        await using var server = await ServeAsync(c => (c.Request.Query["page"].FirstOrDefault() ?? "1") switch
        {
            "1" => "/things?page=2",
            "2" => "/things?page=3",
            _ => "/things?page=2",
        });
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var source = Source(server, NextUrl());

        var act = () => Syncer(store).SyncAsync(source);

        (await act.Should().ThrowAsync<HttpSourceException>()).Which.Message.Should().Contain("Page 3").And.Contain("page 2 of this pass").And.Contain("never end");
        server.Requests.Should().Equal("/things", "/things?page=2", "/things?page=3");
        (await store.EventCountAsync()).Should().Be(2, "the two pages before the loop were good and committed; the page that loops back is not");
    }

    [Fact]
    public async Task SyncAsync_LinkHeaderPointsAtTheSamePage_ThrowsInsteadOfLoopingForever()
    {
        await using var server = await LoopbackServer.StartAsync(app => app.MapGet("/things", (HttpContext c) =>
        {
            c.Response.Headers.Link = "</things>; rel=\"next\"";
            return Results.Json(new[] { new { id = "a" } });
        }));
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var source = Source(server, new HttpResourceOptions { Name = "things", Path = "things", Paginator = HttpPaginator.LinkHeader });

        var act = () => Syncer(store).SyncAsync(source);

        (await act.Should().ThrowAsync<HttpSourceException>()).Which.Message.Should().Contain("never end").And.Contain("Link header");
        server.Requests.Should().HaveCount(1);
    }

    [Fact]
    public async Task SyncAsync_CursorTokenRepeats_ThrowsNamingTheToken()
    {
        await using var server = await LoopbackServer.StartAsync(app => app.MapGet("/things", () =>
            Results.Json(new { items = new[] { new { id = "a" } }, meta = new { cursor = "abc" } })));
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var source = Source(server, new HttpResourceOptions { Name = "things", Path = "things", RecordsPath = "items", Paginator = HttpPaginator.CursorToken("meta.cursor", "cursor") });

        var act = () => Syncer(store).SyncAsync(source);

        (await act.Should().ThrowAsync<HttpSourceException>()).Which.Message.Should().Contain("'abc'").And.Contain("Page 2").And.Contain("never end");
        server.Requests.Should().Equal("/things", "/things?cursor=abc");
        (await store.EventCountAsync()).Should().Be(1);
    }

    [Theory]
    [InlineData("page")]
    [InlineData("offset")]
    public async Task SyncAsync_ServerIgnoresThePagingParameter_ThrowsInsteadOfLoopingForever(string style)
    {
        await using var server = await LoopbackServer.StartAsync(app => app.MapGet("/things", () => Results.Json(new[] { new { id = "a" }, new { id = "b" } })));
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var paginator = style == "page" ? HttpPaginator.PageNumber() : HttpPaginator.Offset(2);
        using var source = Source(server, new HttpResourceOptions { Name = "things", Path = "things", Paginator = paginator });

        var act = () => Syncer(store).SyncAsync(source);

        (await act.Should().ThrowAsync<HttpSourceException>()).Which.Message.Should()
            .Contain("the same 2 record(s)").And.Contain("Page 2").And.Contain("ignores").And.Contain(paginator.ToString());
        server.Requests.Should().HaveCount(2);
        (await store.EventCountAsync()).Should().Be(2, "the first page was good and committed");
    }
}
