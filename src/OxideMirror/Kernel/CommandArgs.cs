using System.Globalization;
using System.Text.Json;

namespace OxideMirror.Kernel;

/// <summary>Reads a command's JSON payload strictly: an object with only the named fields, each of the right type; anything else is a <c>bad_request</c> that says what to send.</summary>
internal sealed class CommandArgs
{
    private readonly string _method;
    private readonly JsonElement _payload;
    private readonly string[] _fields;

    private CommandArgs(string method, JsonElement payload, string[] fields)
    {
        _method = method;
        _payload = payload;
        _fields = fields;
    }

    public static CommandArgs Read(string method, JsonElement payload, params string[] fields)
    {
        if (payload.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            payload = MirrorJson.Parse("{}");
        }

        if (payload.ValueKind != JsonValueKind.Object)
        {
            throw BadRequest(method, $"The payload is a JSON {Kind(payload)}; send a JSON object{Fields(fields)}.");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in payload.EnumerateObject())
        {
            var name = NameOf(method, property, "A field name");
            if (Array.IndexOf(fields, name) < 0)
            {
                throw BadRequest(method, $"The payload has an unknown field '{Shorten(name)}'{(fields.Length == 0 ? "; send an empty object {}." : "; the fields are: " + string.Join(", ", fields) + ".")}");
            }

            if (!seen.Add(name))
            {
                throw BadRequest(method, $"The field '{Shorten(name)}' appears more than once, and readers disagree on which one counts. Send each field once.");
            }
        }

        return new CommandArgs(method, payload, fields);
    }

    public string RequiredString(string name)
    {
        var value = OptionalString(name);
        return string.IsNullOrWhiteSpace(value)
            ? throw BadRequest(_method, $"The field '{name}' is required and must be a non-empty string{Fields(_fields)}.")
            : value;
    }

    public string? OptionalString(string name)
    {
        if (!TryGet(name, out var value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? TextOf(_method, value, $"The field '{name}'")
            : throw BadRequest(_method, $"The field '{name}' must be a string, not a JSON {Kind(value)}.");
    }

    public long? OptionalLong(string name, long min, long max)
    {
        if (!TryGet(name, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var number))
        {
            throw BadRequest(_method, $"The field '{name}' must be a whole number, not {Show(value)}.");
        }

        return number < min || number > max
            ? throw BadRequest(_method, $"The field '{name}' is {number.ToString(CultureInfo.InvariantCulture)}; send a value from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}.")
            : number;
    }

    public DateTimeOffset? OptionalTimestamp(string name)
    {
        var text = OptionalString(name);
        if (text is null)
        {
            return null;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var moment)
            ? moment
            : throw BadRequest(_method, $"The field '{name}' is '{Shorten(text)}', which is not a timestamp; send ISO 8601, for example \"2026-01-31T12:00:00Z\".");
    }

    /// <summary>Reads a query's parameters: an object of name/value pairs, each name once by the rule <see cref="QueryParameters"/> binds them.</summary>
    public Dictionary<string, object?>? OptionalParameters(string name)
    {
        if (!TryGet(name, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            throw BadRequest(_method, $"The field '{name}' must be a JSON object of name/value pairs, not a JSON {Kind(value)}.");
        }

        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        var spellings = new Dictionary<string, string>(QueryParameters.Names);
        foreach (var property in value.EnumerateObject())
        {
            var key = NameOf(_method, property, $"A name in the field '{name}'");
            if (property.Value.ValueKind == JsonValueKind.String)
            {
                TextOf(_method, property.Value, $"The value of '{Shorten(key)}' in the field '{name}'");
            }

            if (!result.TryAdd(key, property.Value.Clone()))
            {
                throw BadRequest(_method, $"The name '{Shorten(key)}' in the field '{name}' appears more than once, and readers disagree on which one counts. Send each name once.");
            }

            // Names that differ only in case or by a leading @, : or $ bind the same SQL parameter: the same refusal as a repeat.
            if (!spellings.TryAdd(QueryParameters.Key(key), key))
            {
                throw BadRequest(_method, QueryParameters.Twice(spellings[QueryParameters.Key(key)], key, $" in the field '{name}'"));
            }
        }

        return result;
    }

    public bool Has(string name) => TryGet(name, out _);

    public static CommandFailure BadRequest(string method, string message) =>
        new(MirrorErrorCodes.BadRequest, $"Bad '{method}' command: {message}");

    private bool TryGet(string name, out JsonElement value) =>
        _payload.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;

    /// <summary>Reads a property name; System.Text.Json throws <see cref="InvalidOperationException"/> for an unpaired surrogate escape.</summary>
    private static string NameOf(string method, JsonProperty property, string what)
    {
        try
        {
            return property.Name;
        }
        catch (InvalidOperationException)
        {
            throw NotText(method, what);
        }
    }

    /// <summary>Reads a JSON string; System.Text.Json throws <see cref="InvalidOperationException"/> for an unpaired surrogate escape.</summary>
    private static string TextOf(string method, JsonElement value, string what)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw NotText(method, what);
        }
    }

    /// <summary>
    /// Cuts a value quoted in a message (or a method name echoed in an answer's kind) to 100 characters, never between the
    /// halves of a surrogate pair, so that a huge field does not come back as a huge error.
    /// </summary>
    public static string Shorten(string text) => text.Length <= 100 ? text : text[..(char.IsHighSurrogate(text[99]) ? 99 : 100)] + "…";

    private static CommandFailure NotText(string method, string what) =>
        BadRequest(method, $"{what} holds an unpaired UTF-16 surrogate escape (a \\ud800–\\udfff without its pair), which is not text. Send valid UTF-16: escape a character outside the Basic Multilingual Plane as both halves of its pair.");

    private static string Fields(string[] fields) =>
        fields.Length == 0 ? string.Empty : " (fields: " + string.Join(", ", fields) + ")";

    private static string Kind(JsonElement value) => value.ValueKind.ToString().ToLowerInvariant();

    private static string Show(JsonElement value) =>
        value.ValueKind == JsonValueKind.Number ? Shorten(value.GetRawText()) : "a JSON " + Kind(value);
}
