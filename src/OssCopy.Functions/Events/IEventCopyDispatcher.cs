using OssCopy.Core.Copying;

namespace OssCopy.Functions.Events;

/// <summary>
/// Carries out the copies an event asks for. The app queues them (<see cref="QueueEventCopyDispatcher"/>: answer
/// <see cref="EventCopyDisposition.Queued"/>), so a delivery is acknowledged within MNS's 5 seconds whatever the object's size.
/// </summary>
public interface IEventCopyDispatcher
{
    Task<IReadOnlyList<EventCopyResult>> DispatchAsync(OssObjectEvent ossEvent, IReadOnlyList<RoutedCopy> copies, CancellationToken cancellationToken);
}

public enum EventCopyDisposition
{
    /// <summary>Copied (and verified).</summary>
    Copied,

    /// <summary>Handed to a queue; its outcome is recorded later.</summary>
    Queued,

    /// <summary>The object was overwritten or deleted after the event: a newer event covers it. Acknowledged.</summary>
    Superseded,

    /// <summary>OSS refused for good (403, 409…): a redelivery would fail the same way. Acknowledged and logged.</summary>
    Refused,

    /// <summary>The source is archived and being restored (route <c>Archived = Restore</c>): its FinishRestore event copies it. Acknowledged.</summary>
    Restoring,

    /// <summary>The source is archived and the route skips such objects (<c>Archived = Skip</c>). Acknowledged.</summary>
    Skipped,

    /// <summary>Failed for now (5xx, network, verification): the delivery is answered with an error so it is redelivered.</summary>
    Retry,
}

/// <summary>A routed copy's result; <see cref="CopyId"/> names a queued copy (<c>GET /api/copy/{id}</c>).</summary>
public sealed record EventCopyResult(RoutedCopy Copy, EventCopyDisposition Disposition, CopyOutcome? Outcome, string? CopyId = null);
