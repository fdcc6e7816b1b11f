using System.Text.Json;

namespace OxideMirror.Kernel;

/// <summary>
/// Represents a command (an invoke) a host sends on the bus: call <paramref name="Method"/> on the module whose id is
/// <paramref name="Target"/>, with a JSON payload; the module answers with a <see cref="BusEvent"/> that carries the same
/// <see cref="BusMessage.CorrelationId"/>.
/// </summary>
/// <param name="Target">The id of the module that should handle the command, for example <c>mirror</c>.</param>
/// <param name="Method">The method to call, for example <c>query</c>.</param>
/// <param name="Payload">The method's arguments as a JSON object.</param>
/// <param name="CorrelationId">The id the answer carries back.</param>
public sealed record BusCommand(string Target, string Method, JsonElement Payload, string CorrelationId)
    : BusMessage(CorrelationId, Payload)
{
    /// <summary>Creates a command whose payload is <paramref name="arguments"/> serialized to JSON.</summary>
    /// <param name="target">The id of the module that should handle the command.</param>
    /// <param name="method">The method to call.</param>
    /// <param name="arguments">The arguments, serialized with the default <see cref="JsonSerializerOptions"/>; <see langword="null"/> sends an empty object.</param>
    /// <param name="correlationId">The id the answer carries back, or <see langword="null"/> for a new GUID.</param>
    /// <returns>The command.</returns>
    /// <exception cref="ArgumentException"><paramref name="target"/> or <paramref name="method"/> is empty.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="target"/> or <paramref name="method"/> is null.</exception>
    public static BusCommand Create(string target, string method, object? arguments = null, string? correlationId = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(target);
        ArgumentException.ThrowIfNullOrWhiteSpace(method);
        var payload = arguments switch
        {
            null => JsonSerializer.SerializeToElement(new Dictionary<string, object>()),
            JsonElement element => element,
            _ => JsonSerializer.SerializeToElement(arguments, arguments.GetType()),
        };
        return new BusCommand(target, method, payload, correlationId ?? Guid.NewGuid().ToString("N"));
    }
}
