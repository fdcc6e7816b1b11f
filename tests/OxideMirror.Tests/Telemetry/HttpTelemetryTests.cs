using Microsoft.AspNetCore.Http;
using OxideMirror.Tests.Sources.Http;

namespace OxideMirror.Tests.Telemetry;

public sealed class HttpTelemetryTests
{
    [Fact]
    public async Task SyncAsync_AgainstALoopbackServer_CountsRequestsRetriesThrottlingAndWaits()
    {
        var api = new FakeItemsApi(3);
        var calls = 0;
        api.Intercept = async c =>
        {
            switch (Interlocked.Increment(ref calls))
            {
                case 2:
                    c.Response.StatusCode = 429;
                    c.Response.Headers.RetryAfter = "7";
                    await c.Response.WriteAsync("slow down");
                    return true;
                case 3:
                    c.Response.StatusCode = 503;
                    return true;
                default:
                    return false;
            }
        };
        await using var server = await LoopbackServer.StartAsync(api.Map);
        var id = "tel-http-" + Guid.NewGuid().ToString("N");
        using var capture = TelemetryCapture.ForSource(id);
        await using var store = await MirrorStore.OpenInMemoryAsync();
        var time = new SteppingTimeProvider();
        var options = new HttpSourceOptions { Id = id, BaseAddress = server.BaseAddress, RequestTimeout = Timeout.InfiniteTimeSpan, TimeProvider = time, MaxRetries = 3 };
        options.Resources.Add(FakeItemsApi.Resource("next"));
        using var source = new HttpSource(options);

        await new Syncer(store).SyncAsync(source);

        var requests = capture.Of("oxidemirror.http.requests");
        requests.Sum(r => r.Value).Should().Be(server.Requests.Count).And.Be(4);
        requests.Should().OnlyContain(r => Equals(r.Tag("oxidemirror.resource"), "items") && r.Unit == "{request}");
        requests.GroupBy(r => r.Tag("http.response.status_code")).ToDictionary(g => g.Key!, g => g.Sum(r => r.Value))
            .Should().BeEquivalentTo(new Dictionary<object, double> { [200] = 2, [429] = 1, [503] = 1 });
        capture.Of("oxidemirror.http.throttled").Should().ContainSingle().Which.Unit.Should().Be("{response}");
        capture.Of("oxidemirror.http.retries").Select(r => r.Tag("error.type")).Should().Equal("429", "503");
        var waits = capture.Of("oxidemirror.http.wait.duration");
        waits.Should().HaveCount(2).And.OnlyContain(r => r.Unit == "s");
        waits[0].Value.Should().Be(7);
        waits[0].Tag("oxidemirror.wait.reason").Should().Be("retry_after");
        waits[1].Tag("oxidemirror.wait.reason").Should().Be("backoff");
        capture.Of("oxidemirror.sync.pages").Sum(r => r.Value).Should().BeGreaterThan(0, "the sync of the HTTP source is measured too");
    }
}
