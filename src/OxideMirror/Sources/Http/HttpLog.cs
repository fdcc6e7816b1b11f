using Microsoft.Extensions.Logging;

namespace OxideMirror.Http;

/// <summary>The HTTP source's log messages; event ids 3000–3099. Never logs credentials, query strings or payloads.</summary>
internal static partial class HttpLog
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Debug, Message = "HTTP source {Source} fetched {Resource} page {Page}: {Count} record(s), status {Status}")]
    public static partial void PageFetched(ILogger logger, string source, string resource, int page, int count, int status);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "HTTP source {Source} retrying {Resource} ({Reason}), attempt {Attempt}, after {DelayMs:0} ms")]
    public static partial void Retrying(ILogger logger, string source, string resource, string reason, int attempt, double delayMs);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "HTTP source {Source} finished a complete full pass of {Resource} listing {Listed} record(s); the syncer deletes the source's records it no longer lists")]
    public static partial void PassCompleted(ILogger logger, string source, string resource, int listed);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "HTTP source {Source} skips tombstones for {Resource}: the pass was resumed from a cursor, so this process did not see all of it")]
    public static partial void TombstonesSkipped(ILogger logger, string source, string resource);
}
