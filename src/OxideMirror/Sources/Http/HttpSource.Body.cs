using System.Globalization;
using System.Net;

namespace OxideMirror.Http;

/// <summary>Reads response bodies within <see cref="HttpSourceOptions.MaxResponseBytes"/>, counting as they arrive.</summary>
public sealed partial class HttpSource
{
    /// <summary>How many bytes of an error response are read, to quote its start.</summary>
    private const int ErrorBodyBytes = 1200;

    /// <summary>
    /// Reads a body of at most <see cref="HttpSourceOptions.MaxResponseBytes"/>: a Content-Length above it fails at
    /// once, before any of the body is read; without one, the page fails as soon as the count passes the limit, so the
    /// source never holds more than the limit (plus one read).
    /// </summary>
    private async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpResourceOptions resource, Uri landed, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var declared = response.Content.Headers.ContentLength;
        if (declared > _maxResponseBytes)
        {
            throw TooLarge(resource, landed, response.StatusCode, string.Create(CultureInfo.InvariantCulture, $"is {declared:N0} bytes long (its Content-Length), more than HttpSourceOptions.MaxResponseBytes ({_maxResponseBytes:N0} bytes)"));
        }

        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var (buffer, length) = await ReadUpToAsync(stream, _maxResponseBytes, declared, cancellationToken).ConfigureAwait(false);
            if (length > _maxResponseBytes)
            {
                var how = declared is null ? "(it has no Content-Length)" : string.Create(CultureInfo.InvariantCulture, $"(its Content-Length said {declared:N0})");
                throw TooLarge(resource, landed, response.StatusCode, string.Create(CultureInfo.InvariantCulture, $"passed HttpSourceOptions.MaxResponseBytes ({_maxResponseBytes:N0} bytes) while it was read {how}"));
            }

            return buffer.AsMemory(0, length);
        }
    }

    /// <summary>Reads the start of an error response's body, to quote it; the rest is never read.</summary>
    private static async Task<ReadOnlyMemory<byte>> ReadStartAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var (buffer, length) = await ReadUpToAsync(stream, ErrorBodyBytes - 1, response.Content.Headers.ContentLength, cancellationToken).ConfigureAwait(false);
            return buffer.AsMemory(0, length);
        }
    }

    /// <summary>
    /// Reads a stream to its end or until it has given more than <paramref name="limit"/> bytes, whichever comes first;
    /// a length above the limit means the stream had more. The buffer starts one byte past the declared length (so
    /// that the end is seen without growing it), grows by doubling, and never past the limit plus one byte.
    /// </summary>
    private static async Task<(byte[] Buffer, int Length)> ReadUpToAsync(Stream stream, long limit, long? declared, CancellationToken cancellationToken)
    {
        var ceiling = (int)Math.Min(limit + 1, Array.MaxLength);
        var buffer = new byte[(int)Math.Min(declared is { } size ? size + 1 : 16 * 1024, ceiling)];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (length >= ceiling)
                {
                    return (buffer, length);
                }

                Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, ceiling));
            }

            var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return (buffer, length);
            }

            length += read;
        }
    }

    private HttpSourceException TooLarge(HttpResourceOptions resource, Uri landed, HttpStatusCode status, string what) =>
        new(Id, resource.Name, status, $"HTTP source '{Id}', resource '{resource.Name}': the response to {Describe(landed)} {what}. Ask for smaller pages (the paginator's page size or limit), or raise MaxResponseBytes if pages this large are expected; nothing of this page was applied.");
}
