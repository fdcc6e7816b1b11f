using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.Json;

namespace OxideMirror;

/// <summary>
/// Turns a query's parameters (an anonymous object or a dictionary) into name/value pairs SQLite can bind, by one rule
/// both query paths share: a name binds the SQL parameter <c>@name</c>, <c>:name</c> or <c>$name</c> whatever its case,
/// with or without one leading <c>@</c>, <c>:</c> or <c>$</c>; two names that would bind the same SQL parameter are refused.
/// </summary>
internal static class QueryParameters
{
    /// <summary>Compares parameter names once <see cref="Key"/> has taken off their prefix: without regard to case.</summary>
    public static readonly StringComparer Names = StringComparer.OrdinalIgnoreCase;

    /// <summary>Reads the parameters, keyed by <see cref="Key"/> and compared by <see cref="Names"/>.</summary>
    /// <exception cref="QueryException">Two names bind the same SQL parameter.</exception>
    public static Dictionary<string, object?> Read(object? parameters)
    {
        var values = new Dictionary<string, object?>(Names);
        var spellings = new Dictionary<string, string>(Names);
        void Add(string name, object? value)
        {
            var key = Key(name);
            if (!spellings.TryAdd(key, name))
            {
                throw new QueryException(Twice(spellings[key], name));
            }

            values[key] = value;
        }

        switch (parameters)
        {
            case null:
                break;
            case IEnumerable<KeyValuePair<string, object?>> pairs:
                foreach (var (key, value) in pairs)
                {
                    Add(key, value);
                }

                break;
            case IDictionary dictionary:
                foreach (DictionaryEntry entry in dictionary)
                {
                    Add(Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? string.Empty, entry.Value);
                }

                break;
            default:
                foreach (var property in Properties.GetOrAdd(parameters.GetType(), ReadableProperties))
                {
                    Add(property.Name, property.GetValue(parameters));
                }

                break;
        }

        return values;
    }

    /// <summary>Returns the name a parameter is matched by: without one leading <c>@</c>, <c>:</c> or <c>$</c>.</summary>
    public static string Key(string name) => name.Length > 0 && name[0] is '@' or ':' or '$' ? name[1..] : name;

    /// <summary>Says that two spellings bind the same SQL parameter, and what to do; <paramref name="where"/> follows the names.</summary>
    public static string Twice(string first, string second, string where = "") =>
        $"The query parameters '{Shorten(first)}' and '{Shorten(second)}'{where} bind the same SQL parameter: a name matches @name, :name and $name whatever its case, with or without its prefix, so one value would silently replace the other. Pass each parameter once, under one name.";

    /// <summary>
    /// Looks up the value for the SQL parameter <paramref name="name"/> (as SQLite reports it, prefix included) at
    /// <paramref name="position"/>, and converts it with <see cref="ToSqlite"/>.
    /// </summary>
    /// <exception cref="QueryException">The parameter is positional, or no value was passed for it.</exception>
    /// <exception cref="ArgumentException">The value cannot be bound.</exception>
    public static object? ValueFor(string? name, int position, Dictionary<string, object?> parameters)
    {
        if (string.IsNullOrEmpty(name) || name.Length < 2)
        {
            throw new QueryException($"The query uses a positional parameter ('?' at position {position}). Name every parameter, for example @customer_id, and pass its value by that name.");
        }

        var key = name[1..];
        if (!parameters.TryGetValue(key, out var value))
        {
            throw new QueryException($"The query uses the parameter {Shorten(name)}, but no value named '{Shorten(key)}' was passed. Pass it in the parameters object, for example new {{ {Shorten(key)} = ... }}.");
        }

        return ToSqlite(key, value);
    }

    /// <summary>Converts a .NET value to one of SQLite's storage types: null, long, double, string or byte[].</summary>
    public static object? ToSqlite(string name, object? value) => value switch
    {
        null or DBNull => null,
        string s => s,
        bool b => b ? 1L : 0L,
        byte or sbyte or short or ushort or int or uint or long => Convert.ToInt64(value, CultureInfo.InvariantCulture),
        ulong u when u <= long.MaxValue => (long)u,
        ulong u => throw new ArgumentException(
            string.Create(CultureInfo.InvariantCulture, $"Query parameter '{Shorten(name)}' is {u}, larger than SQLite's largest integer ({long.MaxValue}). Pass it as a string, or as a double if precision may be lost.")),
        float or double or decimal => Convert.ToDouble(value, CultureInfo.InvariantCulture),
        byte[] bytes => bytes,
        DateTimeOffset dto => Timestamps.Write(dto),
        DateTime dt => Timestamps.Write(dt.Kind == DateTimeKind.Unspecified ? new DateTimeOffset(dt, TimeSpan.Zero) : new DateTimeOffset(dt)),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        Guid g => g.ToString(),
        Enum e => Convert.ToInt64(e, CultureInfo.InvariantCulture),
        JsonElement json => json.ValueKind switch
        {
            JsonValueKind.String => json.GetString(),
            JsonValueKind.Number when json.TryGetInt64(out var l) => l,
            JsonValueKind.Number => json.GetDouble(),
            JsonValueKind.True => 1L,
            JsonValueKind.False => 0L,
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            _ => json.GetRawText(),
        },
        _ => throw new ArgumentException(
            $"Query parameter '{Shorten(name)}' has type {value.GetType().Name}, which cannot be bound. Pass a string, number, boolean, date, Guid, byte array, JsonElement or null."),
    };

    // Agents send the same parameter shapes again and again: reflect over each type once.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, PropertyInfo[]> Properties = new();

    private static PropertyInfo[] ReadableProperties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0).ToArray();

    private static string Shorten(string name) => name.Length <= 100 ? name : name[..(char.IsHighSurrogate(name[99]) ? 99 : 100)] + "…";
}
