using Microsoft.Extensions.Logging;

namespace OxideMirror;

/// <summary>The syncer's log messages; event ids 1000–1099.</summary>
internal static partial class SyncLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Debug, Message = "Sync of {Source} starting from cursor {Cursor}")]
    public static partial void Started(ILogger logger, string source, string? cursor);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Debug, Message = "Sync of {Source} committed page {Page}: {Count} delta(s), cursor {Cursor}")]
    public static partial void PageCommitted(ILogger logger, string source, int page, int count, string? cursor);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Sync of {Source} finished: {Pulled} pulled in {Pages} page(s), {Applied} applied, {Skipped} skipped, {Unchanged} unchanged, {Duplicates} duplicate(s), in {ElapsedMs:0} ms")]
    public static partial void Finished(ILogger logger, string source, long pulled, int pages, long applied, long skipped, long unchanged, long duplicates, double elapsedMs);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Error, Message = "Sync of {Source} failed after {Pages} committed page(s)")]
    public static partial void Failed(ILogger logger, Exception exception, string source, int pages);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "Sync of {Source} stopped after {Pages} page(s), the per-sync page limit; the next sync resumes from cursor {Cursor}")]
    public static partial void PageLimitReached(ILogger logger, string source, int pages, string? cursor);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Information, Message = "Sync of {Source} was cancelled after {Pages} committed page(s); the next sync resumes from cursor {Cursor}")]
    public static partial void Cancelled(ILogger logger, string source, int pages, string? cursor);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Information, Message = "Sync of {Source} committed a completed full pass of {Resource} listing {Listed} record(s): {Missing} record(s) of the source it no longer listed got a delete event")]
    public static partial void PassCompleted(ILogger logger, string source, string resource, int listed, int missing);
}
