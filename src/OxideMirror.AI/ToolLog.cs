using Microsoft.Extensions.Logging;

namespace OxideMirror.AI;

/// <summary>The tools' log messages (event ids 7000–7099): the tool, its outcome and its answer's size, never arguments or data.</summary>
internal static partial class ToolLog
{
    [LoggerMessage(EventId = 7000, Level = LogLevel.Debug, Message = "Tool {Tool} answered in {Bytes} bytes.")]
    public static partial void Answered(ILogger logger, string tool, int bytes);

    [LoggerMessage(EventId = 7001, Level = LogLevel.Information, Message = "Tool {Tool} answered the model with error {Code}.")]
    public static partial void Failed(ILogger logger, string tool, string code);
}
