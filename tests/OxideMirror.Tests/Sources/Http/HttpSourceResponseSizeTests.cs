using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace OxideMirror.Tests.Sources.Http;

/// <summary>
/// Bodies larger than <see cref="HttpSourceOptions.MaxResponseBytes"/>, with and without a Content-Length: refused
/// while they are read, not after, so a server cannot make the source hold more than the limit.
/// </summary>
public sealed class HttpSourceResponseSizeTests
{
    private const int MiB = 1024 * 1024;
    private const int Limit = 16 * MiB;

    private static HttpSource Source(LoopbackServer server, Action<HttpSourceOptions>? configure = null)
    {
        var options = new HttpSourceOptions { Id = "api", BaseAddress = server.BaseAddress, TimeProvider = new SteppingTimeProvider(), RequestTimeout = Timeout.InfiniteTimeSpan, MaxRetries = 2 };
        options.Resources.Add(new HttpResourceOptions { Name = "things", Path = "things" });
        configure?.Invoke(options);
        return new HttpSource(options);
    }

    /// <summary>Returns a JSON array of records of about <paramref name="recordSize"/> bytes each, exactly <paramref name="size"/> bytes long.</summary>
    private static byte[] Records(int size, int recordSize = 64 * 1024)
    {
        var text = new StringBuilder("[", size);
        for (var id = 0; ; id++)
        {
            var head = (id > 0 ? "," : "") + "{\"id\":\"" + id + "\",\"pad\":\"";
            var pad = size - text.Length - head.Length - "\"}]".Length;
            if (pad < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(size), size, "Too small for a record.");
            }

            var last = pad <= 2 * recordSize;
            text.Append(head).Append('x', last ? pad : recordSize).Append("\"}");
            if (last)
            {
                break;
            }
        }

        var body = Encoding.ASCII.GetBytes(text.Append(']').ToString());
        body.Length.Should().Be(size);
        return body;
    }

    /// <summary>Serves <paramref name="body"/> at <c>/things</c> in 64 KiB writes, with a Content-Length or chunked.</summary>
    private static Task<LoopbackServer> ServeAsync(byte[] body, bool contentLength, int status = 200) =>
        LoopbackServer.StartAsync(app => app.MapGet("/things", async (HttpContext c) =>
        {
            c.Response.StatusCode = status;
            c.Response.ContentType = "application/json";
            if (contentLength)
            {
                c.Response.ContentLength = body.Length;
            }

            try
            {
                for (var offset = 0; offset < body.Length; offset += 64 * 1024)
                {
                    await c.Response.Body.WriteAsync(body.AsMemory(offset, Math.Min(64 * 1024, body.Length - offset)), c.RequestAborted);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException || c.RequestAborted.IsCancellationRequested)
            {
                // The client hung up, as it should on a body past its limit.
            }
        }));

    /// <summary>
    /// A handler that counts the body bytes the source reads. The server's own count cannot tell: on loopback the
    /// kernel buffers tens of megabytes of a response the client never reads.
    /// </summary>
    private sealed class CountingHandler() : DelegatingHandler(new SocketsHttpHandler())
    {
        private long _read;

        public long BytesRead => Interlocked.Read(ref _read);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            var original = response.Content;
            var counted = new StreamContent(new CountingStream(await original.ReadAsStreamAsync(cancellationToken), this));
            foreach (var header in original.Headers)
            {
                counted.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            response.Content = counted;
            return response;
        }

        private sealed class CountingStream(Stream inner, CountingHandler counter) : Stream
        {
            public override bool CanRead => true;

            public override bool CanSeek => false;

            public override bool CanWrite => false;

            public override long Length => throw new NotSupportedException();

            public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

            public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

            public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
                Count(await inner.ReadAsync(buffer, cancellationToken));

            public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
                ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

            public override void Flush()
            {
            }

            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

            public override void SetLength(long value) => throw new NotSupportedException();

            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

            protected override void Dispose(bool disposing)
            {
                if (disposing)
                {
                    inner.Dispose();
                }

                base.Dispose(disposing);
            }

            private int Count(int read)
            {
                Interlocked.Add(ref counter._read, read);
                return read;
            }
        }
    }

    [Fact]
    public async Task SyncAsync_ContentLengthAboveTheDefaultLimit_FailsBeforeReadingTheBody()
    {
        // Before, the whole 20 MiB page was read into memory and mirrored.
        await using var server = await ServeAsync(Records(20 * MiB), contentLength: true);
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var counting = new CountingHandler();
        using var source = Source(server, o => o.Handler = counting);

        var act = () => new Syncer(store).SyncAsync(source);

        var error = (await act.Should().ThrowAsync<HttpSourceException>()).Which;
        error.StatusCode.Should().Be(HttpStatusCode.OK);
        error.Resource.Should().Be("things");
        error.Message.Should().Contain($"the response to GET {server.BaseAddress}things is 20,971,520 bytes long (its Content-Length)")
            .And.Contain("more than HttpSourceOptions.MaxResponseBytes (16,777,216 bytes)").And.Contain("nothing of this page was applied");
        counting.BytesRead.Should().Be(0, "the body is not read at all");
        server.Requests.Should().HaveCount(1, "a body too large is not retried");
        (await store.EventCountAsync()).Should().Be(0);
        (await store.GetCursorAsync("api")).Should().BeNull();
    }

    [Fact]
    public async Task SyncAsync_ChunkedBodyAboveTheDefaultLimit_FailsWhileReadingIt()
    {
        // No Content-Length: the limit can only be kept by counting while reading. Before, all 64 MiB were read and
        // mirrored (1,000 records); now the source reads one byte past the 16 MiB and stops.
        await using var server = await ServeAsync(Records(64 * MiB), contentLength: false);
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var counting = new CountingHandler();
        using var source = Source(server, o => o.Handler = counting);

        var act = () => new Syncer(store).SyncAsync(source);

        var error = (await act.Should().ThrowAsync<HttpSourceException>()).Which;
        error.StatusCode.Should().Be(HttpStatusCode.OK);
        error.Message.Should().Contain($"the response to GET {server.BaseAddress}things passed HttpSourceOptions.MaxResponseBytes (16,777,216 bytes) while it was read (it has no Content-Length)")
            .And.Contain("raise MaxResponseBytes").And.Contain("nothing of this page was applied");
        counting.BytesRead.Should().Be(Limit + 1, "the source stops reading one byte past the limit");
        server.Requests.Should().HaveCount(1);
        (await store.EventCountAsync()).Should().Be(0);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task SyncAsync_BodyOfExactlyTheLimit_IsMirroredAndOneByteMoreIsRefused(bool contentLength)
    {
        await using (var server = await ServeAsync(Records(2000, recordSize: 100), contentLength))
        {
            await using var store = await MirrorStore.OpenInMemoryAsync();
            using var source = Source(server, o => o.MaxResponseBytes = 2000);

            var report = await new Syncer(store).SyncAsync(source);

            report.Applied.Should().BeGreaterThan(0);
        }

        await using (var server = await ServeAsync(Records(2001, recordSize: 100), contentLength))
        {
            await using var store = await MirrorStore.OpenInMemoryAsync();
            using var source = Source(server, o => o.MaxResponseBytes = 2000);

            var act = () => new Syncer(store).SyncAsync(source);

            (await act.Should().ThrowAsync<HttpSourceException>()).Which.Message.Should()
                .Contain("HttpSourceOptions.MaxResponseBytes (2,000 bytes)").And.Contain(contentLength ? "is 2,001 bytes long (its Content-Length)" : "while it was read");
            (await store.EventCountAsync()).Should().Be(0);
        }
    }

    [Fact]
    public async Task SyncAsync_ClientErrorWithAHugeBody_QuotesItsStartWithoutReadingItAll()
    {
        // Before, the whole error body was read to quote its first 300 characters.
        await using var server = await ServeAsync(Records(64 * MiB), contentLength: false, status: 400);
        using var counting = new CountingHandler();
        using var source = Source(server, o => o.Handler = counting);

        var act = () => source.PullAsync(null);

        var error = (await act.Should().ThrowAsync<HttpSourceException>()).Which;
        error.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        error.Message.Should().Contain("the server said: \"[{\"id\":\"0\",\"pad\":\"xxx");
        counting.BytesRead.Should().BeLessThanOrEqualTo(1200);
    }

    [Fact]
    public async Task SyncAsync_RecordLargerThanTheStoresLimit_FailsThePageNamingTheRecordAndCommitsNothing()
    {
        // A page within MaxResponseBytes can still hold one record larger than the store keeps (4 MiB by default).
        // Before, the 5 MiB record was stored.
        var records = "[{\"id\":\"small\"},{\"id\":\"huge\",\"text\":\"" + new string('x', 5 * MiB) + "\"}]";
        await using var server = await ServeAsync(Encoding.ASCII.GetBytes(records), contentLength: true);
        await using var store = await MirrorStore.OpenInMemoryAsync();
        using var source = Source(server);

        var act = () => new Syncer(store).SyncAsync(source);

        var thrown = await act.Should().ThrowAsync<InvalidDeltaException>();
        thrown.Which.Index.Should().Be(1);
        thrown.Which.Message.Should().Contain("(\"things\"/\"huge\") is an upsert whose Payload is 5,242,903 bytes as stored").And.Contain("MirrorStoreOptions.MaxPayloadBytes (4,194,304 bytes)");
        (await store.EventCountAsync()).Should().Be(0);
        (await store.GetCursorAsync("api")).Should().BeNull();
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(3_000_000_000L)]
    public void Constructor_MaxResponseBytesOutOfRange_ThrowsNamingIt(long value)
    {
        var options = new HttpSourceOptions { Id = "crm", BaseAddress = new Uri("http://127.0.0.1:9/"), MaxResponseBytes = value };
        options.Resources.Add(new HttpResourceOptions { Name = "customers", Path = "customers" });

        var act = () => new HttpSource(options);

        act.Should().Throw<ArgumentOutOfRangeException>().Which.Message.Should().Contain("HTTP source 'crm': MaxResponseBytes must be between 1 and 2,147,483,591");
    }
}
