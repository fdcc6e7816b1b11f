using System.Globalization;
using System.Text;
using System.Text.Json;

namespace OxideMirror;

/// <summary>
/// Finds what makes a JSON payload impossible to store: nesting deeper than the mirror's answers can carry, or a string or key
/// whose escapes hold an unpaired UTF-16 surrogate (<c>"\ud83d"</c> alone), which no UTF-8 text can hold. The apply
/// path does not look for these up front: writing the payload fails on them, and only then is it searched, to say where.
/// </summary>
internal static class PayloadProblems
{
    /// <summary>
    /// The deepest nesting of objects and arrays a payload may have (<see cref="JsonDepth.Value"/>): every answer that
    /// carries it then stays within the depth System.Text.Json's readers take by default.
    /// </summary>
    public const int MaxDepth = JsonDepth.Value;

    private const int MaxPathLength = 120;

    /// <summary>Describes the first problem as a phrase that follows "whose Payload", or returns null when there is none.</summary>
    public static string? Find(JsonElement payload)
    {
        var path = new StringBuilder("$");
        return Find(payload, 1, path);
    }

    private static string? Find(JsonElement value, int depth, StringBuilder path)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object or JsonValueKind.Array when depth > MaxDepth:
                return string.Create(CultureInfo.InvariantCulture, $"nests objects and arrays more than {MaxDepth} levels deep at {Shorten(path)}, deeper than the mirror's answers can carry within the {JsonDepth.Default} levels JSON readers take by default. Flatten the payload, or keep the deep part as a JSON string");
            case JsonValueKind.Object:
                var position = 0;
                foreach (var property in value.EnumerateObject())
                {
                    var length = path.Length;
                    string name;
                    try
                    {
                        name = property.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        path.Append(CultureInfo.InvariantCulture, $", key {position + 1}");
                        return Surrogate("a key", path);
                    }

                    AppendKey(path, name);
                    var found = Find(property.Value, depth + 1, path);
                    if (found is not null)
                    {
                        return found;
                    }

                    path.Length = length;
                    position++;
                }

                return null;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    var length = path.Length;
                    path.Append(CultureInfo.InvariantCulture, $"[{index++}]");
                    var found = Find(item, depth + 1, path);
                    if (found is not null)
                    {
                        return found;
                    }

                    path.Length = length;
                }

                return null;
            case JsonValueKind.String:
                try
                {
                    _ = value.GetString();
                    return null;
                }
                catch (InvalidOperationException)
                {
                    return Surrogate("a string", path);
                }

            default:
                return null;
        }
    }

    private static string Surrogate(string what, StringBuilder path) =>
        $"has {what} with an unpaired UTF-16 surrogate escape at {Shorten(path)}, which UTF-8 text cannot hold. Replace the escape (for example with \\ufffd) or drop the broken text before handing the payload over";

    private static void AppendKey(StringBuilder path, string name)
    {
        if (name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') && !char.IsAsciiDigit(name[0]))
        {
            path.Append('.').Append(name);
        }
        else
        {
            path.Append('[').Append(JsonSerializer.Serialize(name)).Append(']');
        }
    }

    private static string Shorten(StringBuilder path) =>
        path.Length <= MaxPathLength ? path.ToString() : path.ToString(0, MaxPathLength) + "…";
}
