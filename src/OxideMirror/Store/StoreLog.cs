using Microsoft.Extensions.Logging;

namespace OxideMirror;

/// <summary>The store's log messages; event ids 2000–2099.</summary>
internal static partial class StoreLog
{
    [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "Opened mirror at {Where}: schema version {Version}, {Applied} migration(s) applied")]
    public static partial void Opened(ILogger logger, string where, int version, int applied);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Debug, Message = "Committed a batch of {Count} delta(s) for source {Source} in {ElapsedMs:0.0} ms")]
    public static partial void BatchCommitted(ILogger logger, int count, string? source, double elapsedMs);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "WAL checkpoint on close failed with SQLite error {Code}")]
    public static partial void CheckpointFailed(ILogger logger, int code);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Storage failure while {Operation} the mirror at {Where}: SQLite error {Code}")]
    public static partial void StorageFailed(ILogger logger, string operation, string where, int code);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Information, Message = "Refused an agent query: {Reason}")]
    public static partial void QueryRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Warning, Message = "An agent query ran past its {TimeoutMs} ms limit and was stopped")]
    public static partial void QueryTimedOut(ILogger logger, double timeoutMs);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Debug, Message = "Agent query returned {Rows} row(s), truncated: {Truncated}, in {ElapsedMs:0.000} ms")]
    public static partial void QueryCompleted(ILogger logger, int rows, bool truncated, double elapsedMs);
}
