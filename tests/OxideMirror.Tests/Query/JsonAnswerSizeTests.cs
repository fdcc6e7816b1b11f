using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CsCheck;

namespace OxideMirror.Tests.Query;

/// <summary>
/// The byte cap counts each part of an answer at what <see cref="QueryResult.ToJson"/> writes for it; these check each
/// count against System.Text.Json's own writer, for every kind of text, number and nested JSON.
/// </summary>
public sealed class JsonAnswerSizeTests
{
    // Characters that make the edge cases likely: plain ASCII, each kind of escaped ASCII, non-ASCII of 2 and 3 UTF-8
    // bytes, both halves of a surrogate pair (which also come out unpaired), and U+FFFD.
    private static readonly char[] Characters =
        ['a', 'Z', ' ', '~', '"', '\\', '/', '<', '>', '&', '\'', '+', '`', '\n', '\t', '\r', '\b', '\f', '\0', '\u0001', '\u001f', '\u007f', 'é', '€', '\u2028', '\ud83d', '\ude00', '\ufffd'];

    // Bytes likewise: ASCII, escaped ASCII, lead and continuation bytes of 2-, 3- and 4-byte characters, and bytes never valid in UTF-8.
    private static readonly byte[] Bytes = [(byte)'a', (byte)'"', (byte)'<', (byte)'\\', 0x00, 0x0A, 0x7F, 0xC3, 0xA9, 0x80, 0xBF, 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0xFF, 0xC0];

    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly JsonSerializerOptions RelaxedIndented = new(Relaxed) { WriteIndented = true };

    [Fact]
    public void Text_AnyCharacters_IsWhatTheWriterWrites()
    {
        Gen.OneOfConst(Characters).Array[0, 40].Sample(
            chars =>
            {
                var text = new string(chars);
                JsonAnswerSize.Text(text).Should().Be(Written(w => w.WriteStringValue(text)), Escape(text));
                JsonAnswerSize.Text(Encoding.UTF8.GetBytes(text)).Should().Be(Written(w => w.WriteStringValue(text)), Escape(text));
            },
            iter: 5000,
            threads: 1);
    }

    [Fact]
    public void Text_AnyBytes_IsWhatTheWriterWritesOfTheirDecodedText()
    {
        Gen.OneOfConst(Bytes).Array[0, 40].Sample(
            bytes =>
            {
                var text = Encoding.UTF8.GetString(bytes);
                JsonAnswerSize.Text(bytes).Should().Be(Written(w => w.WriteStringValue(text)), Convert.ToHexString(bytes));
            },
            iter: 5000,
            threads: 1);
    }

    [Fact]
    public void Text_LongRunsOfEscapedAndPlainText_IsWhatTheWriterWrites()
    {
        var text = new string('x', 1000) + new string('"', 700) + new string('é', 300) + string.Concat(Enumerable.Repeat("😀", 200)) + new string('y', 1000);

        JsonAnswerSize.Text(text).Should().Be(Written(w => w.WriteStringValue(text)));
        JsonAnswerSize.Text(Encoding.UTF8.GetBytes(text)).Should().Be(Written(w => w.WriteStringValue(text)));
    }

    [Fact]
    public void IntegerAndReal_AnyValue_IsWhatTheWriterWrites()
    {
        Gen.Long.Sample(l => JsonAnswerSize.Integer(l).Should().Be(Written(w => w.WriteNumberValue(l)), l.ToString(CultureInfo.InvariantCulture)), iter: 5000, threads: 1);
        Gen.Double.Sample(d => JsonAnswerSize.Real(d).Should().Be(Written(w => WriteReal(w, d)), d.ToString("R", CultureInfo.InvariantCulture)), iter: 5000, threads: 1);
        foreach (var edge in new[] { long.MinValue, long.MaxValue, 0, -1, 9, 10, -10 })
        {
            JsonAnswerSize.Integer(edge).Should().Be(Written(w => w.WriteNumberValue(edge)));
        }

        foreach (var edge in new[] { double.MaxValue, double.MinValue, double.Epsilon, -double.Epsilon, 0.1 + 0.2, -0.0, 1e-7, 123456789012345680000d, double.NaN, double.PositiveInfinity, double.NegativeInfinity })
        {
            JsonAnswerSize.Real(edge).Should().Be(Written(w => WriteReal(w, edge)), edge.ToString("R", CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public void Blob_AnyLength_IsItsQuotedBase64()
    {
        for (var length = 0; length < 20; length++)
        {
            var blob = new byte[length];
            JsonAnswerSize.Blob(length).Should().Be(Written(w => w.WriteBase64StringValue(blob)));
        }
    }

    [Fact]
    public void Json_AnyDocument_IsWhatWriteToWritesCompactly()
    {
        var text = Gen.OneOfConst(Characters).Array[0, 6].Select(c => new string(c));
        var leaf = Gen.OneOf(
            text.Select(s => (object?)s),
            Gen.Long.Select(l => (object?)l),
            Gen.Double.Where(double.IsFinite).Select(d => (object?)d),
            Gen.Bool.Select(b => (object?)b),
            Gen.Const((object?)null));
        var array = leaf.Array[0, 5].Select(a => (object?)a);
        var obj = Gen.Select(text, leaf).Array[0, 5].Select(pairs => (object?)pairs.Select((p, i) => KeyValuePair.Create(p.Item1 + i, p.Item2)).ToDictionary());
        var document = Gen.OneOf(array, obj, Gen.Select(text, Gen.OneOf(array, obj)).Array[1, 4].Select(pairs => (object?)pairs.Select((p, i) => KeyValuePair.Create(p.Item1 + i, p.Item2)).ToDictionary()));
        var spacing = Gen.Bool;

        Gen.Select(document, spacing).Sample(
            (value, indented) =>
            {
                // Written by the relaxed encoder, so the text holds raw non-ASCII and quotes as \" that the default encoder writes otherwise.
                var json = JsonSerializer.Serialize(value, indented ? RelaxedIndented : Relaxed);
                if (!Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(json)).Equals(json, StringComparison.Ordinal))
                {
                    return; // an unpaired surrogate the serializer replaced; covered by the tests of unpaired escapes
                }

                using var parsed = JsonDocument.Parse(json);
                JsonAnswerSize.Json(Encoding.UTF8.GetBytes(json)).Should().Be(Written(w => parsed.RootElement.WriteTo(w)), json);
            },
            iter: 3000,
            threads: 1);
    }

    [Theory]
    [InlineData("""{"a":"\udc00"}""")]
    [InlineData("""{"\ud800":1}""")]
    [InlineData("""["ok","\ud83d\ude00","\ud83d"]""")]
    [InlineData("""{"a":1,}""")]
    [InlineData("""{"a":1} {"b":2}""")]
    [InlineData("[1, // comment\n 2]")]
    public void Json_TextToJsonWritesAsAString_IsMinusOne(string json)
    {
        JsonAnswerSize.Json(Encoding.UTF8.GetBytes(json)).Should().Be(-1);
    }

    [Fact]
    public void Json_NestedAtTheDepthAnAnswerCarries_IsCountedOrRefusedLikeToJsonWritesIt()
    {
        // An answer nests a value three levels down: 61 levels keep it within the 64 a default reader takes.
        var deepest = new string('[', 61) + new string(']', 61);
        var deeper = new string('[', 62) + new string(']', 62);

        JsonAnswerSize.Json(Encoding.UTF8.GetBytes(deepest)).Should().Be(122);
        JsonAnswerSize.Json(Encoding.UTF8.GetBytes(deeper)).Should().Be(-1);
        Written(deepest).Should().Be("[" + deepest + "]", "ToJson nests it as JSON");
        Written(deeper).Should().Be("[" + JsonSerializer.Serialize(deeper) + "]", "ToJson writes it as a string");

        static string Written(string text)
        {
            var result = new QueryResult(["v"], [new Dictionary<string, object?> { ["v"] = text }], false, [JsonColumnMode.Detect], []);
            using var json = JsonDocument.Parse(result.ToJson());
            return "[" + json.RootElement.GetProperty("rows")[0].GetProperty("v").GetRawText() + "]";
        }
    }

    [Fact]
    public void Envelope_ResultWithoutRows_IsWhatToJsonWritesPlusTheLongestRowCountAndMoments()
    {
        var moment = new DateTimeOffset(2026, 11, 25, 12, 51, 30, TimeSpan.Zero).AddTicks(2_491_006);
        string[] columns = ["id", "na\"me", "é", string.Empty];
        ResourceFreshness[] freshness = [new("customers", "crm", moment), new("invo<ces", "bill\ning", moment)];
        var result = new QueryResult(columns, [], false, new JsonColumnMode[columns.Length], freshness);

        JsonAnswerSize.Envelope(columns, freshness).Should().Be(Encoding.UTF8.GetByteCount(result.ToJson()) + 9, "row_count is counted at ten digits, and these moments are at their longest");
    }

    private static void WriteReal(Utf8JsonWriter writer, double value)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            writer.WriteStringValue(value.ToString(CultureInfo.InvariantCulture));
        }
    }

    private static string Escape(string text) => string.Concat(text.Select(c => c is >= ' ' and <= '~' ? c.ToString() : $"\\u{(int)c:x4}"));

    private static int Written(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return buffer.WrittenCount;
    }
}
