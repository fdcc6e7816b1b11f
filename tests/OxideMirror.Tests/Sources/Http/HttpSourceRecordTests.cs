using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace OxideMirror.Tests.Sources.Http;

public sealed class HttpSourceRecordTests
{
    private static HttpSource Source(LoopbackServer server, HttpResourceOptions resource, Action<HttpSourceOptions>? configure = null)
    {
        var options = new HttpSourceOptions { Id = "api", BaseAddress = server.BaseAddress, TimeProvider = new SteppingTimeProvider(), RequestTimeout = Timeout.InfiniteTimeSpan };
        options.Resources.Add(resource);
        configure?.Invoke(options);
        return new HttpSource(options);
    }

    [Theory]
    [InlineData("next")]
    [InlineData("link")]
    [InlineData("cursor")]
    [InlineData("offset")]
    [InlineData("page")]
    public async Task PullAsync_SameCursorTwice_ReturnsSameRecordsAndCursor(string style)
    {
        var api = new FakeItemsApi(5);
        await using var server = await LoopbackServer.StartAsync(api.Map);
        using var source = Source(server, FakeItemsApi.Resource(style));
        string? cursor = null;
        for (var guard = 0; guard < 10; guard++)
        {
            var first = await source.PullAsync(cursor);
            var again = await source.PullAsync(cursor);

            again.Deltas.Select(d => d.RecordId + d.Payload.GetRawText()).Should().Equal(first.Deltas.Select(d => d.RecordId + d.Payload.GetRawText()));
            again.Deltas.Select(d => d.OccurredAt).Should().Equal(first.Deltas.Select(d => d.OccurredAt));
            again.NextCursor.Should().Be(first.NextCursor);
            again.HasMore.Should().Be(first.HasMore);
            if (!first.HasMore)
            {
                first.NextCursor.Should().NotBeNull();
                return;
            }

            first.NextCursor.Should().NotBe(cursor);
            cursor = first.NextCursor;
        }

        Assert.Fail("five records must end within ten pages");
    }

    [Fact]
    public async Task PullAsync_NumberIdsUnixTimesQueryAndAbsolutePath_MapsEachRecord()
    {
        string? query = null;
        await using var server = await LoopbackServer.StartAsync(app => app.MapGet("/v2/things", (HttpContext c) =>
        {
            query = c.Request.QueryString.Value;
            return Results.Json(new object[] { new { key = 7, at = 1_767_225_600 }, new { key = 8, at = 1_767_225_660 } });
        }));
        var resource = new HttpResourceOptions
        {
            Name = "things",
            Path = new Uri(server.BaseAddress, "v2/things?fixed=1").AbsoluteUri,
            IdField = "key",
            EventTimeField = "at",
        };
        resource.Query["q"] = "a b&c";
        using var source = Source(server, resource, o => o.BaseAddress = null);

        var page = await source.PullAsync(null);

        page.Deltas.Select(d => d.RecordId).Should().Equal("7", "8");
        page.Deltas.Select(d => d.OccurredAt).Should().Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 1, 1, 0, 1, 0, TimeSpan.Zero));
        page.Deltas.Should().OnlyContain(d => d.Resource == "things" && d.Op == DeltaOp.Upsert && d.Provenance.Source == "api");
        page.HasMore.Should().BeFalse();
        query.Should().Be("?fixed=1&q=a%20b%26c");
    }

    [Fact]
    public async Task PullAsync_WholeNumberIdsWrittenDifferently_MapToOneRecordId()
    {
        // A server whose serialiser writes 7.0 or 7e0 for 7 must not turn one record into three.
        await using var server = await LoopbackServer.StartAsync(app => app.MapGet("/things", async (HttpContext c) =>
        {
            c.Response.ContentType = "application/json";
            await c.Response.WriteAsync("[{\"id\":7},{\"id\":7.0},{\"id\":7e0},{\"id\":-0},{\"id\":7.5},{\"id\":1e40}]");
        }));
        using var source = Source(server, new HttpResourceOptions { Name = "things", Path = "things" });

        var page = await source.PullAsync(null);

        page.Deltas.Select(d => d.RecordId).Should().Equal("7", "7", "7", "0", "7.5", "1e40");
    }

    [Fact]
    public async Task PullAsync_RecordWithoutIdField_ThrowsNamingTheField()
    {
        await using var server = await LoopbackServer.StartAsync(app => app.MapGet("/things", () => Results.Json(new object[] { new { uuid = "x" } })));
        using var source = Source(server, new HttpResourceOptions { Name = "things", Path = "things" });

        var act = () => source.PullAsync(null);

        (await act.Should().ThrowAsync<HttpSourceException>()).Which.Message.Should()
            .Contain("Record 0 of the page has no string or number 'id' field (an object with properties [uuid])").And.Contain("Set IdField");
    }

    [Fact]
    public async Task PullAsync_UnreadableEventTime_ThrowsNamingTheField()
    {
        await using var server = await LoopbackServer.StartAsync(app => app.MapGet("/things", () => Results.Json(new object[] { new { id = "x", updated = "yesterday" } })));
        using var source = Source(server, new HttpResourceOptions { Name = "things", Path = "things", EventTimeField = "updated" });

        var act = () => source.PullAsync(null);

        (await act.Should().ThrowAsync<HttpSourceException>()).Which.Message.Should().Contain("Record 'x' has no readable 'updated' field");
    }

    [Fact]
    public async Task SyncAsync_EmptyStringId_ThrowsNamingTheIdFieldAndCommitsNothing()
    {
        await using var server = await LoopbackServer.StartAsync(app => app.MapGet("/things", () => Results.Json(new object[] { new { id = "a" }, new { id = "" } })));
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var source = Source(server, new HttpResourceOptions { Name = "things", Path = "things" });

        var act = () => new Syncer(store).SyncAsync(source);

        (await act.Should().ThrowAsync<HttpSourceException>()).Which.Message.Should()
            .Contain("Record 1 of the page has an empty 'id'").And.Contain("Set IdField").And.Contain("resource 'things'");
        (await store.EventCountAsync()).Should().Be(0);
    }

    [Fact]
    public async Task PullAsync_VeryLongIdInAnError_IsCutInTheMessage()
    {
        var id = new string('x', 100_000);
        await using var server = await LoopbackServer.StartAsync(app => app.MapGet("/things", () => Results.Json(new object[] { new { id, updated = "never" } })));
        using var source = Source(server, new HttpResourceOptions { Name = "things", Path = "things", EventTimeField = "updated" });

        var act = () => source.PullAsync(null);

        var message = (await act.Should().ThrowAsync<HttpSourceException>()).Which.Message;
        message.Should().Contain("Record '" + id[..100] + "…' has no readable 'updated' field");
        message.Length.Should().BeLessThan(1_000);
    }

    [Fact]
    public async Task SyncAsync_IncrementalHighWaterAtTheEarliestDate_StartsTheNextPassFromItInsteadOfFailing()
    {
        var sent = new System.Collections.Concurrent.ConcurrentQueue<string?>();
        await using var server = await LoopbackServer.StartAsync(app => app.MapGet("/things", (HttpContext c) =>
        {
            // A Go service's zero time.Time, for a record never updated.
            sent.Enqueue(c.Request.Query["since"].FirstOrDefault());
            return Results.Json(new object[] { new { id = "a", updated = "0001-01-01T00:00:00Z" } });
        }));
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var resource = new HttpResourceOptions { Name = "things", Path = "things", EventTimeField = "updated", SinceParameter = "since", SinceLag = TimeSpan.FromMinutes(5) };
        using var source = Source(server, resource);
        var syncer = new Syncer(store);
        await syncer.SyncAsync(source);

        await syncer.SyncAsync(source);

        sent.Should().Equal(null, "0001-01-01T00:00:00.000Z");
    }

    [Fact]
    public async Task PullAsync_NotFound_ThrowsWithStatusWithoutRetrying()
    {
        await using var server = await LoopbackServer.StartAsync(_ => { });
        using var source = Source(server, new HttpResourceOptions { Name = "things", Path = "missing" });

        var act = () => source.PullAsync(null);

        var error = (await act.Should().ThrowAsync<HttpSourceException>()).Which;
        error.StatusCode.Should().Be(HttpStatusCode.NotFound);
        error.Resource.Should().Be("things");
        error.Message.Should().Contain("HTTP 404").And.Contain("GET http://127.0.0.1").And.Contain("/missing");
        server.Requests.Should().HaveCount(1);
    }

    [Fact]
    public async Task PullAsync_CallerSuppliedHandler_IsUsedForEveryRequest()
    {
        await using var server = await LoopbackServer.StartAsync(app => app.MapGet("/things", (HttpContext c) =>
            c.Request.Headers["X-Signed"] == "yes" ? Results.Json(new object[] { new { id = "a" } }) : Results.StatusCode(403)));
        using var handler = new SigningHandler();
        using var source = Source(server, new HttpResourceOptions { Name = "things", Path = "things" }, o => o.Handler = handler);

        var page = await source.PullAsync(null);

        page.Deltas.Should().ContainSingle().Which.RecordId.Should().Be("a");
        handler.Calls.Should().Be(1);
    }

    [Fact]
    public async Task PullAsync_CallerSuppliedClientTimesOut_RetriesAsATimeout()
    {
        var calls = 0;
        await using var server = await LoopbackServer.StartAsync(app => app.MapGet("/things", async (HttpContext c) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                await Task.Delay(TimeSpan.FromSeconds(30), c.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            }

            return Results.Json(new object[] { new { id = "a" } });
        }));
        using var client = new HttpClient { Timeout = TimeSpan.FromMilliseconds(300) };
        using var source = Source(server, new HttpResourceOptions { Name = "things", Path = "things" }, o => o.HttpClient = client);

        var page = await source.PullAsync(null);

        page.Deltas.Should().ContainSingle();
        server.Requests.Should().HaveCount(2);
        source.RequestCount.Should().Be(2);
    }

    private sealed class SigningHandler() : DelegatingHandler(new SocketsHttpHandler())
    {
        public int Calls { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Calls++;
            request.Headers.Add("X-Signed", "yes");
            return base.SendAsync(request, cancellationToken);
        }
    }
}
