namespace OxideMirror;

/// <summary>
/// Reports what one committed page did (<see cref="MirrorWriter.ApplyPageAsync"/>): the result of each delta, in order,
/// followed by the result of each delete of a record that a completed pass did not list; and those deletes, in the same
/// order. The <see cref="Syncer"/> counts its <see cref="SyncReport"/> and its metrics from it.
/// </summary>
public sealed class PageOutcome
{
    /// <summary>Initializes a new instance of the <see cref="PageOutcome"/> class.</summary>
    /// <param name="results">What each delta of the page did, in order, then what each delete in <paramref name="missing"/> did.</param>
    /// <param name="missing">The deletes of records that a completed pass did not list, in the order they were applied.</param>
    /// <exception cref="ArgumentNullException"><paramref name="results"/> or <paramref name="missing"/> is null, or <paramref name="missing"/> holds a null delete.</exception>
    /// <exception cref="ArgumentException"><paramref name="results"/> holds fewer results than <paramref name="missing"/> holds deletes.</exception>
    public PageOutcome(IReadOnlyList<AppliedDelta> results, IReadOnlyList<Delta> missing)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(missing);
        if (results.Count < missing.Count)
        {
            throw new ArgumentException($"The page outcome holds {results.Count} result(s) but {missing.Count} delete(s) of missing records: every delete needs its result after the page's own results.", nameof(results));
        }

        for (var i = 0; i < missing.Count; i++)
        {
            if (missing[i] is null)
            {
                throw new ArgumentNullException(nameof(missing), $"Delete {i} of the missing records is null. List the delete each missing record got.");
            }
        }

        Results = results;
        Missing = missing;
    }

    /// <summary>Gets what each delta did, in the page's order, followed by what each delete in <see cref="Missing"/> did.</summary>
    public IReadOnlyList<AppliedDelta> Results { get; }

    /// <summary>Gets the deletes of records that a completed pass did not list, in the order their results follow the page's.</summary>
    public IReadOnlyList<Delta> Missing { get; }
}
