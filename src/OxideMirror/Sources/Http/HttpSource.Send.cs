using System.Globalization;
using System.Net;

namespace OxideMirror.Http;

/// <summary>Sends requests within the budget, with retries, backoff and <c>Retry-After</c>.</summary>
public sealed partial class HttpSource
{
    private async Task<Answer> SendAsync(HttpResourceOptions resource, Uri uri, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            string reason;
            string errorType;
            TimeSpan? retryAfter = null;
            HttpStatusCode? status = null;
            Exception? failure = null;
            using (await _budget.AcquireAsync(cancellationToken).ConfigureAwait(false))
            {
                using var timeout = _timeout == Timeout.InfiniteTimeSpan ? null : new CancellationTokenSource(_timeout, _time);
                using var linked = timeout is null ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
                var token = linked?.Token ?? cancellationToken;
                try
                {
                    var current = uri;
                    for (var redirects = 0; ; redirects++)
                    {
                        if (redirects > 0)
                        {
                            // A redirect is a request of its own: it keeps the slot, and waits for its turn.
                            await _budget.WaitForTurnAsync(token).ConfigureAwait(false);
                        }

                        using var request = new HttpRequestMessage(HttpMethod.Get, current);
                        foreach (var (name, value) in _headers)
                        {
                            request.Headers.TryAddWithoutValidation(name, value);
                        }

                        request.Headers.Accept.ParseAdd("application/json");
                        Interlocked.Increment(ref _requests);
                        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
                        status = response.StatusCode;
                        _telemetry.HttpResponded(Id, resource.Name, (int)response.StatusCode);
                        var landed = Landed(resource, current, response);
                        if (RedirectTarget(response) is { } location)
                        {
                            current = FollowRedirect(resource, uri, landed, location, response.StatusCode, redirects);
                            continue;
                        }

                        if (response.IsSuccessStatusCode)
                        {
                            var body = await ReadBodyAsync(resource, landed, response, token).ConfigureAwait(false);
                            var link = response.Headers.TryGetValues("Link", out var links) ? string.Join(", ", links) : null;
                            return new Answer(body, link, response.StatusCode, response.Content.Headers.ContentType?.CharSet, landed);
                        }

                        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                        {
                            throw new HttpSourceException(Id, resource.Name, response.StatusCode, string.Create(CultureInfo.InvariantCulture, $"HTTP source '{Id}': the server refused the credentials (HTTP {(int)response.StatusCode} {response.ReasonPhrase}) for {Describe(landed)} (resource '{resource.Name}'). Check that the source's bearer token or API key is valid, not expired, and allowed to read this resource; nothing of this page was applied."));
                        }

                        if (!IsTransient(response.StatusCode))
                        {
                            var said = ServerSaid((await ReadStartAsync(response, token).ConfigureAwait(false)).Span);
                            throw new HttpSourceException(Id, resource.Name, response.StatusCode, string.Create(CultureInfo.InvariantCulture, $"HTTP source '{Id}' got HTTP {(int)response.StatusCode} {response.ReasonPhrase} for {Describe(landed)} (resource '{resource.Name}'){said}. Check the resource's Path, Query and the source's BaseAddress; nothing of this page was applied."));
                        }

                        reason = string.Create(CultureInfo.InvariantCulture, $"HTTP {(int)response.StatusCode}");
                        errorType = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
                        retryAfter = RetryAfter(response);
                        break;
                    }
                }
                catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
                {
                    // Our RequestTimeout fired, or the timeout of a caller-supplied HttpClient: either way a timeout.
                    reason = "timeout";
                    errorType = "timeout";
                    failure = ex;
                    _telemetry.HttpFailed(Id, resource.Name, errorType);
                }
                catch (HttpRequestException ex)
                {
                    reason = "connection failed";
                    errorType = "connection_failed";
                    failure = ex;
                    _telemetry.HttpFailed(Id, resource.Name, errorType);
                }
                catch (IOException ex)
                {
                    reason = "connection broken";
                    errorType = "connection_broken";
                    failure = ex;
                    _telemetry.HttpFailed(Id, resource.Name, errorType);
                }
            }

            if (attempt >= _maxRetries)
            {
                var what = failure is null ? "" : " (" + failure.GetType().Name + ")";
                throw new HttpSourceException(Id, resource.Name, status, string.Create(CultureInfo.InvariantCulture, $"HTTP source '{Id}' gave up on {Describe(uri)} (resource '{resource.Name}') after {attempt + 1} attempt(s); the last one failed with {reason}{what}. Try again later, or raise MaxRetries or RequestTimeout; nothing of this page was applied."), failure);
            }

            var delay = retryAfter ?? Backoff(attempt);
            HttpLog.Retrying(_logger, Id, resource.Name, reason, attempt + 1, delay.TotalMilliseconds);
            _telemetry.HttpRetrying(Id, resource.Name, errorType, delay, serverSaid: retryAfter is not null);
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Quotes the start of an error response's body, where APIs say what was wrong with the request ("per_page must be
    /// at most 100"): its first 300 characters on one line, or nothing for an empty body.
    /// </summary>
    private static string ServerSaid(ReadOnlySpan<byte> body)
    {
        const int Shown = 300;
        var text = System.Text.Encoding.UTF8.GetString(body[..Math.Min(body.Length, Shown * 4)]);
        var line = string.Join(' ', text.Split((char[])['\r', '\n', '\t', ' '], StringSplitOptions.RemoveEmptyEntries));
        if (line.Length == 0)
        {
            return string.Empty;
        }

        return "; the server said: \"" + (line.Length > Shown ? line[..Shown] + "…" : line) + "\"";
    }

    private static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests
        || ((int)status >= 500 && status is not (HttpStatusCode.NotImplemented or HttpStatusCode.HttpVersionNotSupported));

    /// <summary>Reads <c>Retry-After</c> (seconds or an HTTP date) and clamps it between the base delay and the largest delay.</summary>
    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        TimeSpan? wanted = header?.Delta ?? (header?.Date is { } date ? date - _time.GetUtcNow() : null);
        if (wanted is null && response.Headers.TryGetValues("Retry-After", out var raw)
            && double.TryParse(raw.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && double.IsFinite(seconds))
        {
            wanted = TimeSpan.FromSeconds(Math.Clamp(seconds, 0, _maxDelay.TotalSeconds));
        }

        if (wanted is not { } value)
        {
            return null;
        }

        return value < _baseDelay ? _baseDelay : value > _maxDelay ? _maxDelay : value;
    }

    /// <summary>A successful response: its body, its <c>Link</c> header, status and charset, and the URL it came from (after any redirects).</summary>
    private readonly record struct Answer(ReadOnlyMemory<byte> Body, string? Link, HttpStatusCode Status, string? CharSet, Uri Landed);

    /// <summary>Computes an exponential backoff with jitter: half the doubled delay, plus up to as much again at random.</summary>
    private TimeSpan Backoff(int attempt)
    {
        var doubled = _baseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 30));
        var capped = Math.Min(doubled, _maxDelay.TotalMilliseconds);
#pragma warning disable CA5394 // Jitter needs no cryptographic randomness.
        var jittered = (capped / 2) + (Random.Shared.NextDouble() * capped / 2);
#pragma warning restore CA5394
        return TimeSpan.FromMilliseconds(Math.Max(jittered, 1));
    }

    private static void Validate(HttpSourceOptions options)
    {
        if (Ids.IsBlank(options.Id))
        {
            throw new ArgumentException($"HttpSourceOptions.Id is empty ('{options.Id}'). Give the source a unique id, for example \"crm\".", nameof(options));
        }

        var id = options.Id;
        if (options.BaseAddress is { IsAbsoluteUri: false })
        {
            throw new ArgumentException($"HTTP source '{id}': BaseAddress '{options.BaseAddress}' is not absolute. Use a full URL such as https://api.example.com/v1/.", nameof(options));
        }

        if (options.Resources.Count == 0)
        {
            throw new ArgumentException($"HTTP source '{id}' has no resources. Add at least one HttpResourceOptions to HttpSourceOptions.Resources.", nameof(options));
        }

        if ((options.ApiKeyHeader is null) != (options.ApiKey is null))
        {
            throw new ArgumentException($"HTTP source '{id}' sets only one of ApiKeyHeader and ApiKey. Set both (the header name and the key), or neither.", nameof(options));
        }

        if (options.HttpClient is not null && options.Handler is not null)
        {
            throw new ArgumentException($"HTTP source '{id}' sets both HttpClient and Handler. Set one: a client to use as it is, or a handler for the client the source creates.", nameof(options));
        }

        if (options.RequestTimeout <= TimeSpan.Zero && options.RequestTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.RequestTimeout, $"HTTP source '{id}': RequestTimeout must be positive, or Timeout.InfiniteTimeSpan.");
        }

        if (options.MaxRetries is < 0 or > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxRetries, $"HTTP source '{id}': MaxRetries must be between 0 and 100.");
        }

        if (options.RetryBaseDelay <= TimeSpan.Zero || options.MaxRetryDelay < options.RetryBaseDelay)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.RetryBaseDelay, $"HTTP source '{id}': RetryBaseDelay ({options.RetryBaseDelay}) must be positive and at most MaxRetryDelay ({options.MaxRetryDelay}), so that a retry never runs in a hot loop.");
        }

        if (!double.IsFinite(options.RequestsPerSecond) || options.RequestsPerSecond < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.RequestsPerSecond, $"HTTP source '{id}': RequestsPerSecond must be 0 (no limit) or a positive number.");
        }

        if (options.MaxResponseBytes < 1 || options.MaxResponseBytes > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxResponseBytes, string.Create(CultureInfo.InvariantCulture, $"HTTP source '{id}': MaxResponseBytes must be between 1 and {Array.MaxLength:N0} (a body is held in one array); the default is 16 MiB."));
        }

        if (options.MaxConcurrency is < 1 or > 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxConcurrency, $"HTTP source '{id}': MaxConcurrency must be between 1 and 1,024.");
        }

        ArgumentNullException.ThrowIfNull(options.TimeProvider, nameof(options.TimeProvider));
        ArgumentNullException.ThrowIfNull(options.LoggerFactory, nameof(options.LoggerFactory));
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var resource in options.Resources)
        {
            ValidateResource(options, resource, names);
        }
    }

    private static void ValidateResource(HttpSourceOptions options, HttpResourceOptions? resource, HashSet<string> names)
    {
        var id = options.Id;
        if (resource is null)
        {
            throw new ArgumentException($"HTTP source '{id}' has a null entry in Resources. Remove it.", nameof(options));
        }

        if (Ids.IsBlank(resource.Name))
        {
            throw new ArgumentException($"HTTP source '{id}' has a resource with an empty Name (path '{resource.Path}'). Name every resource, for example \"customers\".", nameof(options));
        }

        if (!names.Add(resource.Name))
        {
            throw new ArgumentException($"HTTP source '{id}' has two resources named '{resource.Name}'. Give every resource a unique name.", nameof(options));
        }

        var at = $"HTTP source '{id}', resource '{resource.Name}'";
        if (options.BaseAddress is null && !Uri.TryCreate(resource.Path, UriKind.Absolute, out _))
        {
            throw new ArgumentException($"{at}: Path '{resource.Path}' is relative and the source has no BaseAddress. Set HttpSourceOptions.BaseAddress, or use an absolute URL.", nameof(options));
        }

        if (string.IsNullOrWhiteSpace(resource.IdField))
        {
            throw new ArgumentException($"{at}: IdField is empty. Name the field that holds each record's id, for example \"id\".", nameof(options));
        }

        if (resource.Paginator is null)
        {
            throw new ArgumentException($"{at}: Paginator is null. Use HttpPaginator.None for an endpoint without pages.", nameof(options));
        }

        if (resource.SinceParameter is not null && resource.EventTimeField is null)
        {
            throw new ArgumentException($"{at}: SinceParameter '{resource.SinceParameter}' needs EventTimeField, the field whose largest value the next pass asks from. Set EventTimeField, or remove SinceParameter.", nameof(options));
        }

        if (resource.SinceLag < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), resource.SinceLag, $"{at}: SinceLag must not be negative.");
        }

        if (string.IsNullOrWhiteSpace(resource.SinceFormat))
        {
            throw new ArgumentException($"{at}: SinceFormat is empty. Use a .NET date format such as \"yyyy-MM-dd'T'HH:mm:ss'Z'\", or \"unix\".", nameof(options));
        }

        if (resource.SinceFormat != "unix")
        {
            try
            {
                _ = DateTime.UnixEpoch.ToString(resource.SinceFormat, CultureInfo.InvariantCulture);
            }
            catch (FormatException)
            {
                throw new ArgumentException($"{at}: SinceFormat '{resource.SinceFormat}' is not a .NET date format. Use one such as \"yyyy-MM-dd'T'HH:mm:ss'Z'\", or \"unix\".", nameof(options));
            }
        }

        if (resource.DeleteMissing && resource.SinceParameter is not null)
        {
            throw new ArgumentException($"{at}: DeleteMissing needs full-refresh passes, but SinceParameter '{resource.SinceParameter}' makes the resource incremental (a pass lists only changed records). Remove one of them.", nameof(options));
        }
    }
}
