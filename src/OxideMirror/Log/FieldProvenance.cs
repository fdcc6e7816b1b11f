using System.Text.Json;

namespace OxideMirror;

/// <summary>Says which event set one top-level field of a record's current payload.</summary>
public sealed record FieldProvenance
{
    /// <summary>Gets the field's name (a top-level key of the payload).</summary>
    public required string Field { get; init; }

    /// <summary>Gets the field's current value.</summary>
    public JsonElement Value { get; init; }

    /// <summary>Gets the source whose change set the field.</summary>
    public required string Source { get; init; }

    /// <summary>Gets the log position of the event that set the field.</summary>
    public long Position { get; init; }

    /// <summary>Gets what the strategy decided for that event (for example <see cref="ApplyDecision.Merged"/>).</summary>
    public ApplyDecision Decision { get; init; }

    /// <summary>Gets the confidence of that event.</summary>
    public double Confidence { get; init; }

    /// <summary>Gets when that change happened at its source.</summary>
    public DateTimeOffset OccurredAt { get; init; }

    /// <summary>Gets when the mirror applied that change.</summary>
    public DateTimeOffset AppliedAt { get; init; }
}
