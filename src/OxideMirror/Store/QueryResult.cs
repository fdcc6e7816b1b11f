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
public sealed class QueryResult
{
    internal QueryResult(IReadOnlyList<string> columns, IReadOnlyList<IReadOnlyDictionary<string, object?>> rows, bool truncated)
    {
        Columns = columns;
        Rows = rows;
        Truncated = truncated;
    }

    /// <summary>Gets the result's column names, in order, each unique.</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>Gets the rows, each a read-only dictionary from column name to value.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, object?>> Rows { get; }

    /// <summary>Gets a value indicating whether the row cap or the byte cap cut the result short; <see cref="Rows"/> then holds the rows up to the cap.</summary>
    public bool Truncated { get; }

    /// <summary>Gets how many rows the result holds.</summary>
    public int RowCount => Rows.Count;

    /// <summary>
    /// Returns the result as JSON: <c>{"columns":[…],"rows":[{…}],"row_count":n,"truncated":false}</c>, with numbers as
    /// JSON numbers, text as strings, blobs as base64 strings and NULL as null.
    /// </summary>
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
                foreach (var (name, value) in row)
                {
                    writer.WritePropertyName(name);
                    WriteValue(writer, value);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteNumber("row_count", Rows.Count);
            writer.WriteBoolean("truncated", Truncated);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteValue(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
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
}
