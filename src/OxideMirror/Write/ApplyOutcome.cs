namespace OxideMirror;

/// <summary>What the apply rules decided for one delta, and the record's state after it.</summary>
internal readonly ref struct ApplyOutcome
{
    public ApplyOutcome(ApplyDecision decision, RecordState after)
    {
        Decision = decision;
        After = after;
    }

    public ApplyDecision Decision { get; }

    /// <summary>Gets the record after the delta: the state before it when the decision did not apply.</summary>
    public RecordState After { get; }

    /// <summary>Gets a value indicating whether the decision changed the record.</summary>
    public bool Applied => ApplyRules.IsApplied(Decision);
}
