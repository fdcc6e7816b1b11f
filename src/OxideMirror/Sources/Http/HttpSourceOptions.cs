using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace OxideMirror.Http;

/// <summary>
/// Configures an <see cref="HttpSource"/>: its id, base address, auth, resources, retries and request budget.
/// Checked once, when the source is created; later changes to this object are not seen by the source.
/// </summary>
public sealed class HttpSourceOptions
{
    /// <summary>Gets or sets the source's id, unique within a syncer, for example <c>crm</c>.</summary>
    /// <value>The default is empty, which is refused.</value>
    public string Id { get; set; } = string.Empty;

    /// <summary>Gets or sets the address every resource path is relative to, for example <c>https://api.example.com/v1/</c>.</summary>
    /// <value>The default is <see langword="null"/>: every resource path must then be an absolute URL.</value>
    public Uri? BaseAddress { get; set; }

    /// <summary>Gets the resources (endpoints) the source mirrors, synced one after another in this order.</summary>
    public IList<HttpResourceOptions> Resources { get; } = new List<HttpResourceOptions>();

    /// <summary>Gets or sets a token sent as <c>Authorization: Bearer …</c> on every request. It is never logged or put in an exception message.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public string? BearerToken { get; set; }

    /// <summary>Gets or sets the header that carries <see cref="ApiKey"/>, for example <c>X-Api-Key</c>.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public string? ApiKeyHeader { get; set; }

    /// <summary>Gets or sets an API key sent in <see cref="ApiKeyHeader"/> on every request. It is never logged or put in an exception message.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public string? ApiKey { get; set; }

    /// <summary>Gets extra headers sent on every request.</summary>
    public IDictionary<string, string> Headers { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets or sets an HTTP client to send requests with (for your own auth or resilience handlers); the source does not dispose it.</summary>
    /// <value>The default is <see langword="null"/>: the source creates and owns a client.</value>
    /// <remarks>
    /// The source cannot change how a client of yours handles redirects. Create it on a handler with
    /// <c>AllowAutoRedirect = false</c>: the source then follows redirects on the scheme, host and port it asked (at
    /// most 5 a request) and fails the page on any other before sending anything there. A client that follows
    /// redirects itself (the default) has already sent the request's headers, the source's API key and
    /// <see cref="Headers"/> among them (.NET drops only <c>Authorization</c>), to wherever a redirect pointed; the
    /// source then fails the page when the answer came from another host, so nothing of that host is mirrored.
    /// </remarks>
    public HttpClient? HttpClient { get; set; }

    /// <summary>
    /// Gets or sets the handler for the client the source creates, when <see cref="HttpClient"/> is not set; the source
    /// does not dispose it. The source sets <c>AllowAutoRedirect</c> to <see langword="false"/> on the innermost
    /// <see cref="SocketsHttpHandler"/> or <see cref="HttpClientHandler"/> (under any <see cref="DelegatingHandler"/>s)
    /// and follows redirects itself, only on the scheme, host and port it asked; a handler that follows redirects and
    /// has already sent requests is refused.
    /// </summary>
    /// <value>The default is <see langword="null"/>: a <see cref="SocketsHttpHandler"/> owned by the source.</value>
    public HttpMessageHandler? Handler { get; set; }

    /// <summary>Gets or sets how long one request (including reading its body) may take before it is abandoned and retried, or <see cref="Timeout.InfiniteTimeSpan"/>.</summary>
    /// <value>The default is 30 seconds.</value>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets the largest response body the source reads, in bytes. A larger <c>Content-Length</c> fails the page
    /// before its body is read, and a body without one fails as soon as the count passes the limit, with an
    /// <see cref="HttpSourceException"/> naming the URL and the limit; such a page is not retried.
    /// </summary>
    /// <value>The default is 16 MiB (16,777,216 bytes); it must be between 1 and <see cref="Array.MaxLength"/>. Parsing a page takes a few times its size in memory.</value>
    public long MaxResponseBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>Gets or sets how many times a request is retried after a 5xx, 408 or 429 response, a timeout or a broken connection.</summary>
    /// <value>The default is 5.</value>
    public int MaxRetries { get; set; } = 5;

    /// <summary>Gets or sets the first retry delay; each further retry doubles it, with jitter. It is also the least delay a <c>Retry-After</c> of zero gets.</summary>
    /// <value>The default is 500 milliseconds.</value>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Gets or sets the longest delay before a retry; larger backoffs and <c>Retry-After</c> values are clamped to it.</summary>
    /// <value>The default is 60 seconds.</value>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Gets or sets how many requests per second the source sends at most (retries included), or 0 for no limit.</summary>
    /// <value>The default is 0.</value>
    public double RequestsPerSecond { get; set; }

    /// <summary>Gets or sets how many requests of this source may be in flight at once.</summary>
    /// <value>The default is 4.</value>
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>Gets or sets the clock for retry delays, the request budget, timeouts and fetch times.</summary>
    /// <value>The default is <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Gets or sets the factory for the source's loggers. The source logs ids, resources, counts and statuses, never credentials or payloads.</summary>
    /// <value>The default is <see cref="NullLoggerFactory.Instance"/>.</value>
    public ILoggerFactory LoggerFactory { get; set; } = NullLoggerFactory.Instance;

    /// <summary>
    /// Gets or sets the factory that creates the <c>OxideMirror</c> meter the source records its requests, retries and
    /// waits on (see <see cref="OxideMirrorTelemetry"/>), or <see langword="null"/> for a meter of the process's own.
    /// </summary>
    /// <value>The default is <see langword="null"/>.</value>
    public IMeterFactory? MeterFactory { get; set; }
}
