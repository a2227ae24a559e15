using System.Collections.Concurrent;

namespace LocalOss.Faults;

/// <summary>
/// Requests seen per operation name (PutObject, CopyObject, …), counted before authentication and faults,
/// so a test can assert how many attempts a client made, retries included.
/// </summary>
public sealed class RequestCounters
{
    private readonly ConcurrentDictionary<string, StrongBox> _counts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, StrongBox> _throttled = new(StringComparer.Ordinal);

    /// <summary>Requests of <paramref name="operation"/> since the start or the last <see cref="Reset"/>.</summary>
    public long this[string operation] => _counts.TryGetValue(operation, out var box) ? Interlocked.Read(ref box.Value) : 0;

    /// <summary>All requests since the start or the last reset.</summary>
    public long Total => _counts.Values.Sum(b => Interlocked.Read(ref b.Value));

    public IReadOnlyDictionary<string, long> Snapshot() =>
        _counts.Where(p => Interlocked.Read(ref p.Value.Value) > 0)
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .ToDictionary(p => p.Key, p => Interlocked.Read(ref p.Value.Value), StringComparer.Ordinal);

    /// <summary>
    /// Requests answered 503 for their rate (the rate model's TotalQpsLimitExceeded and PartitionQpsLimitted, and
    /// injected SlowDown faults) since the start or the last reset; they are in <see cref="Total"/> as well.
    /// </summary>
    public long Throttled => _throttled.Values.Sum(b => Interlocked.Read(ref b.Value));

    /// <summary>Throttled requests by the error code they were answered with.</summary>
    public IReadOnlyDictionary<string, long> ThrottledSnapshot() =>
        _throttled.Where(p => Interlocked.Read(ref p.Value.Value) > 0)
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .ToDictionary(p => p.Key, p => Interlocked.Read(ref p.Value.Value), StringComparer.Ordinal);

    public void Reset()
    {
        foreach (var box in _counts.Values.Concat(_throttled.Values))
        {
            Interlocked.Exchange(ref box.Value, 0);
        }
    }

    internal void Increment(string operation) =>
        Interlocked.Increment(ref _counts.GetOrAdd(operation, static _ => new StrongBox()).Value);

    internal void IncrementThrottled(string code) =>
        Interlocked.Increment(ref _throttled.GetOrAdd(code, static _ => new StrongBox()).Value);

    private sealed class StrongBox
    {
        public long Value;
    }
}
