using Microsoft.Extensions.Logging;
using OssCopy.AzureStorage;
using OssCopy.AzureStorage.DistributedBackupRun;

namespace OssCopy.Functions.Backups;

/// <summary>What one plan's start came to: the outcome and run (null when the plan was not due).</summary>
public sealed record PlanStart(string Plan, RunStart? Start);

/// <summary>
/// Starts runs of configured plans through <see cref="DistributedRunStarter"/>, whose single-active-run guarantee
/// (one transaction on the plan's run rows) is what keeps a plan from running twice at once, whether the timer, the
/// API or another instance asked.
/// </summary>
public sealed class BackupScheduler
{
    /// <summary>How far back a plan that never ran looks for a due occurrence when the timer knows no last tick.</summary>
    public static readonly TimeSpan FirstRunLookBack = TimeSpan.FromDays(1);

    private readonly BackupPlanCatalog _catalog;
    private readonly DistributedRunStarter _starter;
    private readonly RunStore _runs;
    private readonly TimeProvider _time;
    private readonly ILogger<BackupScheduler> _logger;

    public BackupScheduler(BackupPlanCatalog catalog, DistributedRunStarter starter, RunStore runs, TimeProvider time, ILogger<BackupScheduler> logger)
    {
        _catalog = catalog ?? throw new ArgumentNullException(nameof(catalog));
        _starter = starter ?? throw new ArgumentNullException(nameof(starter));
        _runs = runs ?? throw new ArgumentNullException(nameof(runs));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <summary>Starts (or finds active) a run of <paramref name="plan"/> now.</summary>
    public async Task<RunStart> StartAsync(ConfiguredPlan plan, string trigger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var start = await _starter.StartAsync(plan.Plan, null, cancellationToken);
        if (start.Outcome == RunStartOutcome.AlreadyActive)
        {
            BackupsLog.RunActive(_logger, plan.Name, start.Run.RunId, trigger);
        }
        else
        {
            BackupsLog.RunStarted(_logger, plan.Name, start.Run.RunId, start.Outcome == RunStartOutcome.Started ? "started" : "taken over (stale) and resumed", trigger);
        }

        return start;
    }

    /// <summary>
    /// One timer tick: starts every plan that is due. A plan with its own cron is due when an occurrence fell after
    /// the later of its last run's start and the timer's last tick (<paramref name="lastTick"/>); a plan without one
    /// on every tick. Every due plan is tried; if any start failed, the tick throws after the others were started.
    /// </summary>
    public async Task<IReadOnlyList<PlanStart>> StartDueAsync(DateTimeOffset? lastTick, bool isPastDue, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var results = new List<PlanStart>();
        var failures = new List<Exception>();
        foreach (var plan in _catalog.Plans)
        {
            try
            {
                if (plan.Schedule is not null)
                {
                    var last = await _runs.GetLatestAsync(plan.Name, cancellationToken);
                    var since = Later(last?.StartedAt, lastTick) ?? now - FirstRunLookBack;
                    if (!plan.IsDue(since, now))
                    {
                        BackupsLog.NotDue(_logger, plan.Name, plan.ScheduleExpression!, since);
                        results.Add(new PlanStart(plan.Name, null));
                        continue;
                    }
                }

                results.Add(new PlanStart(plan.Name, await StartAsync(plan, "the schedule", cancellationToken)));
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // One plan's storage or plan trouble does not keep the others from their schedule.
                BackupsLog.ScheduledStartFailed(_logger, ex, plan.Name, ex.GetType().Name);
                failures.Add(ex);
            }
        }

        var due = results.Count(r => r.Start is not null) + failures.Count;
        BackupsLog.Tick(_logger, isPastDue, due, results.Count + failures.Count);
        if (failures.Count > 0)
        {
            throw new AggregateException($"{failures.Count} scheduled backup start(s) failed.", failures);
        }

        return results;
    }

    private static DateTimeOffset? Later(DateTimeOffset? a, DateTimeOffset? b) =>
        a is null ? b : b is null ? a : a > b ? a : b;
}
