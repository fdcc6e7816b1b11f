using System.Text.Json;

namespace OxideMirror.Http;

/// <summary>Walks a dot-separated path of property names (<c>data.items</c>) through a JSON document.</summary>
internal static class JsonPath
{
    /// <summary>Finds the element at <paramref name="path"/>, or says where the walk stopped and what it found there.</summary>
    public static bool TryFind(JsonElement root, string? path, out JsonElement found, out string problem)
    {
        found = root;
        problem = string.Empty;
        if (string.IsNullOrEmpty(path))
        {
            return true;
        }

        var walked = "the body";
        foreach (var name in path.Split('.'))
        {
            if (found.ValueKind != JsonValueKind.Object)
            {
                problem = $"{walked} is {Describe(found)}, not an object with a '{name}' property";
                return false;
            }

            if (!found.TryGetProperty(name, out var next))
            {
                problem = $"{walked} is an object with {Properties(found)} but no '{name}'";
                return false;
            }

            found = next;
            walked = walked == "the body" ? $"'{name}'" : walked[..^1] + "." + name + "'";
        }

        return true;
    }

    /// <summary>Reads a string (or number, as text) at <paramref name="path"/>, or <see langword="null"/> when it is missing, null or empty.</summary>
    public static string? ReadText(JsonElement root, string path)
    {
        if (!TryFind(root, path, out var element, out _))
        {
            return null;
        }

        return element.ValueKind switch
        {
            JsonValueKind.String => element.GetString() is { Length: > 0 } text ? text : null,
            JsonValueKind.Number => element.GetRawText(),
            _ => null,
        };
    }

    /// <summary>Reads a whole number at <paramref name="path"/> (a number or numeric string), or <see langword="null"/>.</summary>
    public static long? ReadInt64(JsonElement root, string path)
    {
        if (!TryFind(root, path, out var element, out _))
        {
            return null;
        }

        if (element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out var number))
        {
            return number;
        }

        return element.ValueKind == JsonValueKind.String && long.TryParse(element.GetString(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out number) ? number : null;
    }

    /// <summary>Describes an element's kind in words, for error messages.</summary>
    public static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => $"an object with {Properties(element)}",
        JsonValueKind.Array => $"an array of {element.GetArrayLength()} item(s)",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    private static string Properties(JsonElement element)
    {
        var names = element.EnumerateObject().Select(p => p.Name).Take(10).ToList();
        return names.Count == 0 ? "no properties" : "properties [" + string.Join(", ", names) + "]";
    }
}
