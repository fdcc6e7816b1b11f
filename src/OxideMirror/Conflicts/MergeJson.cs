using System.Buffers;
using System.Text.Json;

namespace OxideMirror;

/// <summary>
/// Deep-merges an incoming object payload into the record's: keys in the change win, keys it lacks survive,
/// and objects present on both sides are merged key by key. Anything else (a new or deleted record, a delete)
/// falls back to applying the change as it is. Useful when several sources each own some of a record's fields.
/// </summary>
public sealed class MergeJson : IConflictStrategy
{
    /// <summary>Gets a shared instance.</summary>
    public static MergeJson Instance { get; } = new();

    /// <inheritdoc />
    public string Label => "merge-json";

    /// <inheritdoc />
    public ConflictResolution Resolve(MirroredRecord? existing, Delta incoming)
    {
        ArgumentNullException.ThrowIfNull(incoming);
        if (existing is null || existing.IsDeleted || incoming.Op != DeltaOp.Upsert
            || existing.Payload.ValueKind != JsonValueKind.Object || incoming.Payload.ValueKind != JsonValueKind.Object)
        {
            return ConflictResolution.Apply;
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Merge(writer, existing.Payload, incoming.Payload);
        }

        using var merged = JsonDocument.Parse(buffer.WrittenMemory);
        return ConflictResolution.ApplyMerged(merged.RootElement);
    }

    private static void Merge(Utf8JsonWriter writer, JsonElement left, JsonElement right)
    {
        writer.WriteStartObject();
        foreach (var property in left.EnumerateObject())
        {
            if (right.TryGetProperty(property.Name, out var other))
            {
                writer.WritePropertyName(property.Name);
                if (property.Value.ValueKind == JsonValueKind.Object && other.ValueKind == JsonValueKind.Object)
                {
                    Merge(writer, property.Value, other);
                }
                else
                {
                    other.WriteTo(writer);
                }
            }
            else
            {
                property.WriteTo(writer);
            }
        }

        foreach (var property in right.EnumerateObject())
        {
            if (!left.TryGetProperty(property.Name, out _))
            {
                property.WriteTo(writer);
            }
        }

        writer.WriteEndObject();
    }
}
