using Microsoft.Extensions.Logging;

namespace OxideMirror.Cli.Commands;

/// <summary>
/// Writes log lines to standard error (where MCP clients keep a server's log), one per entry: the level, the category
/// and the message. OxideMirror's own lines from Information up (every background sync run), others' from Warning.
/// </summary>
internal sealed class StandardErrorLoggerProvider(TextWriter error) : ILoggerProvider
{
    private readonly Lock _gate = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName, categoryName.StartsWith("OxideMirror", StringComparison.Ordinal) ? LogLevel.Information : LogLevel.Warning);

    public void Dispose()
    {
    }

    private void Write(string line)
    {
        lock (_gate)
        {
            error.WriteLine(line);
            error.Flush();
        }
    }

    private sealed class Logger(StandardErrorLoggerProvider provider, string category, LogLevel minimum) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var line = $"{Level(logLevel)} {category}[{eventId.Id}]: {formatter(state, exception)}";
            provider.Write(exception is null ? line : line + " (" + exception.GetType().Name + ": " + exception.Message + ")");
        }

        private static string Level(LogLevel level) => level switch
        {
            LogLevel.Trace => "trce",
            LogLevel.Debug => "dbug",
            LogLevel.Information => "info",
            LogLevel.Warning => "warn",
            LogLevel.Error => "fail",
            _ => "crit",
        };
    }
}
