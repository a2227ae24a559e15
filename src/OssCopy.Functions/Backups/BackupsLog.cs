using Microsoft.Extensions.Logging;

namespace OssCopy.Functions.Backups;

/// <summary>The backup functions' log events: plan names, run ids, counts and error types — never a secret.</summary>
internal static partial class BackupsLog
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Plan {Plan}: run {RunId} {Outcome} by {Trigger}")]
    public static partial void RunStarted(ILogger logger, string plan, string runId, string outcome, string trigger);

    [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "Plan {Plan} has run {RunId} active; {Trigger} started nothing")]
    public static partial void RunActive(ILogger logger, string plan, string runId, string trigger);

    [LoggerMessage(EventId = 302, Level = LogLevel.Debug, Message = "Plan {Plan} is not due (schedule {Schedule}, nothing since {Since:o})")]
    public static partial void NotDue(ILogger logger, string plan, string schedule, DateTimeOffset since);

    [LoggerMessage(EventId = 303, Level = LogLevel.Error, Message = "Plan {Plan}: the scheduled start failed ({ErrorType})")]
    public static partial void ScheduledStartFailed(ILogger logger, Exception exception, string plan, string errorType);

    [LoggerMessage(EventId = 304, Level = LogLevel.Information, Message = "Backup timer tick (past due: {IsPastDue}): {Due} of {Plans} plans due")]
    public static partial void Tick(ILogger logger, bool isPastDue, int due, int plans);
}
