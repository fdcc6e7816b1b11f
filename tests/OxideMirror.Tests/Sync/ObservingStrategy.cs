namespace OxideMirror.Tests.Sync;

/// <summary>Applies every change (like <see cref="LastWriteWins"/>) and lets a test wait until a number of changes were decided.</summary>
internal sealed class ObservingStrategy : IConflictStrategy
{
    private readonly Lock _gate = new();
    private readonly List<(int Count, TaskCompletionSource Done)> _waiters = [];
    private int _resolved;

    public string Label => "observing";

    /// <summary>
    /// Returns a task that completes once <paramref name="count"/> changes have been decided. A deadlock guard, not a timing
    /// assertion: when nothing is decided for a long time, the task fails instead of hanging the test run.
    /// </summary>
    public async Task WhenResolved(int count)
    {
        Task waiting;
        lock (_gate)
        {
            if (_resolved >= count)
            {
                return;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, done));
            waiting = done.Task;
        }

        try
        {
            await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"Only {Volatile.Read(ref _resolved)} of {count} changes were ever decided: nothing applied what came before the stream's pause.", ex);
        }
    }

    public ConflictResolution Resolve(MirroredRecord? existing, Delta incoming)
    {
        lock (_gate)
        {
            _resolved++;
            foreach (var waiter in _waiters.Where(w => w.Count <= _resolved).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Done.SetResult();
            }
        }

        return ConflictResolution.Apply;
    }
}
