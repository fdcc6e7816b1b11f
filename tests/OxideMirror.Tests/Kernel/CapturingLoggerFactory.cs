using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace OxideMirror.Tests.Kernel;

/// <summary>Keeps every log entry (event id and formatted message, with the exception's message) for assertions.</summary>
internal sealed class CapturingLoggerFactory : ILoggerFactory
{
    private readonly ConcurrentQueue<(int EventId, LogLevel Level, string Text)> _entries = new();

    public IReadOnlyList<(int EventId, LogLevel Level, string Text)> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerFactory owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner._entries.Enqueue((eventId.Id, logLevel, formatter(state, exception) + " " + exception?.Message));
    }
}
