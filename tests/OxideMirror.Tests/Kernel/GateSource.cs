namespace OxideMirror.Tests.Kernel;

/// <summary>A source whose first pull blocks until the test releases it, then serves one record; for ordering tests.</summary>
internal sealed class GateSource(string id) : ISyncSource
{
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _pulls;

    public string Id { get; } = id;

    /// <summary>Gets a task that completes when a sync is inside the first pull.</summary>
    public Task Entered => _entered.Task;

    public int PullCount => Volatile.Read(ref _pulls);

    public void Release() => _release.TrySetResult();

    public async Task<PullResult> PullAsync(string? cursor, CancellationToken cancellationToken = default)
    {
        var n = Interlocked.Increment(ref _pulls);
        if (cursor is not null)
        {
            return PullResult.Empty(cursor);
        }

        _entered.TrySetResult();
        await _release.Task.WaitAsync(cancellationToken);
        return new PullResult([Delta.Upsert("slow", "s" + n, new { n }, Id)], "c" + n, false);
    }
}
