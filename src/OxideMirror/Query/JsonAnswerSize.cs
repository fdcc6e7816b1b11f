using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace OxideMirror;

/// <summary>
/// Counts the bytes <see cref="QueryResult.ToJson"/> writes (compact), the way its <see cref="Utf8JsonWriter"/> writes
/// them: names and strings quoted and escaped by System.Text.Json's default encoder, numbers as their text, blobs as
/// base64, nested JSON re-serialized compactly, separators. Every count is exact, except the envelope's
/// <c>row_count</c> (counted at ten digits) and each freshness moment (counted at its longest, 33 characters).
/// </summary>
/// <remarks>
/// The encoder writes printable ASCII other than <c>" &amp; ' + &lt; &gt; \ `</c> as itself, <c>\b \t \n \f \r \\</c>
/// as two bytes, and every other character, and every UTF-16 code unit outside ASCII (an unpaired surrogate as
/// <c>\uFFFD</c>), as a six-byte <c>\uXXXX</c>. The ASCII part of that table is read from the writer itself when this type
/// is first used; the tests check the rest against the writer for every kind of text.
/// </remarks>
internal static class JsonAnswerSize
{
    /// <summary>What <c>null</c> takes.</summary>
    public const int Null = 4;

    /// <summary>What one UTF-16 code unit outside ASCII takes: <c>\uXXXX</c>.</summary>
    private const int NonAsciiBytes = 6;

    private static readonly byte[] AsciiBytes = ReadAsciiTable();
    private static readonly SearchValues<byte> PlainBytes = SearchValues.Create(Plain<byte>());
    private static readonly SearchValues<char> PlainChars = SearchValues.Create(Plain<char>());

    /// <summary>What the envelope of a result with no columns, rows or freshness takes, with <c>row_count</c> at ten digits.</summary>
    private static readonly int EmptyEnvelope = Measure(w =>
    {
        w.WriteStartObject();
        w.WriteStartArray("columns");
        w.WriteEndArray();
        w.WriteStartArray("rows");
        w.WriteEndArray();
        w.WriteNumber("row_count", 1_000_000_000);
        w.WriteBoolean("truncated", false);
        w.WriteStartArray("freshness");
        w.WriteEndArray();
        w.WriteEndObject();
    });

    /// <summary>What one freshness entry takes besides its resource and source strings (their quotes included), with its moment at its longest.</summary>
    private static readonly int FreshnessEntry = Measure(w =>
    {
        w.WriteStartObject();
        w.WriteString("resource", string.Empty);
        w.WriteString("source", string.Empty);
        w.WriteString("last_synced_at", new DateTime(2026, 11, 25, 12, 51, 30, DateTimeKind.Utc).AddTicks(1_234_567));
        w.WriteEndObject();
    }) - 4;

    /// <summary>
    /// Returns what the answer takes before its first row: the envelope, the column list and the freshness entries
    /// (compact JSON), counting <c>row_count</c> at its longest and each moment at its longest.
    /// </summary>
    public static long Envelope(IReadOnlyList<string> columns, IReadOnlyList<ResourceFreshness> freshness)
    {
        long size = EmptyEnvelope;
        for (var c = 0; c < columns.Count; c++)
        {
            size += Text(columns[c]) + (c > 0 ? 1 : 0);
        }

        for (var f = 0; f < freshness.Count; f++)
        {
            size += FreshnessEntry + Text(freshness[f].Resource) + Text(freshness[f].Source) + (f > 0 ? 1 : 0);
        }

        return size;
    }

    /// <summary>Returns what a row object takes besides its values: braces, each <c>"name":</c> and the commas between them.</summary>
    public static long RowNames(IReadOnlyList<string> columns)
    {
        long size = 2 + Math.Max(0, columns.Count - 1);
        foreach (var column in columns)
        {
            size += Text(column) + 1;
        }

        return size;
    }

    /// <summary>Returns what an integer takes: its digits and sign.</summary>
    public static int Integer(long value)
    {
        var magnitude = value < 0 ? (ulong)(-(value + 1)) + 1 : (ulong)value;
        var digits = 1;
        while (magnitude >= 10)
        {
            magnitude /= 10;
            digits++;
        }

        return value < 0 ? digits + 1 : digits;
    }

    /// <summary>Returns what a real takes: its shortest round-trip text, or for NaN and the infinities the quoted string ToJson writes.</summary>
    public static int Real(double value)
    {
        if (!double.IsFinite(value))
        {
            return (int)Text(value.ToString(CultureInfo.InvariantCulture));
        }

        Span<byte> text = stackalloc byte[64];
        return value.TryFormat(text, out var written, default, CultureInfo.InvariantCulture) ? written : 32;
    }

    /// <summary>Returns what a blob takes as a quoted base64 string.</summary>
    public static long Blob(int length) => (((long)length + 2) / 3 * 4) + 2;

    /// <summary>Returns what text takes as a quoted, escaped JSON string.</summary>
    public static long Text(ReadOnlySpan<char> text)
    {
        long size = 2;
        while (true)
        {
            var plain = text.IndexOfAnyExcept(PlainChars);
            if (plain < 0)
            {
                return size + text.Length;
            }

            var c = text[plain];
            size += plain + (c < 128 ? AsciiBytes[c] : NonAsciiBytes);
            text = text[(plain + 1)..];
        }
    }

    /// <summary>
    /// Returns what UTF-8 text takes as a quoted, escaped JSON string once decoded the way <see cref="Encoding.UTF8"/>
    /// decodes it (an invalid sequence becomes U+FFFD).
    /// </summary>
    public static long Text(ReadOnlySpan<byte> utf8)
    {
        var plain = utf8.IndexOfAnyExcept(PlainBytes);
        if (plain < 0)
        {
            return utf8.Length + 2L;
        }

        long size = plain;
        utf8 = utf8[plain..];
        Span<char> chunk = stackalloc char[256];
        while (!utf8.IsEmpty)
        {
            var status = Utf8.ToUtf16(utf8, chunk, out var read, out var written, replaceInvalidSequences: true, isFinalBlock: true);
            size += Text(chunk[..written]) - 2;
            utf8 = utf8[read..];
            if (status is not (OperationStatus.Done or OperationStatus.DestinationTooSmall))
            {
                break;
            }
        }

        return size + 2;
    }

    /// <summary>
    /// Returns what JSON text takes re-serialized compactly, as <see cref="JsonElement.WriteTo"/> writes it, or -1 when it is
    /// not written as JSON: it does not parse with <see cref="JsonDocument"/>'s default options, nests deeper than
    /// <see cref="JsonDepth.Value"/> (an answer nests it three levels down), or an escape in it leaves a UTF-16 surrogate
    /// unpaired (which the writer cannot write); such text is written as a string instead.
    /// </summary>
    /// <param name="utf8">Valid UTF-8, as <see cref="Encoding.UTF8"/> encodes the text.</param>
    public static long Json(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = JsonDepth.Value });
        Span<bool> started = stackalloc bool[JsonDepth.Value + 2];
        var previous = JsonTokenType.None;
        char[]? rented = null;
        long size = 0;
        try
        {
            while (reader.Read())
            {
                var token = reader.TokenType;
                var depth = reader.CurrentDepth;
                if (token is not (JsonTokenType.EndObject or JsonTokenType.EndArray) && previous != JsonTokenType.PropertyName && depth > 0)
                {
                    // A property name, or a value in an array: a comma before every one but the first.
                    size += started[depth] ? 1 : 0;
                    started[depth] = true;
                }

                switch (token)
                {
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        started[depth + 1] = false;
                        size += 1;
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        size += 1;
                        break;
                    case JsonTokenType.PropertyName or JsonTokenType.String:
                        size += token == JsonTokenType.PropertyName ? 1 : 0;
                        if (!reader.ValueIsEscaped)
                        {
                            size += Text(reader.ValueSpan);
                            break;
                        }

                        var length = reader.ValueSpan.Length;
                        if (rented is null || rented.Length < length)
                        {
                            if (rented is not null)
                            {
                                ArrayPool<char>.Shared.Return(rented);
                            }

                            rented = ArrayPool<char>.Shared.Rent(length);
                        }

                        size += Text(rented.AsSpan(0, reader.CopyString(rented)));
                        break;
                    case JsonTokenType.Number:
                        size += reader.ValueSpan.Length;
                        break;
                    case JsonTokenType.True or JsonTokenType.Null:
                        size += 4;
                        break;
                    case JsonTokenType.False:
                        size += 5;
                        break;
                    default:
                        return -1;
                }

                previous = token;
            }

            return size;
        }
        catch (JsonException)
        {
            return -1;
        }
        catch (InvalidOperationException)
        {
            // An escape such as \udc00 decodes to an unpaired surrogate, which no writer can write.
            return -1;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Tells whether ToJson writes text of this column mode as nested JSON rather than a string, when it parses.</summary>
    public static bool MayBeJson(JsonColumnMode mode, ReadOnlySpan<byte> utf8) =>
        mode != JsonColumnMode.Text && utf8.Length > 1 && (utf8[0] == (byte)'{' || utf8[0] == (byte)'[');

    /// <summary>Returns what a text value of the given column mode takes as ToJson writes it.</summary>
    public static long TextValue(JsonColumnMode mode, ReadOnlySpan<byte> utf8)
    {
        if (MayBeJson(mode, utf8))
        {
            var json = Utf8.IsValid(utf8) ? Json(utf8) : Json(Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(utf8)));
            if (json >= 0)
            {
                return json;
            }
        }

        return Text(utf8);
    }

    private static byte[] ReadAsciiTable()
    {
        var table = new byte[128];
        for (var c = 0; c < 128; c++)
        {
            var text = ((char)c).ToString();
            table[c] = (byte)(Measure(w => w.WriteStringValue(text)) - 2);
        }

        return table;
    }

    private static T[] Plain<T>()
        where T : struct
    {
        var plain = new List<T>();
        for (var c = 0; c < 128; c++)
        {
            if (AsciiBytes[c] == 1)
            {
                plain.Add(typeof(T) == typeof(byte) ? (T)(object)(byte)c : (T)(object)(char)c);
            }
        }

        return [.. plain];
    }

    private static int Measure(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return buffer.WrittenCount;
    }
}
