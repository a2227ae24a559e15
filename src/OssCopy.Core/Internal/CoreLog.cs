using Microsoft.Extensions.Logging;

namespace OssCopy.Core.Internal;

/// <summary>The engine's log messages: structured, with keys and request ids, never credentials or bodies.</summary>
internal static partial class CoreLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Debug, Message = "Copy {SourceBucket}/{SourceKey} -> {Bucket}/{Key}: {Size} bytes, ETag {ETag}, strategy {Strategy}")]
    public static partial void Planned(ILogger logger, string sourceBucket, string sourceKey, string bucket, string key, long size, string? etag, Copying.CopyStrategy strategy);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information,
        Message = "Copied {SourceBucket}/{SourceKey} -> {Bucket}/{Key} ({Size} bytes, {Strategy}, verified {Verified}) in {ElapsedMs} ms, request id {RequestId}")]
    public static partial void Copied(ILogger logger, string sourceBucket, string sourceKey, string bucket, string key, long size, Copying.CopyStrategy strategy, bool verified, double elapsedMs, string? requestId);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning,
        Message = "Copy {SourceBucket}/{SourceKey} -> {Bucket}/{Key} failed: {Code} (HTTP {Status}), request id {RequestId}")]
    public static partial void Failed(ILogger logger, string sourceBucket, string sourceKey, string bucket, string key, string code, int status, string? requestId);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning,
        Message = "Source {SourceBucket}/{SourceKey} changed while it was copied (pinned to ETag {ETag}); nothing was copied")]
    public static partial void SourceChanged(ILogger logger, string sourceBucket, string sourceKey, string? etag);

    [LoggerMessage(EventId = 104, Level = LogLevel.Error,
        Message = "Copy {SourceBucket}/{SourceKey} -> {Bucket}/{Key} did not verify: {Mismatches}")]
    public static partial void VerificationFailed(ILogger logger, string sourceBucket, string sourceKey, string bucket, string key, IReadOnlyList<string> mismatches);

    [LoggerMessage(EventId = 105, Level = LogLevel.Warning,
        Message = "Aborting multipart upload {UploadId} of {Bucket}/{Key} failed: {Error}; its parts remain until a lifecycle rule removes them")]
    public static partial void AbortFailed(ILogger logger, string uploadId, string bucket, string key, string error);

    [LoggerMessage(EventId = 106, Level = LogLevel.Information, Message = "Aborted multipart upload {UploadId} of {Bucket}/{Key} after a failed copy")]
    public static partial void Aborted(ILogger logger, string uploadId, string bucket, string key);

    [LoggerMessage(EventId = 107, Level = LogLevel.Warning,
        Message = "The region of bucket {Bucket} could not be read ({Code}); the same-region check is skipped for it")]
    public static partial void RegionUnknown(ILogger logger, string bucket, string code);

    [LoggerMessage(EventId = 110, Level = LogLevel.Information, Message = "Throttled by OSS ({Code}); concurrency {Old} -> {New}")]
    public static partial void ConcurrencyLowered(ILogger logger, string code, int old, int @new);

    [LoggerMessage(EventId = 111, Level = LogLevel.Debug, Message = "Concurrency raised {Old} -> {New}")]
    public static partial void ConcurrencyRaised(ILogger logger, int old, int @new);

    [LoggerMessage(EventId = 120, Level = LogLevel.Information, Message = "Backup plan {Plan} resumes after {Key}")]
    public static partial void Resuming(ILogger logger, string plan, string key);

    [LoggerMessage(EventId = 121, Level = LogLevel.Information,
        Message = "Backup plan {Plan} finished: {Copied} copied, {Unchanged} unchanged, {Failed} failed, {Listed} listed in {ElapsedMs} ms (dry run {DryRun})")]
    public static partial void BackupFinished(ILogger logger, string plan, long copied, long unchanged, long failed, long listed, long elapsedMs, bool dryRun);

    [LoggerMessage(EventId = 122, Level = LogLevel.Warning, Message = "Backup plan {Plan}: {Key} failed: {Error}")]
    public static partial void ObjectFailed(ILogger logger, string plan, string key, string error);

    [LoggerMessage(EventId = 123, Level = LogLevel.Warning,
        Message = "Backup plan {Plan}: the sync manifest could not be saved ({Error}); the next run lists the destination where the previous manifest does not vouch for it")]
    public static partial void SyncManifestNotSaved(ILogger logger, string plan, string error);
}
