namespace LocalOss;

/// <summary>
/// OSS's request-rate limits, as a model: token buckets per account and per key prefix (see the README's
/// "Scale" section). Unset rates mean no limit, which is the default: LocalOss throttles only when asked to.
/// </summary>
public sealed class LocalOssThrottlingOptions
{
    /// <summary>The partition model's default: keys sharing their first 8 characters share one bucket.</summary>
    public const int DefaultPrefixLength = 8;

    /// <summary>
    /// Requests per second one account may make (OSS: 10,000); above it the answer is 503
    /// <c>TotalQpsLimitExceeded</c>. <c>null</c> = no limit.
    /// </summary>
    public double? AccountRequestsPerSecond { get; set; }

    /// <summary>Requests an idle account may make at once before the rate applies; <c>null</c> = one second's worth.</summary>
    public int? AccountBurst { get; set; }

    /// <summary>
    /// Requests per second to the object keys of one bucket that share their first <see cref="PrefixLength"/>
    /// characters (OSS: about 2,000 for sequential keys, which fall into one index partition); above it the answer
    /// is 503 <c>PartitionQpsLimitted</c>. <c>null</c> = no limit.
    /// </summary>
    public double? PrefixRequestsPerSecond { get; set; }

    /// <summary>Burst of a key prefix's bucket; <c>null</c> = one second's worth.</summary>
    public int? PrefixBurst { get; set; }

    /// <summary>How many leading characters of the key name the partition a request falls into.</summary>
    public int PrefixLength { get; set; } = DefaultPrefixLength;

    internal bool Enabled => AccountRequestsPerSecond is not null || PrefixRequestsPerSecond is not null;

    internal IEnumerable<string> Problems()
    {
        if (AccountRequestsPerSecond is { } account && !(account > 0 && double.IsFinite(account)))
        {
            yield return $"Throttling: the account rate {account} must be a positive number of requests per second.";
        }

        if (PrefixRequestsPerSecond is { } prefix && !(prefix > 0 && double.IsFinite(prefix)))
        {
            yield return $"Throttling: the key-prefix rate {prefix} must be a positive number of requests per second.";
        }

        if (AccountBurst is < 1)
        {
            yield return "Throttling: the account burst must be at least 1.";
        }

        if (PrefixBurst is < 1)
        {
            yield return "Throttling: the key-prefix burst must be at least 1.";
        }

        if (PrefixLength < 1)
        {
            yield return "Throttling: the key-prefix length must be at least 1.";
        }
    }
}

/// <summary>
/// Time every request takes on the server before it is answered: OSS answers in milliseconds, LocalOss in
/// microseconds, so a run against LocalOss needs this to see the concurrency a real backup needs.
/// </summary>
public sealed class LocalOssLatencyOptions
{
    /// <summary>Added to every request.</summary>
    public TimeSpan Fixed { get; set; }

    /// <summary>Up to this much more, drawn uniformly per request.</summary>
    public TimeSpan Jitter { get; set; }

    internal bool Enabled => Fixed > TimeSpan.Zero || Jitter > TimeSpan.Zero;

    internal IEnumerable<string> Problems()
    {
        if (Fixed < TimeSpan.Zero)
        {
            yield return "Latency cannot be negative.";
        }

        if (Jitter < TimeSpan.Zero)
        {
            yield return "Latency jitter cannot be negative.";
        }
    }
}
