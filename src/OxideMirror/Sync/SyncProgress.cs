using System.Globalization;

namespace OxideMirror;

/// <summary>
/// Reports how far a sync of one source has got: sent to an <see cref="IProgress{T}"/> after each committed page, with
/// the counts of the whole sync so far (the same counts its <see cref="SyncReport"/> ends with).
/// </summary>
/// <remarks>
/// Each value is a snapshot that does not change afterwards, so an <see cref="IProgress{T}"/> that hands it to another
/// thread (such as <see cref="Progress{T}"/>) may read it later. <see cref="Applied"/> + <see cref="Skipped"/> +
/// <see cref="Unchanged"/> + <see cref="Duplicates"/> = <see cref="Pulled"/> + <see cref="Missing"/>.
/// </remarks>
public sealed class SyncProgress
{
    internal SyncProgress(SyncReport report, IReadOnlyList<string> resources, int pageDeltas, TimeSpan elapsed)
    {
        Source = report.Source;
        Resources = resources;
        PageDeltas = pageDeltas;
        Pages = report.Pages;
        Pulled = report.Pulled;
        Applied = report.Applied;
        Skipped = report.Skipped;
        Unchanged = report.Unchanged;
        Duplicates = report.Duplicates;
        Missing = report.Missing;
        Cursor = report.FinalCursor;
        Elapsed = elapsed;
    }

    /// <summary>Gets the source's id.</summary>
    public string Source { get; }

    /// <summary>Gets the resources the page just committed held changes of (or completed a full pass of), in the order they first appear; empty for an empty page.</summary>
    public IReadOnlyList<string> Resources { get; }

    /// <summary>Gets how many deltas the page just committed held.</summary>
    public int PageDeltas { get; }

    /// <summary>Gets how many pages this sync has committed so far, the one just committed included.</summary>
    public int Pages { get; }

    /// <summary>Gets how many deltas this sync has pulled and committed so far.</summary>
    public long Pulled { get; }

    /// <summary>Gets how many deltas changed a record so far (inserted, updated, merged or deleted).</summary>
    public long Applied { get; }

    /// <summary>Gets how many deltas the conflict strategy skipped so far (logged with the decision <c>skip</c>).</summary>
    public long Skipped { get; }

    /// <summary>Gets how many deltas would not have changed their record so far (logged with the decision <c>unchanged</c>).</summary>
    public long Unchanged { get; }

    /// <summary>Gets how many deltas were ignored so far because a delta with the same source and id was applied before (not logged).</summary>
    public long Duplicates { get; }

    /// <summary>Gets how many records completed full passes no longer listed so far; each got a delete event (see <see cref="PullResult.CompletedPasses"/>).</summary>
    public long Missing { get; }

    /// <summary>Gets the cursor committed with the page: where a sync resumes if this one stops now.</summary>
    public string? Cursor { get; }

    /// <summary>Gets how long the sync has run so far, on <see cref="SyncerOptions.TimeProvider"/>.</summary>
    public TimeSpan Elapsed { get; }

    /// <inheritdoc />
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Source}: page {Pages} ({string.Join(", ", Resources)}), {Pulled} pulled, {Applied} applied, {Skipped} skipped, {Unchanged} unchanged{SyncReport.Extras(Duplicates, Missing)}");
}
