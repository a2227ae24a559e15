using System.ComponentModel.DataAnnotations;
using LocalOss.Throttling;
using Microsoft.Extensions.Time.Testing;

namespace LocalOss.Tests;

/// <summary>The token-bucket math of the rate model, on a fake clock: no request, no real time.</summary>
public sealed class ThrottlingModelTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private RequestThrottle Throttle(LocalOssThrottlingOptions options) => new(options, _clock);

    private static int Admitted(RequestThrottle throttle, int attempts, Func<int, string> key, string account = "a", string bucket = "b") =>
        Enumerable.Range(0, attempts).Count(i => throttle.Admit(account, bucket, key(i)) == ThrottleVerdict.Admitted);

    [Fact]
    public void An_account_admits_its_burst_at_once_then_one_request_per_token_earned()
    {
        var throttle = Throttle(new LocalOssThrottlingOptions { AccountRequestsPerSecond = 10, AccountBurst = 5 });

        Assert.Equal(5, Admitted(throttle, 8, i => $"k{i}"));
        Assert.Equal(ThrottleVerdict.AccountLimit, throttle.Admit("a", "b", "k"));

        _clock.Advance(TimeSpan.FromMilliseconds(100)); // 10/s earns one token in 100 ms
        Assert.Equal(1, Admitted(throttle, 3, i => $"k{i}"));

        _clock.Advance(TimeSpan.FromMilliseconds(250)); // 2.5 tokens: two whole ones
        Assert.Equal(2, Admitted(throttle, 4, i => $"k{i}"));

        _clock.Advance(TimeSpan.FromSeconds(10)); // refills to the burst, not beyond
        Assert.Equal(5, Admitted(throttle, 20, i => $"k{i}"));
    }

    [Fact]
    public void The_burst_defaults_to_one_seconds_worth_of_the_rate()
    {
        var throttle = Throttle(new LocalOssThrottlingOptions { AccountRequestsPerSecond = 40 });

        Assert.Equal(40, Admitted(throttle, 100, i => $"k{i}"));
    }

    [Fact]
    public void A_refused_request_takes_no_token()
    {
        var throttle = Throttle(new LocalOssThrottlingOptions { AccountRequestsPerSecond = 1, AccountBurst = 1 });
        Assert.Equal(ThrottleVerdict.Admitted, throttle.Admit("a", "b", "k"));
        for (var i = 0; i < 50; i++)
        {
            _clock.Advance(TimeSpan.FromMilliseconds(10));
            Assert.Equal(ThrottleVerdict.AccountLimit, throttle.Admit("a", "b", "k"));
        }

        _clock.Advance(TimeSpan.FromMilliseconds(500)); // 1 s since the admitted one: one token, as if nobody had retried
        Assert.Equal(ThrottleVerdict.Admitted, throttle.Admit("a", "b", "k"));
    }

    [Fact]
    public void Accounts_have_a_bucket_each()
    {
        var throttle = Throttle(new LocalOssThrottlingOptions { AccountRequestsPerSecond = 3, AccountBurst = 3 });

        Assert.Equal(3, Admitted(throttle, 5, i => $"k{i}", account: "alice"));
        Assert.Equal(3, Admitted(throttle, 5, i => $"k{i}", account: "bob"));
    }

    [Fact]
    public void Keys_sharing_their_first_characters_share_one_bucket_and_spread_keys_do_not()
    {
        var throttle = Throttle(new LocalOssThrottlingOptions { PrefixRequestsPerSecond = 4, PrefixLength = 5 });

        // Sequential names: logs/00000, logs/00001, … all fall into the "logs/" partition.
        Assert.Equal(4, Admitted(throttle, 50, i => $"logs/{i:D5}"));
        Assert.Equal(ThrottleVerdict.PrefixLimit, throttle.Admit("a", "b", "logs/new"));
        // Hashed names: a different partition each, so every one passes.
        Assert.Equal(50, Admitted(throttle, 50, i => $"{i:x4}-logs/{i:D5}"));
        // The same prefix in another bucket is another partition.
        Assert.Equal(4, Admitted(throttle, 10, i => $"logs/{i:D5}", bucket: "other"));
        // Bucket-level requests (listings) have no key and meet only the account limit.
        Assert.Equal(ThrottleVerdict.Admitted, throttle.Admit("a", "b", null));
    }

    [Fact]
    public void The_account_limit_is_checked_before_the_prefix_limit_and_a_refusal_by_either_costs_neither()
    {
        var throttle = Throttle(new LocalOssThrottlingOptions
        {
            AccountRequestsPerSecond = 1, AccountBurst = 3, PrefixRequestsPerSecond = 1, PrefixBurst = 1, PrefixLength = 3,
        });

        Assert.Equal(ThrottleVerdict.Admitted, throttle.Admit("a", "b", "abc1"));
        Assert.Equal(ThrottleVerdict.PrefixLimit, throttle.Admit("a", "b", "abc2"));
        Assert.Equal(ThrottleVerdict.PrefixLimit, throttle.Admit("a", "b", "abc3"));
        // The two refusals above took no account token: two are left.
        Assert.Equal(ThrottleVerdict.Admitted, throttle.Admit("a", "b", "xyz1"));
        Assert.Equal(ThrottleVerdict.Admitted, throttle.Admit("a", "b", "qrs1"));
        Assert.Equal(ThrottleVerdict.AccountLimit, throttle.Admit("a", "b", "tuv1"));
    }

    [Fact]
    public void Idle_prefix_buckets_are_dropped_so_spread_keys_do_not_grow_memory()
    {
        var throttle = Throttle(new LocalOssThrottlingOptions { PrefixRequestsPerSecond = 100, PrefixLength = 8 });
        Assert.Equal(10_001, Admitted(throttle, 10_001, i => $"{i:D8}"));
        Assert.Equal(10_001, throttle.PrefixBucketCount);

        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(ThrottleVerdict.Admitted, throttle.Admit("a", "b", "fresh-key"));

        Assert.Equal(1, throttle.PrefixBucketCount); // the fresh key's, which has just spent a token
    }

    [Fact]
    public void Configure_replaces_the_limits_and_refills_every_bucket()
    {
        var throttle = Throttle(new LocalOssThrottlingOptions { AccountRequestsPerSecond = 1, AccountBurst = 1 });
        Assert.Equal(1, Admitted(throttle, 3, i => $"k{i}"));

        throttle.Configure(new LocalOssThrottlingOptions { AccountRequestsPerSecond = 2, AccountBurst = 2 });
        Assert.Equal(2, Admitted(throttle, 3, i => $"k{i}"));

        throttle.Configure(new LocalOssThrottlingOptions());
        Assert.False(throttle.Enabled);
        Assert.Equal(100, Admitted(throttle, 100, i => $"k{i}"));
        Assert.Throws<ArgumentException>(() => throttle.Configure(new LocalOssThrottlingOptions { AccountRequestsPerSecond = -1 }));
    }

    [Theory]
    [InlineData(0.0, null, null, 8, 0, 0)]
    [InlineData(null, 0, null, 8, 0, 0)]
    [InlineData(null, null, double.NaN, 8, 0, 0)]
    [InlineData(null, null, 10.0, 0, 0, 0)]
    [InlineData(null, null, null, 8, -1, 0)]
    [InlineData(null, null, null, 8, 0, -1)]
    public void Invalid_rates_and_latencies_fail_at_start_up(double? account, int? burst, double? prefix, int length, int latencyMs, int jitterMs)
    {
        var options = new LocalOssOptions { Port = 0 };
        options.Throttling.AccountRequestsPerSecond = account;
        options.Throttling.AccountBurst = burst;
        options.Throttling.PrefixRequestsPerSecond = prefix;
        options.Throttling.PrefixLength = length;
        options.Latency.Fixed = TimeSpan.FromMilliseconds(latencyMs);
        options.Latency.Jitter = TimeSpan.FromMilliseconds(jitterMs);

        Assert.Throws<ValidationException>(options.Validate);
    }

    [Theory]
    [InlineData("20ms", 20)]
    [InlineData("0.5s", 500)]
    [InlineData("7", 7)]
    [InlineData("1.5MS", 1.5)]
    public void Latency_flags_read_milliseconds_and_seconds(string text, double milliseconds)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), DurationText.Parse(text));
    }

    [Fact]
    public void A_latency_flag_that_is_not_a_duration_is_refused()
    {
        Assert.Throws<FormatException>(() => DurationText.Parse("soon"));
    }
}
