using System.Text.Json;

namespace OxideMirror;

/// <summary>
/// Holds a conflict strategy's decision: <see cref="Apply"/>, <see cref="Skip"/> or <see cref="ApplyMerged(JsonElement)"/>.
/// </summary>
public sealed class ConflictResolution
{
    private ConflictResolution(ConflictResolutionKind kind, JsonElement merged)
    {
        Kind = kind;
        MergedPayload = merged;
    }

    /// <summary>Gets the decision to apply the incoming change as it is.</summary>
    public static ConflictResolution Apply { get; } = new(ConflictResolutionKind.Apply, default);

    /// <summary>Gets the decision to keep the record as it is.</summary>
    public static ConflictResolution Skip { get; } = new(ConflictResolutionKind.Skip, default);

    /// <summary>Gets the decision.</summary>
    public ConflictResolutionKind Kind { get; }

    /// <summary>Gets the payload to store when <see cref="Kind"/> is <see cref="ConflictResolutionKind.ApplyMerged"/>; undefined otherwise.</summary>
    public JsonElement MergedPayload { get; }

    /// <summary>Creates the decision to apply the change with another payload.</summary>
    /// <param name="payload">The payload to store; must be a JSON object.</param>
    /// <returns>The decision.</returns>
    /// <exception cref="ArgumentException"><paramref name="payload"/> is not a JSON object.</exception>
    public static ConflictResolution ApplyMerged(JsonElement payload)
    {
        if (payload.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException($"A merged payload must be a JSON object, but it is {payload.ValueKind}. Return ConflictResolution.Apply or Skip for other values.", nameof(payload));
        }

        return new ConflictResolution(ConflictResolutionKind.ApplyMerged, payload.Clone());
    }

    /// <summary>Creates the decision to apply a merged object the caller built and no one else holds, without copying it.</summary>
    internal static ConflictResolution ApplyOwnedMerged(JsonElement payload) => new(ConflictResolutionKind.ApplyMerged, payload);

    /// <inheritdoc />
    public override string ToString() => Kind.ToString();
}
