namespace OssCopy.Functions.Events;

/// <summary>
/// Remembers which events were handled, so a redelivered event (MNS and EventBridge deliver at least once) is
/// acknowledged without a second copy. In memory now; a Table-backed one (insert-if-absent) serves a scaled-out app.
/// </summary>
public interface IEventDeduplicator
{
    /// <summary>True when <paramref name="eventKey"/> is new and now taken by this delivery; false when handled or in hand already.</summary>
    Task<bool> TryBeginAsync(string eventKey, CancellationToken cancellationToken);

    /// <summary>The event is handled: later deliveries of it are duplicates.</summary>
    Task CompleteAsync(string eventKey, CancellationToken cancellationToken);

    /// <summary>The event was not handled (a copy to retry): a redelivery runs again.</summary>
    Task ReleaseAsync(string eventKey, CancellationToken cancellationToken);
}
