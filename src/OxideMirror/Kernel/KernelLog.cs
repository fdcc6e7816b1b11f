using Microsoft.Extensions.Logging;

namespace OxideMirror.Kernel;

/// <summary>The kernel module's and the hosting services' log messages; event ids 4000–4099. Payloads are never logged.</summary>
internal static partial class KernelLog
{
    [LoggerMessage(EventId = 4000, Level = LogLevel.Information, Message = "Mirror module {ModuleId} started with at most {MaxConcurrent} command(s) in flight")]
    public static partial void Started(ILogger logger, string moduleId, int maxConcurrent);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Mirror module {ModuleId} stopped; {Cancelled} command(s) in flight were cancelled")]
    public static partial void Stopped(ILogger logger, string moduleId, int cancelled);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Debug, Message = "Command {Method} ({CorrelationId}) answered in {ElapsedMs:0.0} ms")]
    public static partial void Answered(ILogger logger, string method, string correlationId, double elapsedMs);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "Command {Method} ({CorrelationId}) failed with {Code}")]
    public static partial void Failed(ILogger logger, string method, string correlationId, string code);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Error, Message = "Command {Method} ({CorrelationId}) failed unexpectedly")]
    public static partial void Crashed(ILogger logger, Exception exception, string method, string correlationId);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Error, Message = "Mirror module {ModuleId} stopped reading commands: the bus subscription failed; commands in flight still finish")]
    public static partial void SubscriptionFailed(ILogger logger, Exception exception, string moduleId);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Information, Message = "Background sync of {Source} finished: {Pulled} pulled, {Applied} applied, in {ElapsedMs:0} ms; next run in {NextMs:0} ms")]
    public static partial void BackgroundSyncSucceeded(ILogger logger, string source, long pulled, long applied, double elapsedMs, double nextMs);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Warning, Message = "Background sync of {Source} failed ({Failures} in a row); retrying in {NextMs:0} ms")]
    public static partial void BackgroundSyncFailed(ILogger logger, Exception exception, string source, int failures, double nextMs);

    [LoggerMessage(EventId = 4012, Level = LogLevel.Information, Message = "Mirror store opened at {Path}")]
    public static partial void StoreOpened(ILogger logger, string path);
}
