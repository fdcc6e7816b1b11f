using System.Text.Json;

namespace OxideMirror.Kernel;

/// <summary>
/// Represents a message on a host's message bus: a <see cref="BusCommand"/> a host sends to a module, or a
/// <see cref="BusEvent"/> a module answers or announces with.
/// </summary>
/// <param name="CorrelationId">The id that ties an answer to the command it answers; chosen by whoever sends the command.</param>
/// <param name="Payload">The message's JSON body (an object for every command and event OxideMirror sends or reads).</param>
public abstract record BusMessage(string CorrelationId, JsonElement Payload);
