using System.Collections.Concurrent;
using System.Globalization;
using Moq;
using OssCopy.Core.Backup;
using OssCopy.Core.Copying;
using OssCopy.Oss;
using OssCopy.Oss.Models;

namespace OssCopy.Core.Tests.Support;

/// <summary>One stored object of <see cref="InMemoryOss"/>.</summary>
public sealed record StoredObject(long Size, string ETag, ulong Crc, IReadOnlyDictionary<string, string> Metadata, OssTagging Tags, string? StorageClass = "Standard");

/// <summary>
/// A Moq <see cref="IOssClient"/> whose callbacks keep buckets in memory: listings sorted in UTF-8 order and paged
/// like OSS, HEAD, CopyObject honouring the ETag pin and directives, tagging and multipart copy. It counts every
/// call (<see cref="Calls"/>) and lets a test inject faults per operation.
/// </summary>
public sealed class InMemoryOss
{
    private readonly ConcurrentDictionary<string, SortedDictionary<string, StoredObject>> _buckets = new();
    private readonly ConcurrentDictionary<string, List<(int Part, long Size)>> _uploads = new();
    private int _uploadIds;

    /// <summary>The backup tests' buckets, with <c>data/000.txt</c> … in the source, sized 100 bytes and up.</summary>
    public static InMemoryOss WithSourceObjects(int count)
    {
        var oss = new InMemoryOss("src-bucket", "dst-bucket");
        for (var i = 0; i < count; i++)
        {
            oss.Put("src-bucket", $"data/{i:D3}.txt", size: 100 + i);
        }

        return oss;
    }

    public InMemoryOss(params string[] buckets)
    {
        foreach (var bucket in buckets)
        {
            _buckets[bucket] = new SortedDictionary<string, StoredObject>(Utf8Ordinal.Instance);
        }

        Mock = new Mock<IOssClient>(MockBehavior.Strict);
        Mock.Setup(c => c.GetBucketLocationAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Returns<string, CancellationToken>((b, _) => Run("GetBucketLocation", () => new GetBucketLocationResult { Location = "oss-cn-hangzhou", RequestId = "loc" }));
        Mock.Setup(c => c.ListObjectsV2Async(It.IsAny<ListObjectsV2Request>(), It.IsAny<CancellationToken>()))
            .Returns<ListObjectsV2Request, CancellationToken>((r, _) => Run("ListObjectsV2", () => List(r)));
        Mock.Setup(c => c.HeadObjectAsync(It.IsAny<HeadObjectRequest>(), It.IsAny<CancellationToken>()))
            .Returns<HeadObjectRequest, CancellationToken>((r, _) => Run("HeadObject", () => Head(r.Bucket, r.Key)));
        Mock.Setup(c => c.GetObjectTaggingAsync(It.IsAny<GetObjectTaggingRequest>(), It.IsAny<CancellationToken>()))
            .Returns<GetObjectTaggingRequest, CancellationToken>((r, _) => Run("GetObjectTagging", () => new GetObjectTaggingResult { Tags = Get(r.Bucket, r.Key).Tags, RequestId = "tag" }));
        Mock.Setup(c => c.CopyObjectAsync(It.IsAny<CopyObjectRequest>(), It.IsAny<CancellationToken>()))
            .Returns<CopyObjectRequest, CancellationToken>((r, ct) => RunAsync("CopyObject", () => Copy(r), ct));
        Mock.Setup(c => c.InitiateMultipartUploadAsync(It.IsAny<InitiateMultipartUploadRequest>(), It.IsAny<CancellationToken>()))
            .Returns<InitiateMultipartUploadRequest, CancellationToken>((r, _) => Run("InitiateMultipartUpload", () => Initiate(r)));
        Mock.Setup(c => c.UploadPartCopyAsync(It.IsAny<UploadPartCopyRequest>(), It.IsAny<CancellationToken>()))
            .Returns<UploadPartCopyRequest, CancellationToken>((r, _) => Run("UploadPartCopy", () => PartCopy(r)));
        Mock.Setup(c => c.CompleteMultipartUploadAsync(It.IsAny<CompleteMultipartUploadRequest>(), It.IsAny<CancellationToken>()))
            .Returns<CompleteMultipartUploadRequest, CancellationToken>((r, _) => Run("CompleteMultipartUpload", () => Complete(r)));
        Mock.Setup(c => c.AbortMultipartUploadAsync(It.IsAny<AbortMultipartUploadRequest>(), It.IsAny<CancellationToken>()))
            .Returns<AbortMultipartUploadRequest, CancellationToken>((r, _) => Run("AbortMultipartUpload", () => { _uploads.TryRemove(r.UploadId, out var _); return new OssEmptyResult { StatusCode = 204 }; }));
    }

    public Mock<IOssClient> Mock { get; }

    public IOssClient Client => Mock.Object;

    public ConcurrentDictionary<string, int> Calls { get; } = new();

    /// <summary>Return an exception to fail a call: (operation, bucket/key or request) → error or null.</summary>
    public Func<string, object, Exception?>? Fault { get; set; }

    /// <summary>Delay per CopyObject, for cancellation and concurrency tests.</summary>
    public TimeSpan CopyDelay { get; set; }

    /// <summary>Copies (CopyObject) of each destination key, to prove nothing is copied twice.</summary>
    public ConcurrentDictionary<string, int> CopiesPerKey { get; } = new();

    private int _inFlight;

    public int MaxCopiesInFlight { get; private set; }

    public int Count(string operation) => Calls.TryGetValue(operation, out var n) ? n : 0;

    public void Put(string bucket, string key, long size = 100, string? etag = null, string tags = "", IReadOnlyDictionary<string, string>? metadata = null)
    {
        var crc = (ulong)(size * 7919) ^ (ulong)key.Length;
        lock (_buckets[bucket])
        {
            _buckets[bucket][key] = new StoredObject(size, etag ?? $"\"{key.GetHashCode(StringComparison.Ordinal):X8}{size:X}\"", crc,
                metadata ?? new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase), OssTagging.Parse(tags));
        }
    }

    /// <summary>Gives a stored object another storage class (listings and HEAD show it; nothing else changes).</summary>
    public void SetStorageClass(string bucket, string key, string storageClass)
    {
        lock (_buckets[bucket])
        {
            _buckets[bucket][key] = _buckets[bucket][key] with { StorageClass = storageClass };
        }
    }

    public void Remove(string bucket, string key)
    {
        lock (_buckets[bucket])
        {
            _buckets[bucket].Remove(key);
        }
    }

    public StoredObject? Find(string bucket, string key)
    {
        lock (_buckets[bucket])
        {
            return _buckets[bucket].TryGetValue(key, out var o) ? o : null;
        }
    }

    public IReadOnlyList<string> Keys(string bucket)
    {
        lock (_buckets[bucket])
        {
            return _buckets[bucket].Keys.ToList();
        }
    }

    private Task<T> Run<T>(string operation, Func<T> action)
    {
        Calls.AddOrUpdate(operation, 1, (_, n) => n + 1);
        try
        {
            return Task.FromResult(action());
        }
        catch (OssException ex)
        {
            return Task.FromException<T>(ex);
        }
    }

    private async Task<T> RunAsync<T>(string operation, Func<T> action, CancellationToken cancellationToken)
    {
        Calls.AddOrUpdate(operation, 1, (_, n) => n + 1);
        var now = Interlocked.Increment(ref _inFlight);
        lock (Calls)
        {
            MaxCopiesInFlight = Math.Max(MaxCopiesInFlight, now);
        }

        try
        {
            if (CopyDelay > TimeSpan.Zero)
            {
                await Task.Delay(CopyDelay, cancellationToken);
            }
            else
            {
                await Task.Yield();
            }

            return action();
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private void MaybeFail(string operation, object subject)
    {
        if (Fault?.Invoke(operation, subject) is { } error)
        {
            throw error;
        }
    }

    private static OssException NoSuchKey(string key) => new(404, OssErrorCodes.NoSuchKey, "The specified key does not exist.", "nsk-" + key, ec: "0026-00000001");

    private StoredObject Get(string bucket, string key) => Find(bucket, key) ?? throw NoSuchKey(key);

    private ListObjectsV2Result List(ListObjectsV2Request request)
    {
        MaybeFail("ListObjectsV2", request);
        var after = request.ContinuationToken ?? request.StartAfter;
        List<OssObjectSummary> page;
        bool truncated;
        lock (_buckets[request.Bucket])
        {
            var matching = _buckets[request.Bucket]
                .Where(p => (request.Prefix is null || p.Key.StartsWith(request.Prefix, StringComparison.Ordinal))
                            && (after is null || Utf8Ordinal.Instance.Compare(p.Key, after) > 0))
                .Take(request.MaxKeys + 1)
                .Select(p => new OssObjectSummary(p.Key, p.Value.Size, p.Value.ETag, null, p.Value.StorageClass, "Normal"))
                .ToList();
            truncated = matching.Count > request.MaxKeys;
            page = matching.Take(request.MaxKeys).ToList();
        }

        return new ListObjectsV2Result
        {
            StatusCode = 200, RequestId = "list", Name = request.Bucket, Contents = page, KeyCount = page.Count, IsTruncated = truncated,
            NextContinuationToken = truncated ? page[^1].Key : null, MaxKeys = request.MaxKeys,
        };
    }

    private HeadObjectResult Head(string bucket, string key)
    {
        MaybeFail("HeadObject", bucket + "/" + key);
        var o = Get(bucket, key);
        return new HeadObjectResult
        {
            StatusCode = 200, RequestId = "head",
            Properties = new OssObjectProperties
            {
                ContentLength = o.Size, ETag = o.ETag, HashCrc64 = o.Crc, TaggingCount = o.Tags.Count, Metadata = o.Metadata, StorageClass = o.StorageClass,
            },
        };
    }

    private CopyObjectResult Copy(CopyObjectRequest r)
    {
        MaybeFail("CopyObject", r);
        var source = Get(r.SourceBucket ?? r.Bucket, r.SourceKey);
        if (r.CopySourceIfMatch is { } pin && !ETags.Equal(pin, source.ETag))
        {
            throw new OssException(412, OssErrorCodes.PreconditionFailed, "At least one of the pre-conditions you specified did not hold.", "412");
        }

        if (r.ForbidOverwrite == true && Find(r.Bucket, r.Key) is not null)
        {
            throw new OssException(409, OssErrorCodes.FileAlreadyExists, "The object you specified already exists and can not be overwritten.", "409");
        }

        var tags = string.Equals(r.TaggingDirective, "Replace", StringComparison.OrdinalIgnoreCase) ? OssTagging.Parse(r.Tagging) : source.Tags;
        var metadata = string.Equals(r.MetadataDirective, "Replace", StringComparison.OrdinalIgnoreCase)
            ? new Dictionary<string, string>(r.Metadata ?? new Dictionary<string, string>(), StringComparer.OrdinalIgnoreCase)
            : source.Metadata;
        var copy = source with { Tags = tags, Metadata = metadata, StorageClass = r.StorageClass ?? source.StorageClass };
        lock (_buckets[r.Bucket])
        {
            _buckets[r.Bucket][r.Key] = copy;
        }

        CopiesPerKey.AddOrUpdate(r.Key, 1, (_, n) => n + 1);
        return new CopyObjectResult { StatusCode = 200, RequestId = "copy-" + r.Key, ETag = copy.ETag, HashCrc64 = copy.Crc };
    }

    private InitiateMultipartUploadResult Initiate(InitiateMultipartUploadRequest r)
    {
        MaybeFail("InitiateMultipartUpload", r);
        var id = "upload-" + Interlocked.Increment(ref _uploadIds).ToString(CultureInfo.InvariantCulture);
        _uploads[id] = [];
        _pendingInit[id] = r;
        return new InitiateMultipartUploadResult { Bucket = r.Bucket, Key = r.Key, UploadId = id };
    }

    private readonly ConcurrentDictionary<string, InitiateMultipartUploadRequest> _pendingInit = new();
    private readonly ConcurrentDictionary<string, StoredObject> _pendingSource = new();

    private UploadPartCopyResult PartCopy(UploadPartCopyRequest r)
    {
        MaybeFail("UploadPartCopy", r);
        var source = Get(r.SourceBucket ?? r.Bucket, r.SourceKey);
        if (r.CopySourceIfMatch is { } pin && !ETags.Equal(pin, source.ETag))
        {
            throw new OssException(412, OssErrorCodes.PreconditionFailed, "At least one of the pre-conditions you specified did not hold.", "412");
        }

        _pendingSource[r.UploadId] = source;
        lock (_uploads[r.UploadId])
        {
            _uploads[r.UploadId].Add((r.PartNumber, r.SourceRange!.Value.Length!.Value));
        }

        return new UploadPartCopyResult { ETag = $"\"part{r.PartNumber}\"", RequestId = "part" };
    }

    private CompleteMultipartUploadResult Complete(CompleteMultipartUploadRequest r)
    {
        MaybeFail("CompleteMultipartUpload", r);
        var init = _pendingInit[r.UploadId];
        var source = _pendingSource[r.UploadId];
        var size = _uploads[r.UploadId].Sum(p => p.Size);
        var stored = new StoredObject(size, $"\"MULTI-{r.Parts!.Count}\"", source.Crc,
            new Dictionary<string, string>(init.Metadata ?? new Dictionary<string, string>(), StringComparer.OrdinalIgnoreCase), OssTagging.Parse(init.Tagging));
        lock (_buckets[r.Bucket])
        {
            _buckets[r.Bucket][r.Key] = stored;
        }

        CopiesPerKey.AddOrUpdate(r.Key, 1, (_, n) => n + 1);
        return new CompleteMultipartUploadResult { StatusCode = 200, RequestId = "complete", ETag = stored.ETag, HashCrc64 = stored.Crc };
    }
}
