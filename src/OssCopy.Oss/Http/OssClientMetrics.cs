using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace OssCopy.Oss.Http;

/// <summary>
/// The OSS client's instruments, on the <see cref="MeterName"/> meter: what a host charts and what a run, the CLI's
/// summary or the bench read (a <see cref="MeterListener"/>, or an <see cref="OssRequestCounter"/> for one run).
/// </summary>
public static class OssClientMetrics
{
    public const string MeterName = "OssCopy.Oss";

    /// <summary>Calls made to the client, by <see cref="OperationTag"/>: one per operation as the engine sees it, the client's own retries not counted.</summary>
    public const string Requests = "oss.client.requests";

    /// <summary>HTTP attempts sent, retries included, by <see cref="OperationTag"/> and <see cref="StatusCodeTag"/>.</summary>
    public const string Attempts = "oss.client.attempts";

    /// <summary>Attempts OSS answered with 503 or 429 (throttling), by <see cref="OperationTag"/>.</summary>
    public const string Throttled = "oss.client.throttled";

    public const string OperationTag = "oss.operation";

    public const string StatusCodeTag = "http.response.status_code";

    internal static readonly Meter Meter = new(MeterName);

    internal static readonly Counter<long> RequestCounter = Meter.CreateCounter<long>(Requests, "{request}", "Calls made to the OSS client.");

    internal static readonly Counter<long> AttemptCounter = Meter.CreateCounter<long>(Attempts, "{attempt}", "HTTP attempts sent to OSS, retries included.");

    internal static readonly Counter<long> ThrottledCounter = Meter.CreateCounter<long>(Throttled, "{attempt}", "Attempts OSS throttled (503 or 429).");
}

/// <summary>
/// Counts the client calls made in one logical flow (a run, a queue message) by operation: attach it, and every
/// <see cref="CountingOssClient"/> call in that async flow adds to it. Concurrent runs in one process each count their own.
/// </summary>
public sealed class OssRequestCounter
{
    private static readonly AsyncLocal<OssRequestCounter?> Ambient = new();

    // One counter per operation, incremented in place; a counter, once added, is never replaced.
    private readonly ConcurrentDictionary<string, StrongBox<long>> _counts = new(StringComparer.Ordinal);

    /// <summary>The counter attached to the current async flow, if any.</summary>
    public static OssRequestCounter? Current => Ambient.Value;

    /// <summary>
    /// Makes this the counter of the calling flow and of every task it starts from now on, until disposed (which
    /// puts back the one before). Attach it in the method that owns the run: an async method's own changes end with it.
    /// </summary>
    public IDisposable Attach()
    {
        var previous = Ambient.Value;
        Ambient.Value = this;
        return new Detach(previous);
    }

    public void Add(string operation) => Interlocked.Increment(ref _counts.GetOrAdd(operation, static _ => new StrongBox<long>()).Value);

    public long Count(string operation) => _counts.TryGetValue(operation, out var n) ? Interlocked.Read(ref n.Value) : 0;

    public long Total => _counts.Values.Sum(n => Interlocked.Read(ref n.Value));

    public IReadOnlyDictionary<string, long> Snapshot() =>
        new SortedDictionary<string, long>(_counts.ToDictionary(p => p.Key, p => Interlocked.Read(ref p.Value.Value)), StringComparer.Ordinal);

    private sealed class Detach(OssRequestCounter? previous) : IDisposable
    {
        public void Dispose() => Ambient.Value = previous;
    }
}
