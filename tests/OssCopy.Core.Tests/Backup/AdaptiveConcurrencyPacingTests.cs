using System.ComponentModel.DataAnnotations;
using OssCopy.Core.Backup;

namespace OssCopy.Core.Tests.Backup;

/// <summary>How the limiter paces a run at a cap: slow start, the decrease factor, and slower probing once throttled.</summary>
public class AdaptiveConcurrencyPacingTests
{
    [Fact]
    public async Task Slow_start_adds_one_per_success_until_the_first_throttling_then_one_per_round()
    {
        var limiter = new AdaptiveConcurrencyLimiter(maximum: 64, initial: 2) { SlowStart = true, DecreaseFactor = 0.75 };
        var seen = new List<int>();
        for (var i = 0; i < 6; i++)
        {
            (await limiter.AcquireAsync(CancellationToken.None)).Succeeded();
            seen.Add(limiter.Limit);
        }

        (await limiter.AcquireAsync(CancellationToken.None)).Throttled();
        seen.Add(limiter.Limit);
        for (var i = 0; i < 6; i++)
        {
            (await limiter.AcquireAsync(CancellationToken.None)).Succeeded();
            seen.Add(limiter.Limit);
        }

        Assert.Equal([3, 4, 5, 6, 7, 8, 6, 6, 6, 6, 6, 6, 7], seen);
        Assert.Equal((1, 6), (limiter.Decreases, limiter.Lowest));
    }

    [Fact]
    public async Task Slow_start_stops_at_the_maximum_and_is_not_reported_as_a_lowering()
    {
        var limiter = new AdaptiveConcurrencyLimiter(maximum: 4, initial: 1) { SlowStart = true };
        for (var i = 0; i < 10; i++)
        {
            (await limiter.AcquireAsync(CancellationToken.None)).Succeeded();
        }

        Assert.Equal((4, 4, 0), (limiter.Limit, limiter.Lowest, limiter.Decreases));
    }

    [Theory]
    [InlineData(0.5, 32, 16)]
    [InlineData(0.75, 32, 24)]
    [InlineData(0.75, 3, 2)]
    [InlineData(0.75, 1, 1)]
    public async Task A_burst_of_throttling_keeps_the_decrease_factor_of_the_limit(double factor, int limit, int expected)
    {
        var limiter = new AdaptiveConcurrencyLimiter(maximum: limit) { DecreaseFactor = factor };

        (await limiter.AcquireAsync(CancellationToken.None)).Throttled();

        Assert.Equal(expected, limiter.Limit);
    }

    [Fact]
    public async Task Once_throttled_each_added_slot_takes_the_given_rounds_of_successes()
    {
        var limiter = new AdaptiveConcurrencyLimiter(maximum: 8, initial: 8) { RoundsPerIncreaseAfterThrottle = 2 };
        (await limiter.AcquireAsync(CancellationToken.None)).Throttled();
        Assert.Equal(4, limiter.Limit);

        var seen = new List<int>();
        for (var i = 0; i < 18; i++)
        {
            (await limiter.AcquireAsync(CancellationToken.None)).Succeeded();
            seen.Add(limiter.Limit);
        }

        // 2 × 4 successes to reach 5, then 2 × 5 to reach 6.
        Assert.Equal([4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 6], seen);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(-0.5)]
    public void A_decrease_factor_outside_zero_and_one_is_refused(double factor) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdaptiveConcurrencyLimiter(maximum: 8) { DecreaseFactor = factor });

    [Fact]
    public void Zero_rounds_per_increase_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdaptiveConcurrencyLimiter(maximum: 8) { RoundsPerIncreaseAfterThrottle = 0 });

    [Theory]
    [InlineData(nameof(BackupRunnerOptions.ConcurrencyDecreaseFactor))]
    [InlineData(nameof(BackupRunnerOptions.ConcurrencyRecoveryRounds))]
    [InlineData(nameof(BackupRunnerOptions.InitialParallelism))]
    public void Runner_options_out_of_range_fail_validation_naming_the_option(string name)
    {
        var options = new BackupRunnerOptions();
        switch (name)
        {
            case nameof(BackupRunnerOptions.ConcurrencyDecreaseFactor):
                options.ConcurrencyDecreaseFactor = 1.0;
                break;
            case nameof(BackupRunnerOptions.ConcurrencyRecoveryRounds):
                options.ConcurrencyRecoveryRounds = 0;
                break;
            default:
                options.InitialParallelism = 0;
                break;
        }

        var error = Assert.Throws<ArgumentException>(options.ThrowIfInvalid);
        Assert.Contains(name, error.Message + error.ParamName, StringComparison.Ordinal);
    }

    [Fact]
    public void The_runner_defaults_start_low_decrease_by_a_quarter_and_probe_every_second_round()
    {
        var options = new BackupRunnerOptions();

        Assert.Equal((8, 0.75, 2), (options.InitialParallelism, options.ConcurrencyDecreaseFactor, options.ConcurrencyRecoveryRounds));
        Assert.True(Validator.TryValidateObject(options, new ValidationContext(options), null, validateAllProperties: true));
    }
}
