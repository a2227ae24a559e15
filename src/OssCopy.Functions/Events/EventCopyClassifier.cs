using OssCopy.Core.Copying;

namespace OssCopy.Functions.Events;

/// <summary>What an event copy's outcome means for the event: done, superseded by newer news, refused for good, or to retry.</summary>
public static class EventCopyClassifier
{
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
