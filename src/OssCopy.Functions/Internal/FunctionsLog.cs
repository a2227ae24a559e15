using Microsoft.Extensions.Logging;

namespace OssCopy.Functions.Internal;

/// <summary>The app's log events. Values logged are names, ids and counts: never a secret, a signature or a body.</summary>
internal static partial class FunctionsLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Copy request refused before any OSS request: {Status} {Fields}")]
    public static partial void CopyRefused(ILogger logger, int status, string fields);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Copy oss://{SourceBucket}/{SourceKey} -> oss://{Bucket}/{Key} answered {Status} ({CopyStatus})")]
    public static partial void CopyAnswered(ILogger logger, string sourceBucket, string sourceKey, string bucket, string key, int status, Core.Copying.CopyStatus copyStatus);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Copy request replayed from Idempotency-Key ({State})")]
    public static partial void IdempotentReplay(ILogger logger, string state);

    [LoggerMessage(EventId = 200, Level = LogLevel.Warning, Message = "Event delivery refused ({Transport}): {Reason}")]
    public static partial void EventUnauthorized(ILogger logger, string transport, string reason);

    [LoggerMessage(EventId = 201, Level = LogLevel.Information, Message = "Event delivery refused ({Transport}): {Status} {Reason}")]
    public static partial void EventRejected(ILogger logger, string transport, int status, string reason);

    [LoggerMessage(EventId = 202, Level = LogLevel.Information, Message = "Event {EventName} for oss://{Bucket}/{Key} acknowledged without a copy: {Reason}")]
    public static partial void EventIgnored(ILogger logger, string eventName, string bucket, string key, string reason);

    [LoggerMessage(EventId = 203, Level = LogLevel.Information, Message = "Event for oss://{Bucket}/{Key} (ETag {ETag}) already handled: redelivery acknowledged")]
    public static partial void EventDuplicate(ILogger logger, string bucket, string key, string etag);

    [LoggerMessage(EventId = 204, Level = LogLevel.Information, Message = "Event copy {Source} -> oss://{Bucket}/{Key}: {CopyStatus}")]
    public static partial void EventCopied(ILogger logger, string source, string bucket, string key, Events.EventCopyDisposition copyStatus);

    [LoggerMessage(EventId = 205, Level = LogLevel.Warning, Message = "Event copy {Source} -> oss://{Bucket}/{Key} failed ({CopyStatus}, {Code}, HTTP {OssStatus}); the delivery will be retried: {Retry}")]
    public static partial void EventCopyFailed(ILogger logger, string source, string bucket, string key, Core.Copying.CopyStatus copyStatus, string? code, int ossStatus, bool retry);

    [LoggerMessage(EventId = 210, Level = LogLevel.Warning, Message = "MNS signing certificate {Url} could not be used: {Reason}")]
    public static partial void CertificateUnavailable(ILogger logger, string url, string reason);

    [LoggerMessage(EventId = 900, Level = LogLevel.Error, Message = "Function {FunctionName} (invocation {InvocationId}) failed; answered 500")]
    public static partial void Unhandled(ILogger logger, Exception exception, string functionName, string invocationId);
}
