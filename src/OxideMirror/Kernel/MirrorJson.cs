using System.Text.Json;
using System.Text.Json.Serialization;

namespace OxideMirror.Kernel;

/// <summary>
/// Serializes the mirror's results into event payloads: snake_case names, enums as snake_case strings, an undefined JSON
/// value as null, nested up to <see cref="JsonDepth.Answer"/> levels so that every record the store holds can be answered.
/// </summary>
internal static class MirrorJson
{
    public static readonly JsonSerializerOptions Options = Create();

    public static JsonElement ToElement<T>(T value) => JsonSerializer.SerializeToElement(value, Options);

    public static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = JsonDepth.Answer });
        return document.RootElement.Clone();
    }

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DictionaryKeyPolicy = null,
            MaxDepth = JsonDepth.Answer,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        options.Converters.Add(new UndefinedAsNullConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>Writes an undefined <see cref="JsonElement"/> (a deleted record's payload) as null instead of throwing.</summary>
    private sealed class UndefinedAsNullConverter : JsonConverter<JsonElement>
    {
        public override JsonElement Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            using var document = JsonDocument.ParseValue(ref reader);
            return document.RootElement.Clone();
        }

        public override void Write(Utf8JsonWriter writer, JsonElement value, JsonSerializerOptions options)
        {
            if (value.ValueKind == JsonValueKind.Undefined)
            {
                writer.WriteNullValue();
            }
            else
            {
                value.WriteTo(writer);
            }
        }
    }
}
