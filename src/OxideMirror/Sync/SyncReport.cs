using System.Globalization;

namespace OxideMirror;

/// <summary>
/// Reports what one sync of one source did.
/// </summary>
/// <remarks>
/// Every delta a page held is counted once, by what applying it did: <see cref="Applied"/>, <see cref="Skipped"/>,
/// <see cref="Unchanged"/> or <see cref="Duplicates"/> — the decisions <c>mirror_events</c> logs (<c>insert</c>,
/// <c>update</c>, <c>merge</c> and <c>delete</c>; <c>skip</c>; <c>unchanged</c>; a duplicate is not logged). The delete
/// events written for records a completed full pass no longer listed (<see cref="Missing"/>) are counted the same way,
/// so <see cref="Applied"/> + <see cref="Skipped"/> + <see cref="Unchanged"/> + <see cref="Duplicates"/> =
/// <see cref="Pulled"/> + <see cref="Missing"/>.
/// </remarks>
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

    /// <summary>Gets how many deltas changed a record (inserted, updated, merged or deleted it).</summary>
    public long Applied { get; internal set; }

    /// <summary>Gets how many deltas the conflict strategy skipped, keeping the record as it was (logged with the decision <c>skip</c>).</summary>
    public long Skipped { get; internal set; }

    /// <summary>Gets how many deltas would not have changed their record: the same payload, or a delete of a deleted record (logged with the decision <c>unchanged</c>).</summary>
    public long Unchanged { get; internal set; }

    /// <summary>Gets how many deltas were ignored because a delta with the same source and <see cref="Delta.DeltaId"/> was applied before; they are not logged.</summary>
    public long Duplicates { get; internal set; }

    /// <summary>
    /// Gets how many of the source's records completed full passes no longer listed (see <see cref="PullResult.CompletedPasses"/>);
    /// each got a delete event, counted in <see cref="Applied"/> (or <see cref="Skipped"/> when the strategy kept the record).
    /// </summary>
    public long Missing { get; internal set; }

    /// <summary>Gets the counters per resource.</summary>
    public IReadOnlyDictionary<string, ResourceCounters> PerResource => Counters;

    /// <summary>Gets how long the sync took.</summary>
    public TimeSpan Duration { get; internal set; }

    /// <summary>
    /// Gets why the sync stopped early, or <see langword="null"/> when it finished. Only
    /// <see cref="Syncer.SyncAllAsync(IProgress{SyncProgress}, CancellationToken)"/> and the background sync report
    /// failures here; the other sync methods throw them. Pages committed before the failure stay committed.
    /// </summary>
    public Exception? Error { get; internal set; }

    /// <summary>Gets a value indicating whether the sync finished without error.</summary>
    public bool Succeeded => Error is null;

    internal Dictionary<string, ResourceCounters> Counters { get; } = new(StringComparer.Ordinal);

    /// <summary>Counts a committed page: its deltas (the outcome's results from index 0) and the deletes of missing records after them.</summary>
    internal void Count(IReadOnlyList<Delta> deltas, PageOutcome outcome)
    {
        var (results, missing) = (outcome.Results, outcome.Missing);
        for (var i = 0; i < deltas.Count; i++)
        {
            Tally(deltas[i].Resource, results[i].Decision);
        }

        for (var i = 0; i < missing.Count; i++)
        {
            Tally(missing[i].Resource, results[deltas.Count + i].Decision);
        }

        Pulled += deltas.Count;
        Missing += missing.Count;
    }

    /// <summary>Writes the duplicate and missing counts for <see cref="ToString"/>, only when there are any.</summary>
    internal static string Extras(long duplicates, long missing) =>
        (duplicates > 0 ? string.Create(CultureInfo.InvariantCulture, $", {duplicates} duplicate(s)") : "") +
        (missing > 0 ? string.Create(CultureInfo.InvariantCulture, $", {missing} missing (deleted)") : "");

    /// <inheritdoc />
    public override string ToString() =>
        Error is null
            ? string.Create(CultureInfo.InvariantCulture, $"{Source}: {Pulled} pulled in {Pages} page(s), {Applied} applied, {Skipped} skipped, {Unchanged} unchanged{Extras(Duplicates, Missing)}, cursor '{FinalCursor}', {Duration.TotalMilliseconds:0} ms")
            : string.Create(CultureInfo.InvariantCulture, $"{Source}: failed after {Pages} page(s) ({Error.GetType().Name}: {Error.Message})");

    private void Tally(string resource, ApplyDecision decision)
    {
        if (!Counters.TryGetValue(resource, out var counters))
        {
            counters = new ResourceCounters();
            Counters[resource] = counters;
        }

        counters.Add(decision);
        switch (decision)
        {
            case ApplyDecision.Skipped: Skipped++; break;
            case ApplyDecision.Unchanged: Unchanged++; break;
            case ApplyDecision.Duplicate: Duplicates++; break;
            default: Applied++; break;
        }
    }
}
