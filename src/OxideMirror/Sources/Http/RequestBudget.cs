namespace OxideMirror.Http;

/// <summary>Limits one source's requests: at most so many in flight, and at most so many started per second.</summary>
internal sealed class RequestBudget : IDisposable
{
    private readonly SemaphoreSlim _slots;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private DateTimeOffset _nextStart = DateTimeOffset.MinValue;

    public RequestBudget(int maxConcurrency, double requestsPerSecond, TimeProvider time)
    {
        _slots = new SemaphoreSlim(maxConcurrency, maxConcurrency);
        _interval = requestsPerSecond > 0 ? TimeSpan.FromSeconds(1 / requestsPerSecond) : TimeSpan.Zero;
        _time = time;
    }

    /// <summary>Waits for a slot and for the request's turn; dispose the result when the request is done.</summary>
    public async Task<Lease> AcquireAsync(CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await WaitForTurnAsync(cancellationToken).ConfigureAwait(false);
            return new Lease(_slots);
        }
        catch
        {
            _slots.Release();
            throw;
        }
    }

    /// <summary>Waits for the next request's turn under the per-second limit, for a request sent in a slot already held (a redirect).</summary>
    public async Task WaitForTurnAsync(CancellationToken cancellationToken)
    {
        if (_interval <= TimeSpan.Zero)
        {
            return;
        }

        TimeSpan wait;
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            var start = _nextStart > now ? _nextStart : now;
            _nextStart = start + _interval;
            wait = start - now;
        }

        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose() => _slots.Dispose();

    /// <summary>Holds one request slot until disposed.</summary>
    internal readonly struct Lease(SemaphoreSlim slots) : IDisposable
    {
        public void Dispose() => slots.Release();
    }
}
