using System.Threading.Channels;

namespace LocalOss.Notifications;

/// <summary>
/// Delivers events in the background: a bounded queue the OSS request only writes to (a full queue drops the
/// event and logs it; the request never waits), one sender that POSTs each event in its envelope and retries
/// failures for now (network, timeouts, 408, 429, 5xx) with doubling delays. A refusal (other 4xx) is logged at once.
/// </summary>
internal sealed partial class NotificationSender : IAsyncDisposable
{
    private readonly LocalOssNotifyOptions _options;
    private readonly INotificationFormatter _formatter;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly HttpClient _http;
    private readonly Channel<ObjectEvent> _queue;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private long _delivered;
    private long _dropped;
    private int _disposed;

    public NotificationSender(LocalOssNotifyOptions options, INotificationFormatter formatter, TimeProvider time, ILogger logger, HttpMessageHandler? handler = null)
    {
        _options = options;
        _formatter = formatter;
        _time = time;
        _logger = logger;
        _http = handler is null
            ? new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(1) })
            : new HttpClient(handler, disposeHandler: false);
        _http.Timeout = options.Timeout;
        // Wait mode makes TryWrite answer false when full, so a drop is seen and logged (DropWrite drops silently).
        _queue = Channel.CreateBounded<ObjectEvent>(new BoundedChannelOptions(options.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
        _loop = Task.Run(() => RunAsync(_stopping.Token));
    }

    /// <summary>Events the endpoint accepted (2xx).</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Events given up on: queue full, refused, or still failing after every try.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Queues <paramref name="ossEvent"/>; false (and logged) when the queue is full or closed.</summary>
    public bool TryEnqueue(ObjectEvent ossEvent)
    {
        if (_queue.Writer.TryWrite(ossEvent))
        {
            return true;
        }

        Interlocked.Increment(ref _dropped);
        LogDropped(_logger, ossEvent.EventName, ossEvent.Bucket, ossEvent.Key, "the notification queue is full");
        return false;
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        try
        {
            await foreach (var ossEvent in _queue.Reader.ReadAllAsync(stopping).ConfigureAwait(false))
            {
                await DeliverAsync(ossEvent, stopping).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopped with events still queued: they are dropped with the server.
        }
    }

    private async Task DeliverAsync(ObjectEvent ossEvent, CancellationToken stopping)
    {
        // One id for every try: receivers deduplicate redeliveries by it.
        var deliveryId = Guid.NewGuid().ToString();
        string reason = "not tried";
        for (var attempt = 1; attempt <= _options.MaxAttempts; attempt++)
        {
            if (attempt > 1)
            {
                var delay = _options.RetryDelay * Math.Pow(2, attempt - 2);
                await Task.Delay(delay, _time, stopping).ConfigureAwait(false);
            }

            bool again;
            try
            {
                using var request = _formatter.Create(ossEvent, deliveryId, _time.GetUtcNow());
                using var response = await _http.SendAsync(request, stopping).ConfigureAwait(false);
                var status = (int)response.StatusCode;
                if (status is >= 200 and < 300)
                {
                    Interlocked.Increment(ref _delivered);
                    LogDelivered(_logger, ossEvent.EventName, ossEvent.Bucket, ossEvent.Key, status, attempt);
                    return;
                }

                reason = $"the endpoint answered {status}";
                again = status is 408 or 429 or >= 500;
            }
            catch (HttpRequestException ex)
            {
                reason = "the endpoint could not be reached: " + ex.Message;
                again = true;
            }
            catch (TaskCanceledException) when (!stopping.IsCancellationRequested)
            {
                reason = $"no answer within {_options.Timeout.TotalSeconds} s";
                again = true;
            }

            if (!again)
            {
                break;
            }

            if (attempt < _options.MaxAttempts)
            {
                LogRetrying(_logger, ossEvent.EventName, ossEvent.Bucket, ossEvent.Key, attempt, reason);
            }
        }

        Interlocked.Increment(ref _dropped);
        LogDropped(_logger, ossEvent.EventName, ossEvent.Bucket, ossEvent.Key, reason);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Give what is queued a moment to go out, then stop whatever is left.
        _queue.Writer.TryComplete();
        try
        {
            await _loop.WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
        _http.Dispose();
    }

    [LoggerMessage(EventId = 40, Level = LogLevel.Debug, Message = "Notified {EventName} for {Bucket}/{Key}: {Status} (try {Attempt})")]
    private static partial void LogDelivered(ILogger logger, string eventName, string bucket, string key, int status, int attempt);

    [LoggerMessage(EventId = 41, Level = LogLevel.Information, Message = "Notification {EventName} for {Bucket}/{Key} failed (try {Attempt}), retrying: {Reason}")]
    private static partial void LogRetrying(ILogger logger, string eventName, string bucket, string key, int attempt, string reason);

    [LoggerMessage(EventId = 42, Level = LogLevel.Warning, Message = "Notification {EventName} for {Bucket}/{Key} dropped: {Reason}")]
    private static partial void LogDropped(ILogger logger, string eventName, string bucket, string key, string reason);
}
