using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace OxideMirror.AI;

/// <summary>
/// One agent tool as an <see cref="AIFunction"/>: a fixed name, a description written for a model, a hand-written JSON
/// schema for its arguments, and a handler that reads through the store's public API. Every failure the model can act
/// on — a <see cref="MirrorException"/> (its stable <see cref="MirrorException.Code"/>) or a bad argument
/// (<see cref="MirrorErrorCodes.BadRequest"/>) — is answered as <c>{"error":{"code","message"}}</c> rather than thrown,
/// so that the model sees the code and the real message whatever the chat client does with exceptions
/// (Microsoft.Extensions.AI's <c>FunctionInvokingChatClient</c> shows a thrown exception's text only with <c>IncludeDetailedErrors</c>).
/// Cancellation and unexpected failures (bugs, a disposed store) are thrown.
/// </summary>
internal sealed class MirrorFunction : AIFunction
{
    private readonly Func<ToolArguments, CancellationToken, Task<JsonNode>> _handler;
    private readonly string[] _arguments;
    private readonly ToolContext _context;

    public MirrorFunction(string name, string description, string schema, string[] arguments, ToolContext context, Func<ToolArguments, CancellationToken, Task<JsonNode>> handler)
    {
        Name = name;
        Description = description;
        using (var document = JsonDocument.Parse(schema))
        {
            JsonSchema = document.RootElement.Clone();
        }

        _arguments = arguments;
        _context = context;
        _handler = handler;
    }

    public override string Name { get; }

    public override string Description { get; }

    public override JsonElement JsonSchema { get; }

    public override JsonSerializerOptions JsonSerializerOptions => ToolJson.Options;

    protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        JsonElement answer;
        try
        {
            var read = ToolArguments.Read(Name, arguments, _arguments);
            var node = await _handler(read, cancellationToken).ConfigureAwait(false);
            answer = ToolJson.ToElement(node);
        }
        catch (MirrorException ex)
        {
            return Failed(ex.Code, ex.Message);
        }
        catch (SyncToolException ex)
        {
            return Failed(MirrorErrorCodes.SyncFailed, ex.Message);
        }
        catch (ArgumentException ex)
        {
            // The tools' own argument checks, and the store's (an empty id, a NUL character in the SQL).
            return Failed(MirrorErrorCodes.BadRequest, ex.Message);
        }

        var size = Encoding(answer);
        if (size > _context.MaxAnswerBytes)
        {
            // Never expected: each tool cuts its answer to the budget. Refuse rather than flood the model's context.
            return Failed(MirrorErrorCodes.Failed, string.Create(CultureInfo.InvariantCulture, $"The {Name} answer would take {size:N0} bytes, more than the {_context.MaxAnswerBytes:N0} bytes a tool answer may take. Ask for less (a narrower filter, fewer columns, a smaller limit)."));
        }

        ToolLog.Answered(_context.Logger, Name, size);
        return answer;
    }

    private static int Encoding(JsonElement answer) => JsonSerializer.SerializeToUtf8Bytes(answer, ToolJson.Options).Length;

    private JsonElement Failed(string code, string message)
    {
        ToolLog.Failed(_context.Logger, Name, code);
        return ToolJson.Error(code, message);
    }
}
