using System.Globalization;
using OssCopy.Core.Copying;

namespace OssCopy.Core.Backup;

/// <summary>How a work item and its outcome become a report line, and a report line the run's totals.</summary>
public static class ReportMapping
{
    /// <summary>A line with no copy behind it (unchanged after a check, or what a dry run would copy).</summary>
    public static ReportEntry Entry(PlanCopyContext context, CopyWorkItem item, ReportAction action, ReportReason reason)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(item);
        return new ReportEntry
        {
            Key = item.Source.Key,
            DestinationKey = context.DestinationKey(item.RelativeKey),
            Action = action,
            Reason = reason,
            Size = item.Source.Size,
            SourceETag = item.Source.ETag,
            ETag = action == ReportAction.Unchanged ? item.Destination?.ETag : null,
        };
    }

    /// <summary>The report line of a copy attempt, made once with every field (this runs for every object copied).</summary>
    public static ReportEntry FromOutcome(PlanCopyContext context, CopyWorkItem item, ReportReason reason, CopyOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(outcome);
        var copied = outcome.Strategy != CopyStrategy.None;
        return new ReportEntry
        {
            Key = item.Source.Key,
            DestinationKey = context.DestinationKey(item.RelativeKey),
            Action = outcome.Status switch
            {
                CopyStatus.Copied => ReportAction.Copied,
                CopyStatus.SourceChanged => ReportAction.SourceChanged,
                CopyStatus.Restoring => ReportAction.Restoring,
                CopyStatus.Skipped => ReportAction.Skipped,
                _ => ReportAction.Failed,
            },
            Reason = outcome.SkipReason == CopySkipReason.Archived ? ReportReason.Archived : reason,
            StorageClass = outcome.SourceStorageClass,
            Restore = outcome.RestoreRequested ? "requested" : outcome.SourceRestore,
            Size = item.Source.Size,
            SourceETag = item.Source.ETag,
            Strategy = copied ? StrategyName(outcome.Strategy) : null,
            Verified = copied ? outcome.Verified : null,
            StatusCode = outcome.StatusCode == 0 ? null : outcome.StatusCode,
            RequestId = outcome.RequestId,
            ETag = outcome.ETag,
            VersionId = outcome.VersionId,
            SourceVersionId = outcome.SourceVersionId,
            HashCrc64 = outcome.HashCrc64?.ToString(CultureInfo.InvariantCulture),
            ErrorCode = outcome.Error?.Code,
            ErrorMessage = outcome.Error?.Message,
            Ec = outcome.Error?.Ec,
            DurationMs = Math.Round(outcome.Duration.TotalMilliseconds, 1),
        };
    }

    /// <summary>The strategy's name as the report writes it: the enum's own name, without Enum.ToString's lookup for every object.</summary>
    internal static string StrategyName(CopyStrategy strategy) => strategy switch
    {
        CopyStrategy.SingleCopy => nameof(CopyStrategy.SingleCopy),
        CopyStrategy.Multipart => nameof(CopyStrategy.Multipart),
        _ => strategy.ToString(),
    };

    /// <summary>The reason a work item is reported with.</summary>
    public static ReportReason Reason(DiffKind kind) => kind switch
    {
        DiffKind.Missing => ReportReason.Missing,
        DiffKind.SizeDiffers => ReportReason.SizeDiffers,
        _ => ReportReason.ETagDiffers,
    };

    /// <summary>What one listed object's line adds to the run's totals.</summary>
    public static ReportTotals Totals(ReportEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.Action switch
        {
            ReportAction.Copied => new() { Listed = 1, Copied = 1, CopiedBytes = entry.Size },
            ReportAction.Unchanged => new() { Listed = 1, Unchanged = 1, UnchangedBytes = entry.Size },
            ReportAction.WouldCopy => new() { Listed = 1, WouldCopy = 1, WouldCopyBytes = entry.Size, WouldCopyRequests = entry.Requests ?? 0 },
            ReportAction.SourceChanged => new() { Listed = 1, SourceChanged = 1 },
            ReportAction.Restoring => new() { Listed = 1, Restoring = 1 },
            ReportAction.Skipped => new() { Listed = 1, Skipped = 1 },
            _ => new() { Listed = 1, Failed = 1 },
        };
    }
}
