using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OxideMirror.AI;

/// <summary>
/// How the tools write their answers: compact JSON with System.Text.Json's default encoder (the one
/// <see cref="QueryResult.ToJson"/> counts its byte cap with), measured as UTF-8, and the one error shape.
/// </summary>
internal static class ToolJson
{
    /// <summary>The longest error message an answer carries; OxideMirror's messages are a few hundred characters.</summary>
    private const int MaxMessageChars = 2_000;

    /// <summary>Gets the options every answer is written with, and that the functions report, so that a host re-serializing an answer writes the same bytes.</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.General)
    {
        Encoder = JavaScriptEncoder.Default,
        WriteIndented = false,
        TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(),
    };

    /// <summary>Returns how many bytes <paramref name="node"/> takes as compact UTF-8 JSON.</summary>
    public static int Size(JsonNode? node) => node is null ? 4 : JsonSerializer.SerializeToUtf8Bytes(node, Options).Length;

    /// <summary>Returns <paramref name="node"/> as the element a tool answers with.</summary>
    public static JsonElement ToElement(JsonNode node) => JsonSerializer.SerializeToElement(node, Options);

    /// <summary>Returns the answer for a failure: <c>{"error":{"code":"...","message":"..."}}</c>.</summary>
    public static JsonElement Error(string code, string message) => ToElement(new JsonObject
    {
        ["error"] = new JsonObject
        {
            ["code"] = code,
            ["message"] = message.Length <= MaxMessageChars ? message : message[..MaxMessageChars] + "...",
        },
    });

    /// <summary>Says whether <paramref name="answer"/> is an error answer, and reads its code and message.</summary>
    public static bool IsError(JsonElement answer, out string code, out string message)
    {
        code = message = string.Empty;
        if (answer.ValueKind != JsonValueKind.Object || !answer.TryGetProperty("error", out var error) || error.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        code = error.TryGetProperty("code", out var c) ? c.GetString() ?? string.Empty : string.Empty;
        message = error.TryGetProperty("message", out var m) ? m.GetString() ?? string.Empty : string.Empty;
        return true;
    }

    /// <summary>Writes a moment as ISO 8601 in UTC, as the query answers do.</summary>
    public static string Moment(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Cuts a text the model only needs to recognise (a cursor, a name) to <paramref name="max"/> characters.</summary>
    public static string Shorten(string text, int max = 200) =>
        text.Length <= max ? text : text[..(char.IsHighSurrogate(text[max - 1]) ? max - 1 : max)] + "...";
}
