namespace OxideMirror.CrashHost;

/// <summary>
/// Decides exactly like the strategy it wraps (and carries its label, so the events it logs are identical), but spins
/// briefly on every decision. Decisions run inside the batch's transaction, so the spin widens the window in which a
/// kill lands mid-transaction, without any hook in the library.
/// </summary>
/// <param name="inner">The strategy that decides.</param>
/// <param name="spinIterations">How many <see cref="Thread.SpinWait(int)"/> iterations to spend per decision.</param>
internal sealed class SlowStrategy(IConflictStrategy inner, int spinIterations) : IConflictStrategy
{
    public string Label => inner.Label;

    public ConflictResolution Resolve(MirroredRecord? existing, Delta incoming)
    {
        Thread.SpinWait(spinIterations);
        return inner.Resolve(existing, incoming);
    }
}
