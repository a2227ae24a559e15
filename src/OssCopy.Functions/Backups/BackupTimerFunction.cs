using Microsoft.Azure.Functions.Worker;

namespace OssCopy.Functions.Backups;

/// <summary>The backup timer (<c>%BackupSchedule%</c>): on each tick, starts a distributed run of every plan that is due.</summary>
public sealed class BackupTimerFunction
{
    private readonly BackupScheduler _scheduler;

    public BackupTimerFunction(BackupScheduler scheduler)
    {
        _scheduler = scheduler ?? throw new ArgumentNullException(nameof(scheduler));
    }

    [Function("BackupSchedule")]
    public Task RunAsync([TimerTrigger("%" + BackupOptions.ScheduleSetting + "%")] TimerInfo timer, FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(timer);
        ArgumentNullException.ThrowIfNull(context);
        return _scheduler.StartDueAsync(LastTick(timer), timer.IsPastDue, context.CancellationToken);
    }

    /// <summary>The timer's last recorded occurrence (the host records them in UTC; an unmarked time is taken as UTC), or null when none.</summary>
    public static DateTimeOffset? LastTick(TimerInfo timer)
    {
        ArgumentNullException.ThrowIfNull(timer);
        if (timer.ScheduleStatus is not { } status || status.Last == default)
        {
            return null;
        }

        var last = status.Last;
        return last.Kind == DateTimeKind.Unspecified ? new DateTimeOffset(last, TimeSpan.Zero) : new DateTimeOffset(last.ToUniversalTime(), TimeSpan.Zero);
    }
}
