using System.Text.Json;
using System.Text.Json.Serialization;

namespace OxideMirror.Http;

/// <summary>
/// The cursor of an <see cref="HttpSource"/>: which resource is being walked, and per resource where its current pass
/// is (the next page), the since value the pass uses, the largest event time seen, and the pass number. Stored as a
/// small JSON object through the syncer's cursor table.
/// </summary>
internal sealed class HttpCursor
{
    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    [JsonPropertyName("at")]
    public string? At { get; set; }

    [JsonPropertyName("r")]
    public Dictionary<string, ResourceState> Resources { get; set; } = new(StringComparer.Ordinal);

    public static HttpCursor Parse(string? cursor, string sourceId)
    {
        if (cursor is null)
        {
            return new HttpCursor();
        }

        try
        {
            var parsed = JsonSerializer.Deserialize<HttpCursor>(cursor, Json);
            if (parsed is not null)
            {
                parsed.Resources = new Dictionary<string, ResourceState>(parsed.Resources ?? [], StringComparer.Ordinal);
                return parsed;
            }
        }
        catch (JsonException)
        {
            // Reported below.
        }

        throw new HttpSourceException(sourceId, null, null, $"HTTP source '{sourceId}' got the cursor '{Truncate(cursor)}', which is not an HTTP source cursor. Pass null to start over, or the cursor this source returned.");
    }

    public ResourceState For(string resource)
    {
        if (!Resources.TryGetValue(resource, out var state))
        {
            state = new ResourceState();
            Resources[resource] = state;
        }

        return state;
    }

    public string Serialize() => JsonSerializer.Serialize(this, Json);

    private static string Truncate(string text) => text.Length <= 80 ? text : text[..80] + "…";

    /// <summary>Where one resource is.</summary>
    internal sealed class ResourceState
    {
        /// <summary>Gets or sets the next page's state (a URL, token, offset or page number), or null at the start of a pass.</summary>
        [JsonPropertyName("next")]
        public string? Next { get; set; }

        /// <summary>Gets or sets the page number within the pass of the next page.</summary>
        [JsonPropertyName("page")]
        public int Page { get; set; }

        /// <summary>Gets or sets the number of the current (or last) pass.</summary>
        [JsonPropertyName("pass")]
        public long Pass { get; set; }

        /// <summary>Gets or sets the since value the current pass sends.</summary>
        [JsonPropertyName("since")]
        public DateTimeOffset? Since { get; set; }

        /// <summary>Gets or sets the largest event time seen.</summary>
        [JsonPropertyName("hw")]
        public DateTimeOffset? HighWater { get; set; }
    }
}
