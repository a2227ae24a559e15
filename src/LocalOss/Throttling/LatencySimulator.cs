namespace LocalOss.Throttling;

/// <summary>
/// Holds each request for the configured fixed latency plus a uniform share of the jitter, before the answer. It
/// holds no lock of the store (it runs before the operation does), so slow requests still overlap as on OSS.
/// </summary>
internal sealed class LatencySimulator(LocalOssLatencyOptions options, TimeProvider time)
{
    public bool Enabled => options.Enabled;

    public Task DelayAsync(CancellationToken cancellationToken)
    {
        if (!options.Enabled)
        {
            return Task.CompletedTask;
        }

        // The jitter draw needs no repeatability (tests assert only the fixed part), so the shared generator serves.
#pragma warning disable CA5394 // Not security: a simulated network delay.
        var delay = options.Fixed + (options.Jitter * Random.Shared.NextDouble());
#pragma warning restore CA5394
        return Task.Delay(delay, time, cancellationToken);
    }
}
