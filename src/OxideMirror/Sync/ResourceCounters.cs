namespace OxideMirror;

/// <summary>
/// Counts what a sync did to one resource.
/// </summary>
public sealed class ResourceCounters
{
    /// <summary>Gets how many records were created.</summary>
    public long Inserted { get; private set; }

    /// <summary>Gets how many records had their payload replaced.</summary>
    public long Updated { get; private set; }

    /// <summary>Gets how many records had a merged payload stored.</summary>
    public long Merged { get; private set; }

    /// <summary>Gets how many records were deleted.</summary>
    public long Deleted { get; private set; }

    /// <summary>Gets how many deltas the conflict strategy skipped.</summary>
    public long Skipped { get; private set; }

    /// <summary>Gets how many deltas would not have changed their record.</summary>
    public long Unchanged { get; private set; }

    /// <summary>Gets how many deltas were ignored because their id was applied before.</summary>
    public long Duplicates { get; private set; }

    /// <summary>Gets how many deltas changed a record.</summary>
    public long Applied => Inserted + Updated + Merged + Deleted;

    /// <summary>Gets how many deltas arrived for the resource.</summary>
    public long Total => Applied + Skipped + Unchanged + Duplicates;

    internal void Add(ApplyDecision decision)
    {
        switch (decision)
        {
            case ApplyDecision.Inserted: Inserted++; break;
            case ApplyDecision.Updated: Updated++; break;
            case ApplyDecision.Merged: Merged++; break;
            case ApplyDecision.Deleted: Deleted++; break;
            case ApplyDecision.Skipped: Skipped++; break;
            case ApplyDecision.Unchanged: Unchanged++; break;
            default: Duplicates++; break;
        }
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"inserted {Inserted}, updated {Updated}, merged {Merged}, deleted {Deleted}, skipped {Skipped}, unchanged {Unchanged}, duplicates {Duplicates}";
}
