using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace OssCopy.Identity.Tests;

/// <summary>Every log line (message, state values and exception text), to scan for secrets.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    public void AssertNoneContains(params string[] secrets)
    {
        Assert.NotEmpty(Lines);
        foreach (var secret in secrets)
        {
            Assert.False(string.IsNullOrEmpty(secret));
            var leak = Lines.FirstOrDefault(l => l.Contains(secret, StringComparison.Ordinal));
            Assert.True(leak is null, $"A log line carries a secret: {leak?.Replace(secret, "<SECRET>", StringComparison.Ordinal)}");
        }
    }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            owner.Lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} [{values}] {exception}");
        }
    }
}
