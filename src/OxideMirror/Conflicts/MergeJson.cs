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

        // ParseValue gives an element that owns its own copy of the bytes, so the decision can keep it as it is.
        var reader = new Utf8JsonReader(buffer.WrittenSpan);
        return ConflictResolution.ApplyOwnedMerged(JsonElement.ParseValue(ref reader));
    }

    private static void Merge(Utf8JsonWriter writer, JsonElement left, JsonElement right)
    {
        // TryGetProperty scans the object, so looking up each key of one large object in another would cost the product
        // of their sizes; past a few keys, the lookups go through a dictionary instead.
        var rightIndex = Index(right);
        var leftIndex = Index(left);
        writer.WriteStartObject();
        foreach (var property in left.EnumerateObject())
        {
            if (TryGet(right, rightIndex, property.Name, out var other))
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
            if (!TryGet(left, leftIndex, property.Name, out _))
            {
                property.WriteTo(writer);
            }
        }

        writer.WriteEndObject();
    }

    /// <summary>Indexes an object's properties by name (the last of duplicates wins, as in TryGetProperty), or returns null for a small object.</summary>
    private static Dictionary<string, JsonElement>? Index(JsonElement value)
    {
        const int Scanned = 16;
        if (value.GetPropertyCount() <= Scanned)
        {
            return null;
        }

        var index = new Dictionary<string, JsonElement>(value.GetPropertyCount(), StringComparer.Ordinal);
        foreach (var property in value.EnumerateObject())
        {
            index[property.Name] = property.Value;
        }

        return index;
    }

    private static bool TryGet(JsonElement value, Dictionary<string, JsonElement>? index, string name, out JsonElement found) =>
        index is null ? value.TryGetProperty(name, out found) : index.TryGetValue(name, out found);
}
