namespace LocalOss.Throttling;

/// <summary>
/// A token bucket: holds up to <c>capacity</c> tokens, gains <c>rate</c> tokens a second, and a request passes when
/// it can take one. Not thread-safe: <see cref="RequestThrottle"/> uses it under its lock.
/// </summary>
internal sealed class TokenBucket
{
    private readonly double _ratePerSecond;
    private readonly double _capacity;
    private double _tokens;
    private long _updated;

    /// <summary>A full bucket as of <paramref name="timestamp"/> (a <see cref="TimeProvider.GetTimestamp"/> value).</summary>
    public TokenBucket(double ratePerSecond, double capacity, long timestamp)
    {
        _ratePerSecond = ratePerSecond;
        _capacity = capacity;
        _tokens = capacity;
        _updated = timestamp;
    }

    /// <summary>Tokens held as of the last <see cref="Refill"/>.</summary>
    public double Tokens => _tokens;

    public bool IsFull => _tokens >= _capacity;

    public bool HasToken => _tokens >= 1;

    /// <summary>Adds what the time since the last refill earned, up to the capacity. Time never runs backwards here.</summary>
    public void Refill(long timestamp, long frequency)
    {
        if (timestamp <= _updated)
        {
            return;
        }

        var seconds = (double)(timestamp - _updated) / frequency;
        _tokens = Math.Min(_capacity, _tokens + (seconds * _ratePerSecond));
        _updated = timestamp;
    }

    public void Take() => _tokens -= 1;
}
