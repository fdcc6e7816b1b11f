using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.Json;

namespace OxideMirror;

/// <summary>Turns a query's parameters (an anonymous object or a dictionary) into name/value pairs SQLite can bind.</summary>
internal static class QueryParameters
{
    public static Dictionary<string, object?> Read(object? parameters)
    {
        var values = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        switch (parameters)
        {
            case null:
                break;
            case IEnumerable<KeyValuePair<string, object?>> pairs:
                foreach (var (key, value) in pairs)
                {
                    values[Trim(key)] = value;
                }

                break;
            case IDictionary dictionary:
                foreach (DictionaryEntry entry in dictionary)
                {
                    values[Trim(Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? string.Empty)] = entry.Value;
                }

                break;
            default:
                foreach (var property in Properties.GetOrAdd(parameters.GetType(), ReadableProperties))
                {
                    values[property.Name] = property.GetValue(parameters);
                }

                break;
        }

        return values;
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
            string.Create(CultureInfo.InvariantCulture, $"Query parameter '{name}' is {u}, larger than SQLite's largest integer ({long.MaxValue}). Pass it as a string, or as a double if precision may be lost.")),
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
            $"Query parameter '{name}' has type {value.GetType().Name}, which cannot be bound. Pass a string, number, boolean, date, Guid, byte array, JsonElement or null."),
    };

    // Agents send the same parameter shapes again and again: reflect over each type once.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, PropertyInfo[]> Properties = new();

    private static PropertyInfo[] ReadableProperties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0).ToArray();

    private static string Trim(string key) => key.Length > 0 && key[0] is '@' or ':' or '$' ? key[1..] : key;
}
