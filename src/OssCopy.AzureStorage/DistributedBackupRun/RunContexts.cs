using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using OssCopy.Core.Backup;
using OssCopy.Oss.Http;

namespace OssCopy.AzureStorage.DistributedBackupRun;

/// <summary>One run as a handler sees it: its spec, plan, and the per-object decision context (with this worker's limiter).</summary>
public sealed record RunContext(RunSpec Spec, BackupPlan Plan, PlanCopyContext Context);

/// <summary>
/// The runs this worker has handled messages for, so a spec is read once per run and worker rather than per
/// message. Copies of every run in this process share one <see cref="AdaptiveConcurrencyLimiter"/>: a worker paces
/// itself against the OSS endpoint as the in-process run does (slow start from <c>InitialParallelism</c>, the same
/// decrease and recovery), lowering its concurrency when throttled, on every throttled attempt the client's
/// <see cref="ThrottleSignal"/> sees (its own retries included), as the runner does; and since other workers share
/// the cap, it recovers more slowly while more than <c>WorkerThrottledShareGoal</c> of its attempts are refused.
/// </summary>
public sealed class RunContexts : IDisposable
{
    private readonly ThrottleSignal? _throttleSignal;
    private readonly RunSpecStore _specs;
    private readonly BackupRunnerOptions _options;
    private readonly ConcurrentDictionary<string, Lazy<Task<RunContext?>>> _runs = new(StringComparer.Ordinal);

    public RunContexts(RunSpecStore specs, IOptions<BackupRunnerOptions> options, TimeProvider? timeProvider = null, ThrottleSignal? throttleSignal = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _specs = specs ?? throw new ArgumentNullException(nameof(specs));
        _options = options.Value;
        // Paced as the in-process runner paces itself (slow start from InitialParallelism, the same decrease and
        // recovery), not started at MaxParallelism: several workers that each start at their maximum overshoot a
        // shared account cap together, and the refusals of that first burst cut every one of them down at once.
        Limiter = new AdaptiveConcurrencyLimiter(_options.MaxParallelism, Math.Min(_options.MinParallelism, _options.MaxParallelism),
            Math.Min(_options.InitialParallelism, _options.MaxParallelism), timeProvider)
        {
            SlowStart = true,
            DecreaseFactor = _options.ConcurrencyDecreaseFactor,
            RoundsPerIncreaseAfterThrottle = _options.ConcurrencyRecoveryRounds,
            // Other workers share the cap: probe more slowly while more than this share is refused (see the option).
            ThrottledShareGoal = _options.WorkerThrottledShareGoal,
        };
        _throttleSignal = throttleSignal;
        if (_throttleSignal is not null)
        {
            _throttleSignal.Throttled += Limiter.ReportThrottle;
        }
    }

    public void Dispose()
    {
        if (_throttleSignal is not null)
        {
            _throttleSignal.Throttled -= Limiter.ReportThrottle;
        }
    }

    public AdaptiveConcurrencyLimiter Limiter { get; }

    /// <summary>The run's context, or null when it has no spec (its start did not get that far; the takeover writes it).</summary>
    public async Task<RunContext?> GetAsync(string plan, string runId, CancellationToken cancellationToken)
    {
        var key = plan + "\n" + runId;
        var lazy = _runs.GetOrAdd(key, _ => new Lazy<Task<RunContext?>>(() => LoadAsync(plan, runId)));
        RunContext? context;
        try
        {
            context = await lazy.Value.WaitAsync(cancellationToken);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // A failed read is not remembered: the next message reads again.
            _runs.TryRemove(new KeyValuePair<string, Lazy<Task<RunContext?>>>(key, lazy));
            throw;
        }

        if (context is null)
        {
            // Not cached: a start may write it later.
            _runs.TryRemove(new KeyValuePair<string, Lazy<Task<RunContext?>>>(key, lazy));
        }

        return context;
    }

    private async Task<RunContext?> LoadAsync(string planName, string runId)
    {
        // Not the caller's token: the load is shared by every caller waiting for it.
        var spec = await _specs.LoadAsync(planName, runId, CancellationToken.None);
        if (spec is null)
        {
            return null;
        }

        var plan = spec.Plan();
        return new RunContext(spec, plan, PlanCopyContext.ForRun(plan, spec.RunOptions(), _options, spec.StartedAt, Limiter));
    }
}
