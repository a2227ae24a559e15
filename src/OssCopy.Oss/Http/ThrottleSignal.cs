using System.Diagnostics;
using System.Net;

namespace OssCopy.Oss.Http;

/// <summary>
/// Carries "OSS is throttling" from the HTTP pipeline to whoever paces the requests (the engine's adaptive
/// concurrency). The client retries a 503 SlowDown or a 429 on its own, so without this the engine would only hear
/// of throttling that outlasted every retry; with it, each throttled attempt lowers the concurrency at once.
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
/// Sees every HTTP attempt of the OSS client: records it on <see cref="OssClientMetrics.Attempts"/> (by operation and
/// status), and for every 503 or 429 answer records <see cref="OssClientMetrics.Throttled"/> and raises the
/// <see cref="ThrottleSignal"/>. Place it under the client's retry handler (the last added handler, as
/// <c>AddThrottleSignal</c> does) so it sees every attempt, retried or not.
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
        var operation = request.Options.TryGetValue(OssRequestState.OptionsKey, out var state) ? state.Operation : "Unknown";
        if (OssClientMetrics.AttemptCounter.Enabled)
        {
            OssClientMetrics.AttemptCounter.Add(1, new TagList
            {
                { OssClientMetrics.OperationTag, operation }, { OssClientMetrics.StatusCodeTag, (int)response.StatusCode },
            });
        }

        if (response.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests)
        {
            OssClientMetrics.ThrottledCounter.Add(1, new TagList { { OssClientMetrics.OperationTag, operation } });
            _signal.Raise();
        }

        return response;
    }
}
