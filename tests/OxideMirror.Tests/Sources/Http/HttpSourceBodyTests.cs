using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace OxideMirror.Tests.Sources.Http;

/// <summary>Response bodies as real servers send them: byte order marks, other charsets, bytes that are not UTF-8, no content.</summary>
public sealed class HttpSourceBodyTests
{
    private const string Json = "[{\"id\":\"caf\u00e9\",\"name\":\"Cr\u00e8me br\u00fbl\u00e9e \u4e2d\"}]";

    private static HttpSource Source(LoopbackServer server)
    {
        var options = new HttpSourceOptions { Id = "api", BaseAddress = server.BaseAddress, TimeProvider = new SteppingTimeProvider(), RequestTimeout = Timeout.InfiniteTimeSpan };
        options.Resources.Add(new HttpResourceOptions { Name = "things", Path = "things" });
        return new HttpSource(options);
    }

    private static Task<LoopbackServer> ServeAsync(byte[] body, string contentType, int status = 200) =>
        LoopbackServer.StartAsync(app => app.MapGet("/things", async (HttpContext c) =>
        {
            c.Response.StatusCode = status;
            c.Response.ContentType = contentType;
            await c.Response.Body.WriteAsync(body);
        }));

    public static TheoryData<string, string> Encodings => new()
    {
        { "utf-8 with BOM", "application/json" },
        { "utf-8 with BOM", "application/json; charset=utf-8" },
        { "iso-8859-1", "application/json; charset=ISO-8859-1" },
        { "utf-16 with BOM", "application/json; charset=utf-16" },
        { "utf-16 with BOM", "application/json" },
        { "utf-16BE", "application/json; charset=\"utf-16BE\"" },
    };

    [Theory]
    [MemberData(nameof(Encodings))]
    public async Task SyncAsync_BodyInAnotherEncoding_IsDecodedAsDeclared(string encoding, string contentType)
    {
        var text = encoding == "iso-8859-1" ? Json.Replace(" \u4e2d", "", StringComparison.Ordinal) : Json;
        var body = encoding switch
        {
            "utf-8 with BOM" => [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(text)],
            "iso-8859-1" => Encoding.Latin1.GetBytes(text),
            "utf-16 with BOM" => [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(text)],
            _ => Encoding.BigEndianUnicode.GetBytes(text),
        };
        await using var server = await ServeAsync(body, contentType);
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var source = Source(server);

        await new Syncer(store).SyncAsync(source);

        var record = await store.GetRecordAsync("things", "caf\u00e9");
        record.Should().NotBeNull();
        record!.Payload.GetProperty("name").GetString().Should().Be(encoding == "iso-8859-1" ? "Cr\u00e8me br\u00fbl\u00e9e" : "Cr\u00e8me br\u00fbl\u00e9e \u4e2d");
    }

    [Fact]
    public async Task SyncAsync_BodyNotUtf8WithoutCharset_ThrowsNamingTheByteAndCommitsNothing()
    {
        await using var server = await ServeAsync(Encoding.Latin1.GetBytes("[{\"id\":\"caf\u00e9\"}]"), "application/json");
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var source = Source(server);

        var act = () => new Syncer(store).SyncAsync(source);

        (await act.Should().ThrowAsync<HttpSourceException>()).Which.Message.Should()
            .Contain("not valid UTF-8").And.Contain("byte 0xE9 at offset 11").And.Contain("names no charset").And.Contain("resource 'things'").And.Contain("nothing of this page was applied");
        (await store.EventCountAsync()).Should().Be(0);
    }

    [Fact]
    public async Task PullAsync_NoContent_IsAnEmptyPageThatEndsThePass()
    {
        await using var server = await LoopbackServer.StartAsync(app => app.MapGet("/things", () => Results.NoContent()));
        using var source = Source(server);

        var page = await source.PullAsync(null);

        page.Deltas.Should().BeEmpty();
        page.HasMore.Should().BeFalse();
        server.Requests.Should().HaveCount(1);
    }
}
