using Microsoft.Extensions.Time.Testing;
using OssCopy.Core.Backup;
using Xunit.Abstractions;

namespace OssCopy.Core.Tests.Backup;

/// <summary>
/// Several clients, each with its own limiter, pacing themselves against one shared cap: the distributed run's workers
/// against an OSS account. A deterministic simulation in 10 ms steps of LocalOss's model (a token bucket; a refused
/// request answered after the same latency as an admitted one) and of the engine (a refused copy is reported to the
/// limiter, gives its slot back and is retried after exponential backoff, as PlanObjectCopier does: the client hands a
/// throttled CopyObject straight back).
/// </summary>
public class SharedCapPacingTests(ITestOutputHelper output)
{
    private const double CapPerSecond = 500;

    /// <summary>
    /// The bench's two settings: 20 ms with 8 copies per worker (the cap is 10 copies in flight: one or two per worker)
    /// and 200 ms with 32 (100 in flight, about 12 per worker of 8: OSS's own granularity at its real caps).
    /// </summary>
    [Theory]
    [InlineData(20, 8, 4)]
    [InlineData(20, 8, 8)]
    [InlineData(200, 32, 4)]
    [InlineData(200, 32, 8)]
    public void Workers_aiming_at_a_throttled_share_hold_the_cap_with_under_2_percent_refused(int latencyMs, int perWorker, int workers)
    {
        var result = Simulate(workers, latencyMs, perWorker, throttledShareGoal: 0.01);
        output.WriteLine(result.ToString());

        Assert.True(result.ShareOfCap >= 0.95, result.ToString());
        Assert.True(result.RefusedShare < 0.02, result.ToString());
    }

    [Theory]
    [InlineData(20, 8, 8)]
    [InlineData(200, 32, 16)]
    public void Without_the_goal_more_workers_are_refused_many_times_as_often(int latencyMs, int perWorker, int workers)
    {
        // What the bench measured before the goal (7-12 % refused with 4 and 8 workers at 20 ms): fixed rounds per added
        // slot, so n workers climb back n times as fast as one. Fixed rounds break the 2 % bound (25 % and 3.3 %
        // here since a refused copy waits for its retry without a slot); the goal refuses a fourth as often or less.
        var fixedRounds = Simulate(workers, latencyMs, perWorker, throttledShareGoal: 0);
        var withGoal = Simulate(workers, latencyMs, perWorker, throttledShareGoal: 0.01);
        output.WriteLine($"fixed rounds: {fixedRounds}\nwith the goal: {withGoal}");

        Assert.True(fixedRounds.RefusedShare > 0.02, fixedRounds.ToString());
        Assert.True(withGoal.RefusedShare < fixedRounds.RefusedShare / 4, $"fixed rounds: {fixedRounds}; with the goal: {withGoal}");
    }

    [Fact]
    public void One_worker_under_the_cap_is_never_refused_and_runs_at_its_maximum()
    {
        // 32 in flight at 200 ms is 160/s, under the cap's 500/s: nothing to refuse, nothing to cut.
        var result = Simulate(1, 200, 32, throttledShareGoal: 0.01);
        output.WriteLine(result.ToString());

        Assert.Equal(0, result.RefusedShare);
        Assert.InRange(result.ShareOfCap, 0.31, 0.33);
        Assert.Equal(32, result.SummedLimit);
    }

    private sealed record Result(double ShareOfCap, double RefusedShare, int SummedLimit)
    {
        public override string ToString() => $"{ShareOfCap:P1} of the cap, {RefusedShare:P2} of attempts refused, summed limits at the end {SummedLimit}";
    }

    private sealed record Attempt(int Worker, AdaptiveConcurrencyLimiter.Lease Lease, int Number);

    /// <summary>Steady state: 60 s of endless work, measured from 10 s on (after the slow start).</summary>
    private static Result Simulate(int workers, int latencyMs, int maximum, double throttledShareGoal)
    {
        const int stepMs = 10;
        const int measureFromStep = 1_000;
        const int steps = 6_000;
        var maxAttempts = 1 + new BackupRunnerOptions().ThrottleRetries;
        var backoffMs = new BackupRunnerOptions().ThrottleBackoff.TotalMilliseconds;
        var random = new Random(1234);
        var time = new FakeTimeProvider();
        var limiters = Enumerable.Range(0, workers).Select(_ => new AdaptiveConcurrencyLimiter(maximum: maximum, minimum: 1, initial: Math.Min(8, maximum), time)
        {
            SlowStart = true,
            // The runner's defaults (BackupRunnerOptions), as RunContexts gives each worker.
            DecreaseFactor = 0.75,
            RoundsPerIncreaseAfterThrottle = 2,
            ThrottledShareGoal = throttledShareGoal,
        }).ToList();

        var burst = CapPerSecond * 5 * latencyMs / 1000; // five latencies of its rate, as the bench's caps
        var tokens = burst;
        var latencySteps = latencyMs / stepMs;
        var answers = new Dictionary<int, List<(Attempt Attempt, bool Admitted)>>();
        var retries = new Dictionary<int, List<(int Worker, int Number)>>();
        var readyToRetry = Enumerable.Range(0, workers).Select(_ => new Queue<int>()).ToList();
        long admitted = 0, attempts = 0, refused = 0;
        for (var step = 0; step < steps; step++)
        {
            time.Advance(TimeSpan.FromMilliseconds(stepMs));
            tokens = Math.Min(burst, tokens + CapPerSecond * stepMs / 1000);
            var measuring = step >= measureFromStep;

            if (answers.Remove(step, out var due))
            {
                foreach (var (attempt, wasAdmitted) in due)
                {
                    if (wasAdmitted)
                    {
                        attempt.Lease.Succeeded();
                        continue;
                    }

                    // The throttle signal, then the copy's own report as it gives its slot back.
                    limiters[attempt.Worker].ReportThrottle();
                    attempt.Lease.Throttled();
                    if (attempt.Number == maxAttempts)
                    {
                        continue;
                    }

                    // The engine's backoff (doubling, with jitter), waited without a slot.
                    var waitMs = backoffMs * Math.Pow(2, attempt.Number - 1) * (0.5 + (random.NextDouble() * 0.5));
                    var at = step + Math.Max(1, (int)(waitMs / stepMs));
                    (retries.TryGetValue(at, out var list) ? list : retries[at] = []).Add((attempt.Worker, attempt.Number + 1));
                }
            }

            foreach (var (worker, number) in retries.Remove(step, out var backedOff) ? backedOff : [])
            {
                readyToRetry[worker].Enqueue(number);
            }

            var sends = new List<Attempt>();
            for (var w = 0; w < workers; w++)
            {
                while (limiters[w].InFlight < limiters[w].Limit)
                {
                    var lease = limiters[w].AcquireAsync(CancellationToken.None).AsTask();
                    Assert.True(lease.IsCompletedSuccessfully, "a free slot is granted at once");
                    // A copy back from its backoff first, else new work (there is always more).
                    sends.Add(new Attempt(w, lease.Result, readyToRetry[w].TryDequeue(out var number) ? number : 1));
                }
            }

            // The bucket serves this step's arrivals in no worker's favour.
            foreach (var attempt in sends.OrderBy(_ => random.Next()))
            {
                var wasAdmitted = tokens >= 1;
                tokens -= wasAdmitted ? 1 : 0;
                var at = step + latencySteps;
                (answers.TryGetValue(at, out var list) ? list : answers[at] = []).Add((attempt, wasAdmitted));
                if (measuring)
                {
                    attempts++;
                    admitted += wasAdmitted ? 1 : 0;
                    refused += wasAdmitted ? 0 : 1;
                }
            }
        }

        var seconds = (steps - measureFromStep) * stepMs / 1000.0;
        return new Result(admitted / seconds / CapPerSecond, (double)refused / attempts, limiters.Sum(l => l.Limit));
    }
}
