using Microsoft.Extensions.Logging;

namespace OssCopy.Oss.Internal;

/// <summary>The client's log messages: structured, and never with headers, bodies or credentials.</summary>
internal static partial class OssLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Debug,
        Message = "OSS {Operation} {Bucket}/{Key} answered {Status} in {ElapsedMs} ms after {Attempts} attempt(s), request id {RequestId}")]
    public static partial void Answered(ILogger logger, string operation, string? bucket, string? key, int status, long elapsedMs, int attempts, string? requestId);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning,
        Message = "OSS {Operation} {Bucket}/{Key} failed after {Attempts} attempt(s): {Error}")]
    public static partial void Unreachable(ILogger logger, string operation, string? bucket, string? key, int attempts, string error);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning,
        Message = "Retrying OSS {Operation} (attempt {Attempt}) after {Reason}; waiting {DelayMs} ms")]
    public static partial void Retrying(ILogger logger, string? operation, int attempt, string reason, int delayMs);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information,
        Message = "CopyObject {Bucket}/{Key} met FileAlreadyExists on a retry (request id {RequestId}); the destination equals the source by CRC-64: {Same}")]
    public static partial void CopyConflictAfterRetry(ILogger logger, string bucket, string key, string? requestId, bool same);
}
