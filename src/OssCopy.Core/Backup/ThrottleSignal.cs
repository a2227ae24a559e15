using System.Net;

namespace OssCopy.Core.Backup;

/// <summary>
/// Carries "OSS is throttling" from the HTTP pipeline to the running backups. The client retries a 503 SlowDown
/// or a 429 on its own, so without this the engine would only hear of throttling that outlasted every retry;
/// with it, each throttled attempt lowers the concurrency at once.
/// </summary>
public sealed class ThrottleSignal
{
    public event Action? Throttled;

    /// <summary>Throttled attempts seen.</summary>
    public long Count => Interlocked.Read(ref _count);

    private long _count;

    public void Raise()
    {
        Interlocked.Increment(ref _count);
        Throttled?.Invoke();
    }
}

/// <summary>
/// Raises the <see cref="ThrottleSignal"/> for every 503 or 429 answer. Place it under the client's retry handler
/// (as the primary handler's wrapper, or the last added handler) so it sees every attempt, retried or not.
/// </summary>
public sealed class ThrottleSignalHandler : DelegatingHandler
{
    private readonly ThrottleSignal _signal;

    public ThrottleSignalHandler(ThrottleSignal signal)
    {
        _signal = signal ?? throw new ArgumentNullException(nameof(signal));
    }

    public ThrottleSignalHandler(ThrottleSignal signal, HttpMessageHandler innerHandler)
        : base(innerHandler)
    {
        _signal = signal ?? throw new ArgumentNullException(nameof(signal));
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests)
        {
            _signal.Raise();
        }

        return response;
    }
}
