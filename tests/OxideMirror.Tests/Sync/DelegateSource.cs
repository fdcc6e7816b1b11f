namespace OxideMirror.Tests.Sync;

/// <summary>A source whose pulls run a test's function, which gets the 1-based pull number, the cursor and the token.</summary>
internal sealed class DelegateSource(string id, Func<int, string?, CancellationToken, Task<PullResult>> pull) : ISyncSource
{
    private int _pulls;

    public string Id { get; } = id;

    public int PullCount => Volatile.Read(ref _pulls);

    /// <summary>Wraps <paramref name="inner"/>, running <paramref name="beforePull"/> before each of its pulls.</summary>
    public static DelegateSource Around(ISyncSource inner, Action<int, string?> beforePull) =>
        new(inner.Id, (n, cursor, token) =>
        {
            beforePull(n, cursor);
            return inner.PullAsync(cursor, token);
        });

    public Task<PullResult> PullAsync(string? cursor, CancellationToken cancellationToken = default) =>
        pull(Interlocked.Increment(ref _pulls), cursor, cancellationToken);
}
