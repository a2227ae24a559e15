using Microsoft.Extensions.Logging;
using OssCopy.Oss;
using OssCopy.Oss.Models;

namespace OssCopy.Core.Copying;

/// <summary>
/// Archive, Cold Archive and Deep Cold Archive sources: OSS copies them only while restored (otherwise 403
/// InvalidObjectState). Decides from the source's storage class and <c>x-oss-restore</c> what a copy does with one,
/// as <see cref="CopyRequest.Archived"/> asks: fail (copy anyway and report OSS's error), skip, or restore.
/// </summary>
internal static partial class ArchivedSources
{
    /// <summary>The days Archive objects (not the cold classes) stay restored at most.</summary>
    public const int MaxArchiveRestoreDays = 7;

    /// <summary>Whether the request handles archived sources itself (skip or restore) rather than letting OSS refuse the copy.</summary>
    public static bool Handles(CopyRequest request) => ArchivedSourceAction.Normalize(request.Archived, nameof(CopyRequest.Archived)) != ArchivedSourceAction.Fail;

    /// <summary>
    /// The listing says the source is archived and the request handles that: the source must be HEADed (its
    /// <c>x-oss-restore</c> decides), even where size and ETag from the listing would have spared the HEAD. A
    /// Standard object never costs a HEAD more.
    /// </summary>
    public static bool MustHead(CopyRequest request) => OssRestore.IsArchived(request.KnownSourceStorageClass) && Handles(request);

    /// <summary>After the source's HEAD: null to go on copying (not archived, restored, or Fail asked), else the outcome.</summary>
    public static async ValueTask<CopyOutcome?> CheckAsync(IOssClient client, ILogger logger, CopyContext context, HeadObjectResult head, CancellationToken cancellationToken)
    {
        var storageClass = head.Properties.StorageClass;
        if (!OssRestore.IsArchived(storageClass) || !Handles(context.Request))
        {
            return null;
        }

        var restore = head.Headers.TryGetValue(OssRestore.Header, out var value) ? value : null;
        return OssRestore.Parse(restore) switch
        {
            OssRestoreState.Restored => null,
            OssRestoreState.Ongoing => Unavailable(logger, context, storageClass!, restore, ongoing: true),
            _ when Action(context.Request) == ArchivedSourceAction.Skip => Unavailable(logger, context, storageClass!, restore, ongoing: false),
            _ => await RestoreAsync(client, logger, context, storageClass!, restore, copyIfRestored: true, cancellationToken),
        };
    }

    /// <summary>
    /// The copy itself met 403 InvalidObjectState (the listing said another class, or the restore expired after the
    /// HEAD): skip or restore as asked. Only for requests that <see cref="Handles"/> archived sources.
    /// </summary>
    public static async ValueTask<CopyOutcome> OnFrozenAsync(IOssClient client, ILogger logger, CopyContext context, CancellationToken cancellationToken)
    {
        // The class is whatever was seen of the source; the restore request needs it only to leave the tier out for Archive.
        var storageClass = context.Source?.StorageClass ?? context.Request.KnownSourceStorageClass ?? OssStorageClass.Archive;
        return Action(context.Request) == ArchivedSourceAction.Skip
            ? Unavailable(logger, context, storageClass, restore: null, ongoing: false)
            : (await RestoreAsync(client, logger, context, storageClass, restore: null, copyIfRestored: false, cancellationToken))!; // never null without copyIfRestored
    }

    private static string Action(CopyRequest request) => ArchivedSourceAction.Normalize(request.Archived, nameof(CopyRequest.Archived));

    /// <summary>Skipped (Skip) or Restoring without a request (a restore already under way), from what HEAD showed.</summary>
    private static CopyOutcome Unavailable(ILogger logger, CopyContext context, string storageClass, string? restore, bool ongoing)
    {
        var request = context.Request;
        if (Action(request) == ArchivedSourceAction.Skip)
        {
            Log.Skipped(logger, context.SourceBucket, request.SourceKey, storageClass, restore ?? "none");
            return context.Outcome(CopyStatus.Skipped, null) with
            {
                SkipReason = CopySkipReason.Archived, SourceStorageClass = storageClass, SourceRestore = restore,
            };
        }

        Log.StillRestoring(logger, context.SourceBucket, request.SourceKey, storageClass);
        return context.Outcome(CopyStatus.Restoring, null) with { SourceStorageClass = storageClass, SourceRestore = restore ?? (ongoing ? OngoingHeader : null) };
    }

    private const string OngoingHeader = "ongoing-request=\"true\"";

    /// <summary>
    /// RestoreObject: 202 (started) is Restoring; 409 RestoreAlreadyInProgress is Restoring too, without a second
    /// request; 200 (it was restored meanwhile) lets the copy go on when it has not been tried yet.
    /// </summary>
    private static async ValueTask<CopyOutcome?> RestoreAsync(
        IOssClient client, ILogger logger, CopyContext context, string storageClass, string? restore, bool copyIfRestored, CancellationToken cancellationToken)
    {
        var request = context.Request;
        var archiveClass = storageClass.Equals(OssStorageClass.Archive, StringComparison.OrdinalIgnoreCase);

        // Archive objects stay restored 1–7 days and OSS refuses JobParameters for them (MalformedXML): cap the days, leave the tier out.
        var days = request.RestoreDays ?? 1;
        if (archiveClass)
        {
            days = Math.Min(days, MaxArchiveRestoreDays);
        }

        var tier = archiveClass ? null : OssRestoreTier.Normalize(request.RestoreTier, nameof(CopyRequest.RestoreTier));
        RestoreObjectResult result;
        try
        {
            result = await client.RestoreObjectAsync(new RestoreObjectRequest
            {
                Bucket = context.SourceBucket, Key = request.SourceKey, VersionId = request.SourceVersionId, Days = days, Tier = tier,
            }, cancellationToken);
        }
        catch (OssException ex) when (ex.ErrorCode == OssRestore.RestoreAlreadyInProgress)
        {
            Log.StillRestoring(logger, context.SourceBucket, request.SourceKey, storageClass);
            return context.Outcome(CopyStatus.Restoring, null) with
            {
                StatusCode = ex.StatusCode, RequestId = ex.RequestId, SourceStorageClass = storageClass, SourceRestore = restore ?? OngoingHeader,
            };
        }

        if (!result.Started && copyIfRestored)
        {
            return null;
        }

        Log.RestoreRequested(logger, context.SourceBucket, request.SourceKey, storageClass, days, tier ?? "default", result.StatusCode, result.RequestId);
        return context.Outcome(CopyStatus.Restoring, null) with
        {
            StatusCode = result.StatusCode, RequestId = result.RequestId, SourceStorageClass = storageClass, SourceRestore = restore, RestoreRequested = true,
        };
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 130, Level = LogLevel.Information,
            Message = "Source {SourceBucket}/{SourceKey} is {StorageClass} and not restored (x-oss-restore: {Restore}): skipped, nothing sent")]
        public static partial void Skipped(ILogger logger, string sourceBucket, string sourceKey, string storageClass, string restore);

        [LoggerMessage(EventId = 131, Level = LogLevel.Information,
            Message = "Source {SourceBucket}/{SourceKey} is {StorageClass}: restore requested for {Days} day(s), tier {Tier} (HTTP {Status}, request id {RequestId}); copy it again once restored")]
        public static partial void RestoreRequested(ILogger logger, string sourceBucket, string sourceKey, string storageClass, int days, string tier, int status, string? requestId);

        [LoggerMessage(EventId = 132, Level = LogLevel.Information,
            Message = "Source {SourceBucket}/{SourceKey} is {StorageClass} and its restore is under way; copy it again once restored")]
        public static partial void StillRestoring(ILogger logger, string sourceBucket, string sourceKey, string storageClass);
    }
}
