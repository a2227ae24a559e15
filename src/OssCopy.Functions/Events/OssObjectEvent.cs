namespace OssCopy.Functions.Events;

/// <summary>One OSS object event as OSS emits it (<c>events[i]</c>: eventName, region, oss.bucket.name, oss.object.key/eTag/size).</summary>
public sealed record OssObjectEvent(
    string EventName,
    string? Region,
    string Bucket,
    string Key,
    string? ETag,
    long? Size,
    string? RequestId,
    DateTimeOffset? EventTime)
{
    public bool IsObjectCreated => EventName.StartsWith("ObjectCreated:", StringComparison.Ordinal);

    /// <summary>OSS finished restoring an archived object: it can be copied now.</summary>
    public bool IsRestoreFinished => EventName == "ObjectRestore:FinishRestore";

    /// <summary>
    /// What makes a delivery the same event again (MNS and EventBridge redeliver): the triggering request, the object
    /// and its ETag; the delivery's own id stands in when OSS gave no request id.
    /// </summary>
    public string DeduplicationKey(string deliveryId) =>
        $"{RequestId ?? "delivery:" + deliveryId}|{Bucket}|{Key}|{ETag}|{EventName}";
}

/// <summary>A delivery: which transport brought it, its id, and the OSS events in it.</summary>
public sealed record EventDelivery(EventTransport Transport, string DeliveryId, string? CloudEventType, IReadOnlyList<OssObjectEvent> Events);

public enum EventTransport
{
    EventBridge,
    Mns,
}

/// <summary>A delivery that is not what it claims to be; <see cref="Path"/> names the bad part (<c>/data/oss/object/key</c>).</summary>
public sealed class EventFormatException : Exception
{
    public EventFormatException(string path, string message)
        : base(message)
    {
        Path = path;
    }

    public EventFormatException()
        : this("/", "The event is malformed.")
    {
    }

    public EventFormatException(string message)
        : this("/", message)
    {
    }

    public EventFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
        Path = "/";
    }

    public string Path { get; } = "/";
}
