using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using OssCopy.Core.Internal;
using OssCopy.Oss;
using OssCopy.Oss.Models;

namespace OssCopy.Core.Copying;

/// <summary>
/// Bucket regions from GetBucketLocation, asked once per bucket: a backup of a million objects between two buckets
/// costs two location requests, not two million.
/// </summary>
internal sealed class BucketRegionCache(IOssClient client, ILogger logger)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<string?>>> _regions = new(StringComparer.Ordinal);

    /// <summary>The bare region (<c>cn-hangzhou</c>), or null when the caller may not read it.</summary>
    public ValueTask<string?> GetRegionAsync(string bucket, CancellationToken cancellationToken)
    {
        // Every copy asks twice: once the answer is in, hand it back without a closure, a Lazy or an async frame.
        if (_regions.TryGetValue(bucket, out var known) && known.IsValueCreated && known.Value.IsCompletedSuccessfully)
        {
            return ValueTask.FromResult(known.Value.Result);
        }

        return new ValueTask<string?>(ReadCachedAsync(bucket, cancellationToken));
    }

    private async Task<string?> ReadCachedAsync(string bucket, CancellationToken cancellationToken)
    {
        var lazy = _regions.GetOrAdd(bucket, b => new Lazy<Task<string?>>(() => ReadAsync(b, cancellationToken)));
        try
        {
            return await lazy.Value;
        }
        catch
        {
            // A failure (cancellation, a network error) must not stick: the next copy asks again.
            _regions.TryRemove(new KeyValuePair<string, Lazy<Task<string?>>>(bucket, lazy));
            throw;
        }
    }

    private async Task<string?> ReadAsync(string bucket, CancellationToken cancellationToken)
    {
        try
        {
            GetBucketLocationResult result = await client.GetBucketLocationAsync(bucket, cancellationToken);
            return result.Region;
        }
        catch (OssException ex) when (ex.StatusCode == 403)
        {
            // Copy-only RAM policies often lack oss:GetBucketLocation; the copy itself may still be allowed, and OSS
            // refuses a cross-region copy on its own, so an unreadable region is not a reason to stop.
            CoreLog.RegionUnknown(logger, bucket, ex.ErrorCode);
            return null;
        }
    }
}
