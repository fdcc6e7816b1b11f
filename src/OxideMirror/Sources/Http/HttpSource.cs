using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace OxideMirror.Http;

/// <summary>
/// Mirrors one or more REST endpoints, configured in code: pages through each resource with its paginator, syncs
/// incrementally from the largest event time seen or refreshes fully (with opt-in tombstones for records a full pass
/// no longer lists, which the syncer writes from the page's <see cref="PullResult.CompletedPasses"/>), retries transient
/// failures with backoff, and keeps to a request budget. The source never needs the store.
/// </summary>
/// <remarks>
/// <para>
/// Each <see cref="PullAsync"/> fetches one page of one resource; resources are walked one after another. The cursor is
/// a small JSON object that holds every resource's position, so a restart resumes each resource from its last
/// committed page, and a failed page throws (an <see cref="HttpSourceException"/>) so the syncer commits nothing of it.
/// </para>
/// <para>
/// Tombstones need every page of a pass to have been fetched by this instance; a pass resumed after a restart reports
/// no completed pass, so nothing is deleted (the next complete pass is reported). The source is thread-safe; dispose it
/// to release the client it created.
/// </para>
/// <para>
/// Every request carries the source's credentials, so next-page links and redirects are followed only on the scheme,
/// host and port of the request (redirects at most 5 times a request); any other fails the page with an
/// <see cref="HttpSourceException"/> before anything is sent there. See <see cref="HttpSourceOptions.HttpClient"/>
/// for what a client of your own that follows redirects itself means.
/// </para>
/// </remarks>
public sealed partial class HttpSource : ISyncSource, IDisposable
{
    private readonly HttpResourceOptions[] _resources;
    private readonly Dictionary<string, string> _headers;
    private readonly HttpClient _client;
    private readonly bool _ownsClient;
    private readonly RequestBudget _budget;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly MirrorTelemetry _telemetry;
    private readonly ConcurrentDictionary<string, PassTracker> _passes = new(StringComparer.Ordinal);
    private readonly TimeSpan _timeout;
    private readonly int _maxRetries;
    private readonly TimeSpan _baseDelay;
    private readonly TimeSpan _maxDelay;
    private readonly long _maxResponseBytes;
    private long _requests;
    private bool _disposed;

    /// <summary>Initializes a new instance of the <see cref="HttpSource"/> class, checking every option once.</summary>
    /// <param name="options">The source's options.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">An option is missing or invalid, or <see cref="HttpSourceOptions.Handler"/> follows redirects and has already sent requests; the message names it and the fix.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A number or time option is out of range.</exception>
    public HttpSource(HttpSourceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        Id = options.Id;
        BaseAddress = options.BaseAddress;
        _resources = [.. options.Resources.Select(Copy)];
        _headers = new Dictionary<string, string>(options.Headers, StringComparer.OrdinalIgnoreCase);
        if (options.BearerToken is not null)
        {
            _headers["Authorization"] = "Bearer " + options.BearerToken;
        }

        if (options.ApiKeyHeader is not null)
        {
            _headers[options.ApiKeyHeader] = options.ApiKey!;
        }

        if (options.HttpClient is not null)
        {
            _client = options.HttpClient;
        }
        else
        {
            if (options.Handler is not null)
            {
                TurnOffRedirects(options, options.Handler);
                _client = new HttpClient(options.Handler, disposeHandler: false);
            }
            else
            {
                // The source follows redirects itself, checking each (see FollowRedirect).
                _client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }, disposeHandler: true);
            }


            _client.Timeout = Timeout.InfiniteTimeSpan;
            _ownsClient = true;
        }

        _time = options.TimeProvider;
        _budget = new RequestBudget(options.MaxConcurrency, options.RequestsPerSecond, _time);
        _logger = options.LoggerFactory.CreateLogger<HttpSource>();
        _telemetry = MirrorTelemetry.For(options.MeterFactory);
        _timeout = options.RequestTimeout;
        _maxRetries = options.MaxRetries;
        _baseDelay = options.RetryBaseDelay;
        _maxDelay = options.MaxRetryDelay;
        _maxResponseBytes = options.MaxResponseBytes;
    }

    /// <inheritdoc />
    public string Id { get; }

    /// <summary>Gets the address resource paths are relative to.</summary>
    public Uri? BaseAddress { get; }

    /// <summary>Gets the names of the resources the source mirrors, in sync order.</summary>
    public IReadOnlyList<string> ResourceNames => [.. _resources.Select(r => r.Name)];

    /// <summary>Gets how many HTTP requests the source has sent, retries included.</summary>
    public long RequestCount => Interlocked.Read(ref _requests);

    /// <summary>Fetches the next page of the resource the cursor points at, and returns its records as upserts (and, on the last page of a complete full pass of a <see cref="HttpResourceOptions.DeleteMissing"/> resource, that pass in <see cref="PullResult.CompletedPasses"/>).</summary>
    /// <param name="cursor">The cursor returned with the previous page, or <see langword="null"/> to start every resource from the beginning.</param>
    /// <param name="cancellationToken">A token to cancel the pull, including any wait for a retry or the request budget.</param>
    /// <returns>The page's changes, the cursor after them, and whether more pages (of this or a later resource) follow.</returns>
    /// <exception cref="HttpSourceException">The server refused the credentials, kept failing after every retry, redirected to another host (or more than 5 times), or sent a body larger than <see cref="HttpSourceOptions.MaxResponseBytes"/> or not matching the resource's options; or the cursor is not this kind of source's.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The source was disposed.</exception>
    public async Task<PullResult> PullAsync(string? cursor, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        var state = HttpCursor.Parse(cursor, Id);
        var index = Array.FindIndex(_resources, r => r.Name == state.At);
        if (index < 0)
        {
            index = 0;
        }

        var resource = _resources[index];
        state.At = resource.Name;
        var rs = state.For(resource.Name);
        if (rs.Next is null)
        {
            // The start of a pass: fix the since value for all of its pages.
            rs.Page = 0;
            rs.Pass++;
            rs.Since = resource.SinceParameter is not null && rs.HighWater is { } hw ? SinceOf(hw, resource.SinceLag) : null;
            if (resource.DeleteMissing)
            {
                _passes[resource.Name] = new PassTracker(rs.Pass);
            }
        }

        var page = await FetchPageAsync(resource, rs, cancellationToken).ConfigureAwait(false);
        var deltas = page.Deltas;
        TrackPass(resource, rs, page);
        if (page.Next is not null)
        {
            rs.Next = page.Next;
            rs.Page++;
            return new PullResult(deltas, state.Serialize(), HasMore: true);
        }

        var passes = resource.DeleteMissing ? CompletedPassOf(resource, rs) : [];
        rs.Next = null;
        rs.Page = 0;
        rs.Since = null;
        var last = index == _resources.Length - 1;
        state.At = _resources[last ? 0 : index + 1].Name;
        return new PullResult(deltas, state.Serialize(), HasMore: !last) { CompletedPasses = passes };
    }

    /// <summary>Releases the HTTP client the source created (not one passed in the options).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_ownsClient)
        {
            _client.Dispose();
        }

        _budget.Dispose();
    }

    private void TrackPass(HttpResourceOptions resource, HttpCursor.ResourceState rs, FetchedPage page)
    {
        if (!resource.DeleteMissing || !_passes.TryGetValue(resource.Name, out var tracker))
        {
            return;
        }

        lock (tracker)
        {
            if (tracker.Pass != rs.Pass || rs.Page > tracker.NextPage)
            {
                // A page of another pass, or a gap: this instance did not see the whole pass.
                tracker.Complete = false;
                return;
            }

            tracker.NextPage = Math.Max(tracker.NextPage, rs.Page + 1);
            foreach (var delta in page.Deltas)
            {
                tracker.Seen.Add(delta.RecordId);
            }
        }
    }

    /// <summary>Returns the pass that just ended as completed, with every id it listed, when this instance saw all of it; otherwise none.</summary>
    private IReadOnlyList<CompletedPass> CompletedPassOf(HttpResourceOptions resource, HttpCursor.ResourceState rs)
    {
        if (!_passes.TryGetValue(resource.Name, out var tracker) || tracker.Pass != rs.Pass || !tracker.Complete)
        {
            HttpLog.TombstonesSkipped(_logger, Id, resource.Name);
            return [];
        }

        string[] listed;
        lock (tracker)
        {
            listed = [.. tracker.Seen];
        }

        HttpLog.PassCompleted(_logger, Id, resource.Name, listed.Length);
        return [new CompletedPass(resource.Name, listed)];
    }

    private static HttpResourceOptions Copy(HttpResourceOptions source)
    {
        var copy = new HttpResourceOptions
        {
            Name = source.Name,
            Path = source.Path,
            RecordsPath = source.RecordsPath,
            IdField = source.IdField,
            EventTimeField = source.EventTimeField,
            Paginator = source.Paginator,
            SinceParameter = source.SinceParameter,
            SinceLag = source.SinceLag,
            SinceFormat = source.SinceFormat,
            DeleteMissing = source.DeleteMissing,
        };
        foreach (var (key, value) in source.Query)
        {
            copy.Query[key] = value;
        }

        return copy;
    }

    /// <summary>Returns the high-water mark less the lag, or the earliest time when the lag reaches past it (a zero date such as 0001-01-01).</summary>
    private static DateTimeOffset SinceOf(DateTimeOffset highWater, TimeSpan lag) =>
        highWater.UtcTicks - DateTimeOffset.MinValue.UtcTicks < lag.Ticks ? DateTimeOffset.MinValue : highWater - lag;

    private static string FormatSince(HttpResourceOptions resource, DateTimeOffset since) =>
        resource.SinceFormat == "unix"
            ? since.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)
            : since.UtcDateTime.ToString(resource.SinceFormat, CultureInfo.InvariantCulture);

    /// <summary>The ids one pass of a delete-missing resource listed, while this instance saw every page of it.</summary>
    private sealed class PassTracker(long pass)
    {
        public long Pass { get; } = pass;

        public int NextPage { get; set; }

        public bool Complete { get; set; } = true;

        public HashSet<string> Seen { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>One fetched page: its records as deltas and the next page's state, or null when the pass ends.</summary>
    private sealed record FetchedPage(IReadOnlyList<Delta> Deltas, string? Next);
}
