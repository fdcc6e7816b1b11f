namespace OxideMirror;

/// <summary>
/// Reports what one sync of one source did.
/// </summary>
public sealed class SyncReport
{
    internal SyncReport(string source, string? startCursor)
    {
        Source = source;
        StartCursor = startCursor;
        FinalCursor = startCursor;
    }

    /// <summary>Gets the source's id.</summary>
    public string Source { get; }

    /// <summary>Gets the cursor the sync started from.</summary>
    public string? StartCursor { get; }

    /// <summary>Gets the last cursor committed: where the next sync resumes.</summary>
    public string? FinalCursor { get; internal set; }

    /// <summary>Gets how many pages were pulled and committed.</summary>
    public int Pages { get; internal set; }

    /// <summary>Gets how many deltas were pulled and committed.</summary>
    public long Pulled { get; internal set; }

    /// <summary>Gets how many deltas changed a record.</summary>
    public long Applied { get; internal set; }

    /// <summary>Gets how many deltas did not change a record (skipped by the strategy, unchanged, or duplicates).</summary>
    public long Skipped { get; internal set; }

    /// <summary>Gets the counters per resource.</summary>
    public IReadOnlyDictionary<string, ResourceCounters> PerResource => Counters;

    /// <summary>Gets how long the sync took.</summary>
    public TimeSpan Duration { get; internal set; }

    /// <summary>
    /// Gets why the sync stopped early, or <see langword="null"/> when it finished. Only <see cref="Syncer.SyncAllAsync"/>
    /// reports failures here; the other sync methods throw them. Pages committed before the failure stay committed.
    /// </summary>
    public Exception? Error { get; internal set; }

    /// <summary>Gets a value indicating whether the sync finished without error.</summary>
    public bool Succeeded => Error is null;

    internal Dictionary<string, ResourceCounters> Counters { get; } = new(StringComparer.Ordinal);

    internal void Count(IReadOnlyList<Delta> deltas, List<AppliedDelta> results)
    {
        for (var i = 0; i < deltas.Count; i++)
        {
            var resource = deltas[i].Resource;
            if (!Counters.TryGetValue(resource, out var counters))
            {
                counters = new ResourceCounters();
                Counters[resource] = counters;
            }

            var result = results[i];
            counters.Add(result.Decision);
            if (result.Applied)
            {
                Applied++;
            }
            else
            {
                Skipped++;
            }
        }

        Pulled += deltas.Count;
    }

    /// <inheritdoc />
    public override string ToString() =>
        Error is null
            ? $"{Source}: {Pulled} pulled in {Pages} page(s), {Applied} applied, {Skipped} skipped, cursor '{FinalCursor}', {Duration.TotalMilliseconds:0} ms"
            : $"{Source}: failed after {Pages} page(s) ({Error.GetType().Name}: {Error.Message})";
}
