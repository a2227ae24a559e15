namespace OssCopy.Functions.Backups;

/// <summary>
/// The backup plans this app runs, bound from <c>OssCopy:Backups</c> and validated at start: each plan under
/// <c>OssCopy:Backups:Plans:{name}</c> is the CLI's plan JSON, from a file (<see cref="BackupPlanSetting.File"/>) or
/// inline (<see cref="BackupPlanSetting.Json"/>), with an optional own cron (<see cref="BackupPlanSetting.Schedule"/>).
/// </summary>
public sealed class BackupOptions
{
    public const string SectionName = "OssCopy:Backups";

    /// <summary>The app setting the timer's schedule comes from (<c>%BackupSchedule%</c>): when the app checks which plans are due.</summary>
    public const string ScheduleSetting = "BackupSchedule";

    /// <summary>Plan name → where its plan is. The name is the plan's name in the API and in the runs table.</summary>
    public Dictionary<string, BackupPlanSetting> Plans { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One configured plan: exactly one of <see cref="File"/> and <see cref="Json"/>, and optionally its own cron.</summary>
public sealed class BackupPlanSetting
{
    /// <summary>A plan file (the CLI's <c>--plan</c> format); a relative path is taken from the app's folder.</summary>
    public string? File { get; set; }

    /// <summary>The plan's JSON itself, for an app setting that holds it whole.</summary>
    public string? Json { get; set; }

    /// <summary>
    /// A 6-field NCRONTAB expression in UTC (<c>{second} {minute} {hour} {day} {month} {day-of-week}</c>, as the
    /// Functions timer reads them). The timer starts the plan on a tick when an occurrence fell since the plan's last
    /// run (or the timer's last tick); without one the plan runs on every tick of <c>BackupSchedule</c>.
    /// </summary>
    public string? Schedule { get; set; }
}
