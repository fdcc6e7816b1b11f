using System.Text.Json;
using System.Text.Json.Nodes;

namespace OxideMirror.AI;

/// <summary>
/// Keeps one answer within its byte budget: the envelope is measured first, then list items are measured one by one
/// and added only while they fit, leaving <see cref="Reserve"/> bytes for the fields that say what was left out.
/// </summary>
internal sealed class AnswerBudget
{
    /// <summary>The bytes kept back for the closing fields an answer adds after its lists (<c>has_more</c>, a next position, a sentence).</summary>
    public const int Reserve = 1_024;

    private long _remaining;

    public AnswerBudget(long maxBytes, JsonNode envelope)
    {
        MaxBytes = maxBytes;
        _remaining = maxBytes - Reserve - ToolJson.Size(envelope);
    }

    public long MaxBytes { get; }

    /// <summary>Gets the bytes still free for items.</summary>
    public long Remaining => _remaining;

    /// <summary>Adds <paramref name="item"/> to <paramref name="list"/> if it fits (with its comma), and says whether it did.</summary>
    public bool TryAdd(JsonArray list, JsonNode item)
    {
        var size = ToolJson.Size(item) + 1;
        if (size > _remaining)
        {
            return false;
        }

        _remaining -= size;
        list.Add(item);
        return true;
    }

    /// <summary>Adds <paramref name="value"/> as <paramref name="name"/> to <paramref name="target"/> if it fits, and says whether it did.</summary>
    public bool TryAdd(JsonObject target, string name, JsonNode? value)
    {
        var size = ToolJson.Size(value) + ToolJson.Size(JsonValue.Create(name)) + 2;
        if (size > _remaining)
        {
            return false;
        }

        _remaining -= size;
        target[name] = value;
        return true;
    }

    /// <summary>
    /// Copies a record payload's top-level fields into a new object while they fit in <paramref name="cap"/> bytes (and
    /// in the budget), listing the names of those left out (at most 20, each cut to 60 characters) in <paramref name="omitted"/>.
    /// </summary>
    public static JsonObject FitPayload(JsonElement payload, long cap, out JsonArray? omitted)
    {
        omitted = null;
        var fitted = new JsonObject();
        if (payload.ValueKind != JsonValueKind.Object)
        {
            return fitted;
        }

        long used = 2;
        var left = 0;
        foreach (var property in payload.EnumerateObject())
        {
            var value = JsonSerializer.SerializeToNode(property.Value, ToolJson.Options);
            var size = ToolJson.Size(value) + ToolJson.Size(JsonValue.Create(property.Name)) + 2;
            if (used + size <= cap)
            {
                used += size;
                fitted[property.Name] = value;
                continue;
            }

            omitted ??= [];
            if (omitted.Count < 20)
            {
                omitted.Add(ToolJson.Shorten(property.Name, 60));
            }
            else
            {
                left++;
            }
        }

        if (left > 0)
        {
            omitted!.Add($"... and {left} more");
        }

        return fitted;
    }

    /// <summary>Returns a JSON value of <paramref name="element"/> if it takes at most <paramref name="cap"/> bytes, else null.</summary>
    public static JsonNode? FitValue(JsonElement element, long cap, out int size)
    {
        var node = JsonSerializer.SerializeToNode(element, ToolJson.Options);
        size = ToolJson.Size(node);
        return size <= cap ? node : null;
    }
}
