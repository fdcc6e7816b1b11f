using Microsoft.Extensions.Logging;

namespace OxideMirror;

/// <summary>The store's log messages for time travel and user migrations; event ids 2060–2069.</summary>
internal static partial class StoreLog
{
    // Event id 2060 was "Rebuilt the mirror as of …", logged when as-of queries rebuilt the mirror; it is not reused.

    [LoggerMessage(EventId = 2061, Level = LogLevel.Information, Message = "Applied user migration {Version} ({Name})")]
    public static partial void UserMigrationApplied(ILogger logger, int version, string name);

    [LoggerMessage(EventId = 2062, Level = LogLevel.Warning, Message = "The mirror at {Where} has user migrations up to version {Found}, but only {Registered} are registered; the unregistered ones are left as they are")]
    public static partial void UserMigrationsAhead(ILogger logger, string where, int found, int registered);
}
