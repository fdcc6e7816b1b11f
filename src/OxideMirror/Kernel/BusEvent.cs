using System.Text.Json;

namespace OxideMirror.Kernel;

/// <summary>
/// Represents an event a module publishes on the bus: the answer to a command (<c>&lt;method&gt;.ok</c> or
/// <c>&lt;method&gt;.err</c>, with the command's correlation id) or an announcement.
/// </summary>
/// <param name="ModuleId">The id of the module that published the event.</param>
/// <param name="Kind">What the event is, for example <c>query.ok</c> or <c>sync.err</c>.</param>
/// <param name="Payload">The event's JSON body; for an <c>.err</c> event, <c>{"code":"…","message":"…"}</c>.</param>
/// <param name="CorrelationId">The correlation id of the command this event answers.</param>
public sealed record BusEvent(string ModuleId, string Kind, JsonElement Payload, string CorrelationId)
    : BusMessage(CorrelationId, Payload)
{
    /// <summary>Gets whether this event reports a failure (its kind ends in <c>.err</c>).</summary>
    public bool IsError => Kind.EndsWith(".err", StringComparison.Ordinal);

    /// <summary>Gets the stable error code of an <c>.err</c> event (see <see cref="MirrorErrorCodes"/>), or <see langword="null"/> for any other event.</summary>
    public string? ErrorCode =>
        IsError && Payload.ValueKind == JsonValueKind.Object && Payload.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.String
            ? code.GetString()
            : null;
}
