using System.Runtime.CompilerServices;

namespace OxideMirror.Tests.Sync;

/// <summary>A push source: <see cref="SubscribeAsync"/> yields groups of deltas and pauses (really goes asynchronous) between groups.</summary>
internal sealed class StreamSource(string id, params IReadOnlyList<Delta>[] groups) : ISyncSource
{
    public string Id { get; } = id;

    /// <summary>Gets what the stream awaits between two groups, given how many deltas it has yielded so far.</summary>
    public required Func<int, Task> Pause { get; init; }

    /// <summary>Gets a task the stream awaits after its last group before it ends; by default it ends at once.</summary>
    public Task AfterLastGroup { get; init; } = Task.CompletedTask;

    public Task<PullResult> PullAsync(string? cursor, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("This source only streams.");

    public async IAsyncEnumerable<Delta> SubscribeAsync(string? cursor, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var yielded = 0;
        for (var g = 0; g < groups.Length; g++)
        {
            if (g > 0)
            {
                await Pause(yielded).WaitAsync(cancellationToken);
            }

            foreach (var delta in groups[g])
            {
                cancellationToken.ThrowIfCancellationRequested();
                yielded++;
                yield return delta;
            }
        }

        await AfterLastGroup.WaitAsync(cancellationToken);
    }
}
