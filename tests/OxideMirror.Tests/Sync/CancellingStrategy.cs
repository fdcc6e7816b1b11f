namespace OxideMirror.Tests.Sync;

/// <summary>Applies every change, and cancels a token while it decides the <c>n</c>-th change it sees (1-based).</summary>
internal sealed class CancellingStrategy(CancellationTokenSource cancellation, int n) : IConflictStrategy
{
    private int _seen;

    public string Label => "cancelling";

    public ConflictResolution Resolve(MirroredRecord? existing, Delta incoming)
    {
        if (Interlocked.Increment(ref _seen) == n)
        {
            cancellation.Cancel();
        }

        return ConflictResolution.Apply;
    }
}
