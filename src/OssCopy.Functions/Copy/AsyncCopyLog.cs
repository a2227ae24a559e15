using Microsoft.Extensions.Logging;

namespace OssCopy.Functions.Copy;

/// <summary>Log events of queued copies: ids, statuses and counts, never a secret or a body.</summary>
internal static partial class AsyncCopyLog
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Copy {Id} ({Origin}) accepted and queued: {Reason}")]
    public static partial void Accepted(ILogger logger, string id, CopyOrigin origin, string reason);

    [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "Copy {Id} was already {Status}: delivery acknowledged without a copy")]
    public static partial void AlreadyHandled(ILogger logger, string id, CopyRunStatus status);

    [LoggerMessage(EventId = 302, Level = LogLevel.Information, Message = "Copy {Id} is running under a lease until {LeaseUntil}: delivery deferred")]
    public static partial void Deferred(ILogger logger, string id, DateTimeOffset leaseUntil);

    [LoggerMessage(EventId = 303, Level = LogLevel.Information, Message = "Copy {Id} was taken up by another delivery: this one copies nothing")]
    public static partial void LostClaim(ILogger logger, string id);

    [LoggerMessage(EventId = 304, Level = LogLevel.Information, Message = "Copy {Id} ({Origin}) finished {Status}: HTTP {ResponseStatus} {Disposition}")]
    public static partial void Finished(ILogger logger, string id, CopyOrigin origin, CopyRunStatus status, int responseStatus, string? disposition);

    [LoggerMessage(EventId = 305, Level = LogLevel.Warning, Message = "Copy {Id} failed for now (HTTP {ResponseStatus}); it will be delivered again")]
    public static partial void WillRetry(ILogger logger, string id, int responseStatus);

    [LoggerMessage(EventId = 306, Level = LogLevel.Warning, Message = "Copy {Id}: its outcome was not recorded, the copy was taken over meanwhile")]
    public static partial void OutcomeNotRecorded(ILogger logger, string id);

    [LoggerMessage(EventId = 307, Level = LogLevel.Error, Message = "Copy {Id} gave up after {Runs} runs (poison message): recorded as Failed")]
    public static partial void GaveUp(ILogger logger, string id, int runs);

    [LoggerMessage(EventId = 308, Level = LogLevel.Warning, Message = "Queue message is not a copy request ({Length} characters): dropped")]
    public static partial void BadMessage(ILogger logger, int length);

    [LoggerMessage(EventId = 309, Level = LogLevel.Warning, Message = "Copy {Id} is unknown: message dropped")]
    public static partial void Unknown(ILogger logger, string id);

    [LoggerMessage(EventId = 310, Level = LogLevel.Error, Message = "Copy {Id} running after its 202 failed in the background")]
    public static partial void BackgroundFailed(ILogger logger, Exception exception, string id);
}
