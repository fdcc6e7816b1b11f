using System.Text.Json;
using Microsoft.Extensions.AI;
using ModelContextProtocol.Protocol;

namespace OxideMirror.Mcp;

/// <summary>
/// Answers one mirror tool call as an MCP <see cref="CallToolResult"/>: the tool's JSON as one text block, and an error
/// answer (or a <see cref="MirrorException"/>, should one escape) as <c>isError: true</c> carrying the code and the real
/// message, which the SDK would reduce to "An error occurred invoking …" for an exception that is not an <c>McpException</c>.
/// </summary>
internal sealed class McpToolFunction(AIFunction inner) : DelegatingAIFunction(inner)
{
    protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        object? result;
        try
        {
            result = await InnerFunction.InvokeAsync(arguments, cancellationToken).ConfigureAwait(false);
        }
        catch (MirrorException ex)
        {
            return Error(JsonSerializer.Serialize(new Dictionary<string, object> { ["error"] = new Dictionary<string, string> { ["code"] = ex.Code, ["message"] = ex.Message } }, JsonSerializerOptions));
        }

        if (result is not JsonElement answer)
        {
            return result;
        }

        var text = JsonSerializer.Serialize(answer, JsonSerializerOptions);
        return IsError(answer) ? Error(text) : new CallToolResult { Content = [new TextContentBlock { Text = text }] };
    }

    private static CallToolResult Error(string text) => new() { IsError = true, Content = [new TextContentBlock { Text = text }] };

    private static bool IsError(JsonElement answer) =>
        answer.ValueKind == JsonValueKind.Object && answer.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object && error.TryGetProperty("code", out _);
}
