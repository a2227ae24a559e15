using LocalOss.Http;

namespace LocalOss.Throttling;

/// <summary>Why a request was refused by the rate model, or that it was not.</summary>
public enum ThrottleVerdict
{
    Admitted,

    /// <summary>The account's bucket is empty: 503 TotalQpsLimitExceeded.</summary>
    AccountLimit,

    /// <summary>The key prefix's bucket is empty: 503 PartitionQpsLimitted.</summary>
    PrefixLimit,
}

/// <summary>
/// OSS's request-rate limits as token buckets: one per account, and one per (bucket, first N characters of the key)
/// standing for the index partition that sequential keys share. A request takes a token from both or from neither:
/// a refused request costs nothing, as a client that backs off must be able to get back under the limit.
/// One lock guards every bucket; each decision is a few arithmetic operations.
/// </summary>
public sealed class RequestThrottle
{
    /// <summary>Prefix buckets kept before full (idle) ones are swept, at most once a second; spread keys make one bucket each.</summary>
    private const int SweepThreshold = 10_000;

    private readonly Lock _gate = new();
    private LocalOssThrottlingOptions _options;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, TokenBucket> _accounts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TokenBucket> _prefixes = new(StringComparer.Ordinal);
    private long _lastSweep;

    internal RequestThrottle(LocalOssThrottlingOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = Copy(options);
        _time = time;
        _lastSweep = time.GetTimestamp();
    }

    /// <summary>True when any rate is set.</summary>
    public bool Enabled => Volatile.Read(ref _options).Enabled;

    /// <summary>The limits in force (a copy).</summary>
    public LocalOssThrottlingOptions Options => Copy(Volatile.Read(ref _options));

    /// <summary>Replaces the limits; every bucket starts again full.</summary>
    public void Configure(LocalOssThrottlingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Problems().ToList();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", problems), nameof(options));
        }

        lock (_gate)
        {
            _options = Copy(options);
            _accounts.Clear();
            _prefixes.Clear();
        }
    }

    /// <summary>Prefix buckets held now (the sweep keeps this bounded by the keys recently used).</summary>
    public int PrefixBucketCount
    {
        get
        {
            lock (_gate)
            {
                return _prefixes.Count;
            }
        }
    }

    /// <summary>Decides one request of <paramref name="account"/> to <paramref name="key"/> (null for bucket-level requests).</summary>
    internal ThrottleVerdict Admit(string account, string? bucket, string? key)
    {
        if (!Enabled)
        {
            return ThrottleVerdict.Admitted;
        }

        lock (_gate)
        {
            // Read under the lock, so that no request sees a clock older than one already decided.
            var now = _time.GetTimestamp();
            var frequency = _time.TimestampFrequency;
            TokenBucket? accountBucket = null;
            if (_options.AccountRequestsPerSecond is { } accountRate)
            {
                accountBucket = Find(_accounts, account, accountRate, _options.AccountBurst, now);
                accountBucket.Refill(now, frequency);
                if (!accountBucket.HasToken)
                {
                    return ThrottleVerdict.AccountLimit;
                }
            }

            TokenBucket? prefixBucket = null;
            if (_options.PrefixRequestsPerSecond is { } prefixRate && bucket is not null && key is not null)
            {
                var partition = string.Concat(bucket, "/", key.AsSpan(0, Math.Min(key.Length, _options.PrefixLength)));
                prefixBucket = Find(_prefixes, partition, prefixRate, _options.PrefixBurst, now);
                prefixBucket.Refill(now, frequency);
                if (!prefixBucket.HasToken)
                {
                    return ThrottleVerdict.PrefixLimit;
                }
            }

            accountBucket?.Take();
            prefixBucket?.Take();
            if (_prefixes.Count > SweepThreshold && now - _lastSweep >= frequency)
            {
                Sweep(now, frequency);
            }

            return ThrottleVerdict.Admitted;
        }
    }

    /// <summary>The 503 answer for a refused request, with OSS's code, message and EC.</summary>
    internal static OssError ErrorFor(ThrottleVerdict verdict) => verdict switch
    {
        // help.aliyun.com "HTTP status code 503" and EC page 0004-00000302 (account QPS limit reached).
        ThrottleVerdict.AccountLimit => new OssError(503, "TotalQpsLimitExceeded", "Max total qps limit is exceeded", "0004-00000302"),
        // EC page 0026-00000028 names the code; OSS does not publish the message, so this one is ours.
        ThrottleVerdict.PrefixLimit => new OssError(503, "PartitionQpsLimitted",
            "Partition qps limit is exceeded: too many requests to keys sharing one prefix, please reduce your request rate.", "0026-00000028"),
        _ => throw new ArgumentOutOfRangeException(nameof(verdict)),
    };

    private static LocalOssThrottlingOptions Copy(LocalOssThrottlingOptions o) => new()
    {
        AccountRequestsPerSecond = o.AccountRequestsPerSecond,
        AccountBurst = o.AccountBurst,
        PrefixRequestsPerSecond = o.PrefixRequestsPerSecond,
        PrefixBurst = o.PrefixBurst,
        PrefixLength = o.PrefixLength,
    };

    private static TokenBucket Find(Dictionary<string, TokenBucket> buckets, string name, double rate, int? burst, long now)
    {
        if (!buckets.TryGetValue(name, out var bucket))
        {
            bucket = new TokenBucket(rate, burst ?? Math.Max(1, rate), now);
            buckets.Add(name, bucket);
        }

        return bucket;
    }

    /// <summary>Drops the prefix buckets that have refilled: a new one starts full, so nothing changes for them.</summary>
    private void Sweep(long now, long frequency)
    {
        List<string>? idle = null;
        foreach (var (name, bucket) in _prefixes)
        {
            bucket.Refill(now, frequency);
            if (bucket.IsFull)
            {
                (idle ??= []).Add(name);
            }
        }

        foreach (var name in idle ?? [])
        {
            _prefixes.Remove(name);
        }

        _lastSweep = now;
    }
}
