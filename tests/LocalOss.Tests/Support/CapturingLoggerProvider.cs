using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace LocalOss.Tests.Support;

/// <summary>Keeps the server's warnings and errors so tests can assert that nothing unexpected was logged.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<string> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                var line = $"{logLevel}: {formatter(state, exception)} {exception}";
                owner.Entries.Enqueue(line);
                if (Environment.GetEnvironmentVariable("LOCALOSS_TEST_LOG") is { Length: > 0 } path)
                {
                    File.AppendAllText(path, line + Environment.NewLine);
                }
            }
        }
    }
}
