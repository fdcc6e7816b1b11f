using System.Buffers;
using System.Text;
using System.Text.Json;

namespace OxideMirror;

/// <summary>
/// Holds the rows an agent query returned, with the flag that says whether limits cut them short.
/// </summary>
/// <remarks>
/// Values are SQLite's own types: <see cref="long"/>, <see cref="double"/>, <see cref="string"/>,
/// <see cref="byte"/> arrays, or <see langword="null"/>. When two columns share a name, the later ones are keyed
/// <c>name_2</c>, <c>name_3</c>, … in <see cref="Rows"/> and <see cref="Columns"/>, so that every key is unique.
/// </remarks>
public sealed class QueryResult : IQueryAnswer
{
    private readonly JsonColumnMode[] _modes;

    internal QueryResult(IReadOnlyList<string> columns, IReadOnlyList<IReadOnlyDictionary<string, object?>> rows, bool truncated, JsonColumnMode[] modes, IReadOnlyList<ResourceFreshness> freshness)
    {
        Columns = columns;
        Rows = rows;
        Truncated = truncated;
        _modes = modes;
        Freshness = freshness;
    }

    /// <summary>
    /// Gets how fresh the data the query read is: for every resource table it read, when each source feeding that
    /// resource last committed a sync page. Empty when the query read no resource table.
    /// </summary>
    public IReadOnlyList<ResourceFreshness> Freshness { get; }

    /// <summary>Gets the result's column names, in order, each unique.</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>Gets the rows, each a read-only dictionary from column name to value.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, object?>> Rows { get; }

    /// <summary>Gets a value indicating whether the row cap or the byte cap cut the result short; <see cref="Rows"/> then holds the rows up to the cap.</summary>
    public bool Truncated { get; }

    /// <summary>Gets how many rows the result holds.</summary>
    public int RowCount => Rows.Count;

    /// <summary>
    /// Returns the result as JSON: <c>{"columns":[…],"rows":[{…}],"row_count":n,"truncated":false,"freshness":[…]}</c>,
    /// with numbers as JSON numbers, text as strings, blobs as base64 strings and NULL as null. Nested objects and arrays
    /// come out as JSON, not as escaped strings: a column read from a resource column that holds objects or arrays, and
    /// a computed column (such as <c>json_group_array(...)</c>) whose text is a JSON object or array, nested at most 61
    /// levels deep; deeper JSON text comes out as a string, so that the answer stays within the 64 levels
    /// System.Text.Json's readers take by default.
    /// </summary>
    /// <remarks>
    /// The compact JSON, as UTF-8, takes at most the query's byte cap (<see cref="MirrorStoreOptions.MaxQueryBytes"/> or
    /// <see cref="QueryOptions.MaxBytes"/>): the query counted every row at what this method writes for it. Indented JSON
    /// adds whitespace on top. Every text value serializes: text that would be JSON but for an escape leaving a UTF-16
    /// surrogate unpaired (<c>{"a":"\udc00"}</c>), which no JSON writer can write, comes out as a string.
    /// </remarks>
    /// <param name="indented">Whether to indent the JSON for people; agents read compact JSON fine.</param>
    /// <returns>The JSON text.</returns>
    public string ToJson(bool indented = false)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("columns");
            foreach (var column in Columns)
            {
                writer.WriteStringValue(column);
            }

            writer.WriteEndArray();
            writer.WriteStartArray("rows");
            foreach (var row in Rows)
            {
                writer.WriteStartObject();
                var i = 0;
                foreach (var (name, value) in row)
                {
                    writer.WritePropertyName(name);
                    WriteValue(writer, value, i < _modes.Length ? _modes[i] : JsonColumnMode.Text);
                    i++;
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteNumber("row_count", Rows.Count);
            writer.WriteBoolean("truncated", Truncated);
            writer.WriteStartArray("freshness");
            foreach (var f in Freshness)
            {
                writer.WriteStartObject();
                writer.WriteString("resource", f.Resource);
                writer.WriteString("source", f.Source);
                writer.WriteString("last_synced_at", f.LastSyncedAt.UtcDateTime);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteValue(Utf8JsonWriter writer, object? value, JsonColumnMode mode)
    {
        switch (value)
        {
            case string s when mode != JsonColumnMode.Text && s.Length > 1 && (s[0] == '{' || s[0] == '[') && TryWriteJson(writer, s):
                break;
            case null:
                writer.WriteNullValue();
                break;
            case long l:
                writer.WriteNumberValue(l);
                break;
            case double d when double.IsFinite(d):
                writer.WriteNumberValue(d);
                break;
            case double d:
                writer.WriteStringValue(d.ToString(System.Globalization.CultureInfo.InvariantCulture));
                break;
            case string s:
                writer.WriteStringValue(s);
                break;
            case byte[] b:
                writer.WriteBase64StringValue(b);
                break;
            default:
                writer.WriteStringValue(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture));
                break;
        }
    }

    private static bool TryWriteJson(Utf8JsonWriter writer, string text)
    {
        JsonDocument document;
        try
        {
            // Nested no deeper than JsonDepth.Value, the JSON keeps the answer within the depth default readers take.
            document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = JsonDepth.Value });
        }
        catch (JsonException)
        {
            return false;
        }

        using (document)
        {
            // JSON whose escape leaves a surrogate unpaired (\udc00) parses, but no writer can write it: it would throw half
            // way through the value. Such text is written as a string, like any text that is not JSON.
            if (text.Contains("\\u", StringComparison.Ordinal) && JsonAnswerSize.Json(Encoding.UTF8.GetBytes(text)) < 0)
            {
                return false;
            }

            document.RootElement.WriteTo(writer);
            return true;
        }
    }
}
