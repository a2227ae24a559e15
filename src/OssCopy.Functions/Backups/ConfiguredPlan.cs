using NCrontab;
using OssCopy.Core.Backup;

namespace OssCopy.Functions.Backups;

/// <summary>A plan as the app runs it: the CLI's plan, its own cron (null: every tick) as parsed and as written, and the setting it came from.</summary>
public sealed record ConfiguredPlan(BackupPlan Plan, CrontabSchedule? Schedule, string? ScheduleExpression, string Setting)
{
    public string Name => Plan.Name;

    /// <summary>
    /// Whether the plan's cron has an occurrence after <paramref name="since"/> and at or before <paramref name="now"/>
    /// (a plan without a cron is always due). Occurrences are UTC.
    /// </summary>
    public bool IsDue(DateTimeOffset since, DateTimeOffset now) =>
        Schedule is null || Schedule.GetNextOccurrence(since.UtcDateTime) <= now.UtcDateTime;

    /// <summary>Parses a 6-field NCRONTAB expression (seconds first, the Functions timer's format); null when it is not one.</summary>
    public static CrontabSchedule? ParseSchedule(string expression) =>
        CrontabSchedule.TryParse(expression, new CrontabSchedule.ParseOptions { IncludingSeconds = true });
}
