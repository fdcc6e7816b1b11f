namespace OxideMirror.Hosting;

/// <summary>
/// Holds, per source, the report of the background sync's first run: a task that completes when that run finishes
/// (whatever its outcome), is cancelled when the background sync stops first, and faults when it ended with an error.
/// </summary>
internal sealed class FirstSyncs
{
    private readonly Dictionary<string, TaskCompletionSource<SyncReport>> _runs = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private bool _closed;
    private Exception? _error;

    /// <summary>Gets the task of a source's first run.</summary>
    public Task<SyncReport> For(string sourceId)
    {
        lock (_gate)
        {
            var run = Run(sourceId);
            if (_closed)
            {
                End(run);
            }

            return run.Task;
        }
    }

    /// <summary>Completes a source's first run with its report; later runs change nothing.</summary>
    public void Finished(SyncReport report)
    {
        lock (_gate)
        {
            Run(report.Source).TrySetResult(report);
        }
    }

    /// <summary>Ends every first run that has not finished: cancelled when the background sync stopped, faulted with <paramref name="error"/> when it failed.</summary>
    public void Close(Exception? error)
    {
        lock (_gate)
        {
            _closed = true;
            _error = error;
            foreach (var run in _runs.Values)
            {
                End(run);
            }
        }
    }

    private TaskCompletionSource<SyncReport> Run(string sourceId)
    {
        if (!_runs.TryGetValue(sourceId, out var run))
        {
            run = new TaskCompletionSource<SyncReport>(TaskCreationOptions.RunContinuationsAsynchronously);
            _runs[sourceId] = run;
        }

        return run;
    }

    private void End(TaskCompletionSource<SyncReport> run)
    {
        if (_error is null)
        {
            run.TrySetCanceled();
        }
        else
        {
            run.TrySetException(_error);
        }
    }
}
