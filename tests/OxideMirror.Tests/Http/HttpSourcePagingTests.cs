using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace OxideMirror.Tests.Http;

/// <summary>Servers whose pagination misbehaves: links to other hosts, unreadable links.</summary>
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
}
