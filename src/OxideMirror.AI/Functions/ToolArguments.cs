using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace OxideMirror.AI;

/// <summary>
/// Reads one call's arguments as the model sent them — JSON elements from a chat client or an MCP client, or plain .NET
/// values from code — refusing unknown names, wrong types and out-of-range values with a <see cref="ToolArgumentException"/>
/// that names the argument and the fix.
/// </summary>
internal sealed class ToolArguments
{
    private readonly string _tool;
    private readonly Dictionary<string, JsonElement> _values = new(StringComparer.Ordinal);

    private ToolArguments(string tool) => _tool = tool;

    /// <exception cref="ToolArgumentException">An argument is not one of <paramref name="allowed"/>.</exception>
    public static ToolArguments Read(string tool, AIFunctionArguments arguments, IReadOnlyCollection<string> allowed)
    {
        var read = new ToolArguments(tool);
        foreach (var (name, value) in arguments)
        {
            if (!allowed.Contains(name))
            {
                var known = allowed.Count == 0 ? "it takes no arguments" : "it takes " + string.Join(", ", allowed);
                throw new ToolArgumentException($"The {tool} tool has no argument '{ToolJson.Shorten(name, 60)}': {known}.");
            }

            var element = value switch
            {
                JsonElement json => json,
                null => default,
                _ => JsonSerializer.SerializeToElement(value, value.GetType(), ToolJson.Options),
            };
            if (element.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null))
            {
                read._values[name] = element;
            }
        }

        return read;
    }

    public string RequiredString(string name) =>
        OptionalString(name) ?? throw Bad($"The argument '{name}' is required.");

    public string? OptionalString(string name)
    {
        if (!_values.TryGetValue(name, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw Bad($"The argument '{name}' must be a string, not {Kind(value)}.");
        }

        var text = value.GetString()!;
        return string.IsNullOrWhiteSpace(text) ? throw Bad($"The argument '{name}' is empty; send a value or leave it out.") : text;
    }

    public long? OptionalInteger(string name, long min, long max)
    {
        if (!_values.TryGetValue(name, out var value))
        {
            return null;
        }

        long number;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var l))
        {
            number = l;
        }
        else if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var d) && d == Math.Floor(d) && Math.Abs(d) < 9e15)
        {
            number = (long)d;
        }
        else if (value.ValueKind == JsonValueKind.String && long.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s))
        {
            number = s;
        }
        else
        {
            throw Bad($"The argument '{name}' must be a whole number, not {Kind(value)}.");
        }

        return number < min || number > max
            ? throw Bad(string.Create(CultureInfo.InvariantCulture, $"The argument '{name}' is {number:N0}; send a number from {min:N0} to {max:N0}."))
            : number;
    }

    public IReadOnlyList<string>? OptionalStrings(string name)
    {
        if (!_values.TryGetValue(name, out var value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            return [value.GetString()!];
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Bad($"The argument '{name}' must be an array of strings, not {Kind(value)}.");
        }

        var list = new List<string>();
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                throw Bad($"The argument '{name}' must hold strings only; it holds {Kind(item)}.");
            }

            list.Add(item.GetString()!);
        }

        return list;
    }

    /// <summary>Reads a JSON object of query parameters into the name-to-value dictionary QueryAsync binds.</summary>
    public Dictionary<string, object?>? OptionalParameters(string name)
    {
        if (!_values.TryGetValue(name, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Bad($"The argument '{name}' must be an object of parameter values, for example {{\"tier\": \"enterprise\"}} for @tier, not {Kind(value)}.");
        }

        var parameters = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var property in value.EnumerateObject())
        {
            parameters[property.Name] = property.Value.Clone();
        }

        return parameters;
    }

    public DateTimeOffset? OptionalMoment(string name)
    {
        if (OptionalString(name) is not { } text)
        {
            return null;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var moment)
            ? moment
            : throw Bad($"The argument '{name}' is '{ToolJson.Shorten(text, 60)}', which is not a moment; send ISO 8601, for example \"2026-11-25T12:00:00Z\".");
    }

    public bool Has(string name) => _values.ContainsKey(name);

    private ToolArgumentException Bad(string message) => new($"{message} ({_tool})");

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
