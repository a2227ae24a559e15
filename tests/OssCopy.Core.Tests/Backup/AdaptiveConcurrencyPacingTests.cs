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

    [Fact]
    public async Task A_cycle_refused_over_the_goal_doubles_the_rounds_per_slot_and_one_under_half_of_it_halves_them()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var limiter = new AdaptiveConcurrencyLimiter(maximum: 64, initial: 40, timeProvider: time) { RoundsPerIncreaseAfterThrottle = 2, ThrottledShareGoal = 0.01 };
        async Task Cycle(int successes, int throttles)
        {
            for (var i = 0; i < successes; i++)
            {
                (await limiter.AcquireAsync(CancellationToken.None)).Succeeded();
            }

            for (var i = 0; i < throttles; i++)
            {
                limiter.ReportThrottle(); // one burst: the first cuts, the rest are counted
            }

            time.Advance(limiter.SignalWindow);
        }

        await Cycle(successes: 999, throttles: 1);   // 0.1 % refused: under half the goal, and never below the configured 2
        Assert.Equal(2, limiter.RoundsPerIncrease);
        await Cycle(successes: 95, throttles: 5);    // the cut sees 1 of 96 (1 %): over; the burst's other 4 count in the next cycle
        Assert.Equal(4, limiter.RoundsPerIncrease);
        await Cycle(successes: 98, throttles: 2);    // 5 of 103: over
        Assert.Equal(8, limiter.RoundsPerIncrease);
        await Cycle(successes: 999, throttles: 1);   // 2 of 1,001 (0.2 %): under half the goal
        Assert.Equal(4, limiter.RoundsPerIncrease);
        await Cycle(successes: 1999, throttles: 1);
        await Cycle(successes: 1999, throttles: 1);
        Assert.Equal(2, limiter.RoundsPerIncrease); // never below the configured rounds
    }

    [Fact]
    public async Task Without_a_goal_the_rounds_per_slot_stay_as_configured()
    {
        var limiter = new AdaptiveConcurrencyLimiter(maximum: 64, initial: 40) { RoundsPerIncreaseAfterThrottle = 2, SignalWindow = TimeSpan.Zero };
        for (var cycle = 0; cycle < 5; cycle++)
        {
            (await limiter.AcquireAsync(CancellationToken.None)).Succeeded();
            limiter.ReportThrottle();
            limiter.ReportThrottle();
        }

        Assert.Equal(2, limiter.RoundsPerIncrease);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.0)]
    public void A_throttled_share_goal_outside_zero_and_one_is_refused(double goal) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdaptiveConcurrencyLimiter(maximum: 8) { ThrottledShareGoal = goal });

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
