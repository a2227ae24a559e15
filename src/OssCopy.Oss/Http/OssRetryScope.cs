namespace OssCopy.Oss.Http;

/// <summary>
/// Retry choices of the client for one async flow, ambient as <see cref="OssRequestCounter"/> is (and as Azure.Core's
/// <c>HttpPipeline.CreateHttpMessagePropertiesScope</c>): the engine sets them around a copy without a parameter on every
/// call of <see cref="IOssClient"/>.
/// </summary>
public static class OssRetryScope
{
    private static readonly AsyncLocal<bool> CopyObjectThrottlingReturned = new();

    /// <summary>
    /// Until disposed, a CopyObject of the calling flow that OSS throttles (503, 429) is not retried by the client: the
    /// answer comes back at once as an <see cref="OssException"/>. For a caller that paces its copies and retries a
    /// throttled one itself (the backup engine): the client's backoff would be spent holding the caller's concurrency
    /// slot, which another copy can use meanwhile. A throttled CopyObject wrote nothing, so the caller's retry is safe.
    /// Every other request of the flow (HEADs, listings, multipart parts) and every other error is retried as always.
    /// Dispose it in the method that made it: an async method's own changes end with it anyway.
    /// </summary>
    public static IDisposable ReturnThrottledCopyObject()
    {
        var previous = CopyObjectThrottlingReturned.Value;
        CopyObjectThrottlingReturned.Value = true;
        return previous ? RestoreReturned : RestoreRetried;
    }

    /// <summary>Whether a CopyObject made now retries a throttling answer.</summary>
    internal static bool RetriesThrottledCopyObject => !CopyObjectThrottlingReturned.Value;

    // The choice before a scope is one of two, so the scope that puts it back is too: nothing allocated per copy.
    private static readonly Restore RestoreReturned = new(true);
    private static readonly Restore RestoreRetried = new(false);

    private sealed class Restore(bool previous) : IDisposable
    {
        public void Dispose() => CopyObjectThrottlingReturned.Value = previous;
    }
}
