using System.Security.Cryptography;
using System.Text;
using OssCopy.Functions.Copy;

namespace OssCopy.Functions.Events;

/// <summary>
/// Records each routed copy under an id made from the event and the route, and queues it: the delivery is
/// acknowledged at once, whatever the object's size, and a queue worker makes the pinned copy. The same event
/// delivered again makes the same ids, which exist already: nothing is copied twice.
/// </summary>
public sealed class QueueEventCopyDispatcher : IEventCopyDispatcher
{
    private readonly AsyncCopyRunner _runner;

    public QueueEventCopyDispatcher(AsyncCopyRunner runner) => _runner = runner ?? throw new ArgumentNullException(nameof(runner));

    public async Task<IReadOnlyList<EventCopyResult>> DispatchAsync(OssObjectEvent ossEvent, IReadOnlyList<RoutedCopy> copies, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ossEvent);
        ArgumentNullException.ThrowIfNull(copies);
        var results = new List<EventCopyResult>(copies.Count);
        foreach (var copy in copies)
        {
            var id = CopyId(ossEvent, copy.RouteIndex);
            var record = await _runner.AcceptAsync(id, CopyOrigin.Event, copy.Request, "OSS event " + ossEvent.EventName, cancellationToken);
            var disposition = record.IsFinal && record.Disposition is { } done && Enum.TryParse<EventCopyDisposition>(done, out var recorded)
                ? recorded
                : EventCopyDisposition.Queued;
            results.Add(new EventCopyResult(copy, disposition, null, id));
        }

        return results;
    }

    /// <summary>
    /// The copy's id: a hash of what makes the event the same event (OSS's request id, the object, its ETag, the
    /// event name) and the route. Hex, so it is a valid table key and URL segment.
    /// </summary>
    public static string CopyId(OssObjectEvent ossEvent, int routeIndex)
    {
        ArgumentNullException.ThrowIfNull(ossEvent);
        var identity = $"{ossEvent.RequestId}|{ossEvent.Bucket}|{ossEvent.Key}|{ossEvent.ETag}|{ossEvent.EventName}|{routeIndex}";
        return "e" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)))[..39];
    }
}
