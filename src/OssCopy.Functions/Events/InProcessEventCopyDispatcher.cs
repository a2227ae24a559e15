using Microsoft.Extensions.Logging;
using OssCopy.Core.Copying;
using OssCopy.Functions.Internal;

namespace OssCopy.Functions.Events;

/// <summary>Copies each routed object now, in this invocation, through the engine.</summary>
public sealed class InProcessEventCopyDispatcher : IEventCopyDispatcher
{
    private readonly CopyOrchestrator _orchestrator;
    private readonly ILogger<InProcessEventCopyDispatcher> _logger;

    public InProcessEventCopyDispatcher(CopyOrchestrator orchestrator, ILogger<InProcessEventCopyDispatcher> logger)
    {
        _orchestrator = orchestrator ?? throw new ArgumentNullException(nameof(orchestrator));
        _logger = logger;
    }

    public async Task<IReadOnlyList<EventCopyResult>> DispatchAsync(OssObjectEvent ossEvent, IReadOnlyList<RoutedCopy> copies, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(copies);
        var results = new List<EventCopyResult>(copies.Count);
        foreach (var copy in copies)
        {
            var outcome = await _orchestrator.CopyAsync(copy.Request, cancellationToken);
            var disposition = Classify(outcome);
            var source = $"oss://{copy.Request.SourceBucket}/{copy.Request.SourceKey}";
            if (disposition is EventCopyDisposition.Refused or EventCopyDisposition.Retry)
            {
                FunctionsLog.EventCopyFailed(_logger, source, copy.Request.Bucket, copy.Request.Key, outcome.Status, outcome.Error?.Code,
                    outcome.Error?.StatusCode ?? 0, disposition == EventCopyDisposition.Retry);
            }
            else
            {
                FunctionsLog.EventCopied(_logger, source, copy.Request.Bucket, copy.Request.Key, disposition);
            }

            results.Add(new EventCopyResult(copy, disposition, outcome));
        }

        return results;
    }

    public static EventCopyDisposition Classify(CopyOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        return outcome.Status switch
        {
            CopyStatus.Copied => EventCopyDisposition.Copied,
            CopyStatus.SourceChanged => EventCopyDisposition.Superseded,
            CopyStatus.Restoring => EventCopyDisposition.Restoring,
            CopyStatus.Skipped => EventCopyDisposition.Skipped,
            // Deleted since the event: the deletion is the newer news.
            CopyStatus.Failed when outcome.Error is { StatusCode: 404, Code: "NoSuchKey" } => EventCopyDisposition.Superseded,
            CopyStatus.Failed when outcome.Error is { StatusCode: >= 400 and < 500 and not 408 and not 429 } => EventCopyDisposition.Refused,
            CopyStatus.Failed when outcome.Error is { StatusCode: 0, Code: CopyErrorCodes.CrossRegionCopy or CopyErrorCodes.InvalidSource or CopyErrorCodes.InvalidTagging }
                => EventCopyDisposition.Refused,
            _ => EventCopyDisposition.Retry,
        };
    }
}
