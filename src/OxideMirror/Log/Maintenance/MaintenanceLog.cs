using Microsoft.Extensions.Logging;

namespace OxideMirror;

/// <summary>The log messages of rebuild, what-if replay and compaction; event ids 2080–2089 of the store's range.</summary>
internal static partial class MaintenanceLog
{
    [LoggerMessage(EventId = 2080, Level = LogLevel.Information, Message = "Rebuilt {Records} record(s) from {Events} applied event(s) in {ElapsedMs:0.0} ms")]
    public static partial void Rebuilt(ILogger logger, long records, long events, double elapsedMs);

    [LoggerMessage(EventId = 2081, Level = LogLevel.Information, Message = "Replayed {Events} event(s) with strategy {Strategy}: {Differences} record(s) would differ ({ElapsedMs:0.0} ms)")]
    public static partial void Replayed(ILogger logger, long events, string strategy, int differences, double elapsedMs);

    [LoggerMessage(EventId = 2082, Level = LogLevel.Information, Message = "Compacted the log: {Removed} event(s) removed, {Snapshots} snapshot(s) written, {BytesBefore} -> {BytesAfter} bytes in {ElapsedMs:0.0} ms")]
    public static partial void Compacted(ILogger logger, long removed, long snapshots, long bytesBefore, long bytesAfter, double elapsedMs);
}
