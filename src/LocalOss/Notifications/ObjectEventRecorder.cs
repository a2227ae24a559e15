using LocalOss.Http;
using LocalOss.Storage;

namespace LocalOss.Notifications;

/// <summary>
/// Turns a successful write into OSS events for the <see cref="NotificationSender"/>. The handler asks it twice per
/// request: <see cref="BeforeAsync"/> notes the object's size before a write (for <c>deltaSize</c>), and
/// <see cref="AfterAsync"/> reads what the write left and queues the event. Nothing here can fail or slow an OSS
/// request beyond one metadata read on each side: every failure is logged and the request goes on.
/// </summary>
internal sealed partial class ObjectEventRecorder
{
    // Operation → event name (oss-protocol §10.1); other operations send nothing.
    private static readonly Dictionary<string, string> EventNames = new(StringComparer.Ordinal)
    {
        ["PutObject"] = "ObjectCreated:PutObject",
        ["PostObject"] = "ObjectCreated:PostObject",
        ["CopyObject"] = "ObjectCreated:CopyObject",
        ["AppendObject"] = "ObjectCreated:AppendObject",
        ["CompleteMultipartUpload"] = "ObjectCreated:CompleteMultipartUpload",
        ["PutSymlink"] = "ObjectCreated:PutSymlink",
        ["DeleteObject"] = "ObjectRemoved:DeleteObject",
        ["DeleteMultipleObjects"] = "ObjectRemoved:DeleteObjects",
        ["RestoreObject"] = "ObjectRestore:FinishRestore",
    };

    private readonly MetadataStore _store;
    private readonly NotificationSender _sender;
    private readonly LocalOssOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationToken _stopping;

    public ObjectEventRecorder(MetadataStore store, NotificationSender sender, LocalOssOptions options, TimeProvider time, ILogger logger, CancellationToken stopping)
    {
        _store = store;
        _sender = sender;
        _options = options;
        _time = time;
        _logger = logger;
        _stopping = stopping;
    }

    /// <summary>For a write that may notify: what its object was before (null size when it did not exist); null for other requests.</summary>
    public async Task<PendingEvent?> BeforeAsync(OssRequest request, CancellationToken cancellationToken)
    {
        if (request.Bucket is null || !EventNames.TryGetValue(request.Operation, out var eventName))
        {
            return null;
        }

        long? priorSize = null;
        if (request.Key is { } key && eventName.StartsWith("Object", StringComparison.Ordinal) && Names.IsValidBucketName(request.Bucket))
        {
            try
            {
                priorSize = await _store.ReadAsync(s => s.GetCurrent(request.Bucket, key) is { IsDeleteMarker: false } o ? o.Size : (long?)null, cancellationToken)
                    .ConfigureAwait(false);
            }
#pragma warning disable CA1031 // A notification must never fail the OSS request it describes.
            catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
            {
                LogFailed(_logger, ex, request.Operation, request.RequestId);
            }
        }

        return new PendingEvent(eventName, priorSize);
    }

    /// <summary>After the operation: queues its events when it succeeded (2xx).</summary>
    public async Task AfterAsync(PendingEvent pending, OssRequest request, int status)
    {
        ArgumentNullException.ThrowIfNull(pending);
        if (status is < 200 or >= 300 || request.Bucket is not { } bucketName)
        {
            return;
        }

        try
        {
            if (request.Operation == "RestoreObject")
            {
                // 202: a restore began; OSS announces it when the object is readable. 200 extended a restored object: no event.
                if (status == 202 && request.Key is { } restored)
                {
                    _ = FinishRestoreLaterAsync(request, bucketName, restored);
                }

                return;
            }

            IReadOnlyList<string> keys = request.EventKeys ?? (request.Key is { } key ? new[] { key } : Array.Empty<string>());
            var removed = pending.EventName.StartsWith("ObjectRemoved:", StringComparison.Ordinal);
            var (bucket, current) = await _store.ReadAsync(s => (
                    s.GetBucket(bucketName),
                    removed ? new List<ObjectRecord?>() : keys.Select(k => s.GetCurrent(bucketName, k)).ToList()), CancellationToken.None)
                .ConfigureAwait(false);
            if (bucket is null)
            {
                return;
            }

            for (var i = 0; i < keys.Count; i++)
            {
                // The prior size is known for single-key operations; PostObject and DeleteObjects name their keys in the body.
                var prior = request.EventKeys is null ? pending.PriorSize : null;
                ObjectEvent ossEvent;
                if (removed)
                {
                    ossEvent = Event(pending.EventName, bucket, request, keys[i], size: 0, etag: null, deltaSize: -(prior ?? 0));
                }
                else if (current[i] is { IsDeleteMarker: false } written)
                {
                    ossEvent = Event(pending.EventName, bucket, request, keys[i], written.Size, written.ETag, written.Size - (prior ?? 0));
                }
                else
                {
                    continue;
                }

                _sender.TryEnqueue(ossEvent);
            }
        }
#pragma warning disable CA1031 // A notification must never fail the OSS request it describes.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogFailed(_logger, ex, request.Operation, request.RequestId);
        }
    }

    private ObjectEvent Event(string eventName, BucketRecord bucket, OssRequest request, string key, long size, string? etag, long deltaSize) =>
        new(eventName, bucket.Region, bucket.Name, bucket.Owner, key, size, etag, deltaSize, request.RequestId,
            request.OwnerId.Length > 0 ? request.OwnerId : bucket.Owner, request.Http.Connection.RemoteIpAddress?.ToString() ?? "127.0.0.1", _time.GetUtcNow());

    /// <summary>ObjectRestore:FinishRestore once <see cref="LocalOssOptions.RestoreDelay"/> has passed (LocalOss restores on a timer).</summary>
    private async Task FinishRestoreLaterAsync(OssRequest request, string bucketName, string key)
    {
        // Captured now: the request's context is recycled once it has been answered.
        var requestId = request.RequestId;
        var principal = request.OwnerId;
        var sourceIp = request.Http.Connection.RemoteIpAddress?.ToString() ?? "127.0.0.1";
        try
        {
            await Task.Delay(_options.RestoreDelay, _time, _stopping).ConfigureAwait(false);
            var (bucket, record) = await _store.ReadAsync(s => (s.GetBucket(bucketName), s.GetCurrent(bucketName, key)), _stopping).ConfigureAwait(false);
            if (bucket is not null && record is { IsDeleteMarker: false })
            {
                _sender.TryEnqueue(new ObjectEvent("ObjectRestore:FinishRestore", bucket.Region, bucket.Name, bucket.Owner, key, record.Size, record.ETag, 0,
                    requestId, principal.Length > 0 ? principal : bucket.Owner, sourceIp, _time.GetUtcNow()));
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // A background notification has nobody to report to but the log.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogFailed(_logger, ex, "RestoreObject", requestId);
        }
    }

    [LoggerMessage(EventId = 43, Level = LogLevel.Warning, Message = "No notification for {Operation} (request {RequestId}): it could not be built")]
    private static partial void LogFailed(ILogger logger, Exception exception, string operation, string requestId);
}

/// <summary>What <see cref="ObjectEventRecorder.BeforeAsync"/> noted for a write: its event name and the object's size before it.</summary>
internal sealed record PendingEvent(string EventName, long? PriorSize);
