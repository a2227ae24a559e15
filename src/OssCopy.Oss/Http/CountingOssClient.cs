using System.Diagnostics;
using OssCopy.Oss.Models;

namespace OssCopy.Oss.Http;

/// <summary>
/// Counts the calls made through it, by operation (a call is one request as the engine sees it; the client's own
/// retries are not counted): on the <see cref="OssClientMetrics.Requests"/> instrument, in its own totals, and in the
/// <see cref="OssRequestCounter"/> attached to the calling flow, so a run's report can show that an unchanged re-run
/// only lists. <c>AddOssRequestCounting</c> puts it around the registered <see cref="IOssClient"/>.
/// </summary>
public sealed class CountingOssClient(IOssClient inner) : IOssClient
{
    private readonly IOssClient _inner = inner ?? throw new ArgumentNullException(nameof(inner));
    private readonly OssRequestCounter _all = new();

    /// <summary>The client counted.</summary>
    public IOssClient Inner => _inner;

    /// <summary>Every call made through this client, by operation.</summary>
    public IReadOnlyDictionary<string, long> Snapshot() => _all.Snapshot();

    public long Total => _all.Total;

    public long Count(string operation) => _all.Count(operation);

    private void Add(string operation)
    {
        _all.Add(operation);
        OssRequestCounter.Current?.Add(operation);
        if (OssClientMetrics.RequestCounter.Enabled)
        {
            OssClientMetrics.RequestCounter.Add(1, new TagList { { OssClientMetrics.OperationTag, operation } });
        }
    }

    public Task<CopyObjectResult> CopyObjectAsync(CopyObjectRequest request, CancellationToken cancellationToken = default)
    {
        Add("CopyObject");
        return _inner.CopyObjectAsync(request, cancellationToken);
    }

    public Task<RestoreObjectResult> RestoreObjectAsync(RestoreObjectRequest request, CancellationToken cancellationToken = default)
    {
        Add("RestoreObject");
        return _inner.RestoreObjectAsync(request, cancellationToken);
    }

    public Task<PutObjectResult> PutObjectAsync(PutObjectRequest request, CancellationToken cancellationToken = default)
    {
        Add("PutObject");
        return _inner.PutObjectAsync(request, cancellationToken);
    }

    public Task<GetObjectResult> GetObjectAsync(GetObjectRequest request, CancellationToken cancellationToken = default)
    {
        Add("GetObject");
        return _inner.GetObjectAsync(request, cancellationToken);
    }

    public Task<HeadObjectResult> HeadObjectAsync(HeadObjectRequest request, CancellationToken cancellationToken = default)
    {
        Add("HeadObject");
        return _inner.HeadObjectAsync(request, cancellationToken);
    }

    public Task<DeleteObjectResult> DeleteObjectAsync(DeleteObjectRequest request, CancellationToken cancellationToken = default)
    {
        Add("DeleteObject");
        return _inner.DeleteObjectAsync(request, cancellationToken);
    }

    public Task<ListObjectsV2Result> ListObjectsV2Async(ListObjectsV2Request request, CancellationToken cancellationToken = default)
    {
        Add("ListObjectsV2");
        return _inner.ListObjectsV2Async(request, cancellationToken);
    }

    /// <summary>Pages through <see cref="ListObjectsV2Async"/> so each page is counted.</summary>
    public IAsyncEnumerable<ListObjectsV2Result> ListObjectsV2PagesAsync(ListObjectsV2Request request, CancellationToken cancellationToken = default) =>
        ListObjectsV2Paging.PagesAsync(ListObjectsV2Async, request, cancellationToken);

    public Task<GetObjectTaggingResult> GetObjectTaggingAsync(GetObjectTaggingRequest request, CancellationToken cancellationToken = default)
    {
        Add("GetObjectTagging");
        return _inner.GetObjectTaggingAsync(request, cancellationToken);
    }

    public Task<PutObjectTaggingResult> PutObjectTaggingAsync(PutObjectTaggingRequest request, CancellationToken cancellationToken = default)
    {
        Add("PutObjectTagging");
        return _inner.PutObjectTaggingAsync(request, cancellationToken);
    }

    public Task<OssEmptyResult> PutBucketAsync(PutBucketRequest request, CancellationToken cancellationToken = default)
    {
        Add("PutBucket");
        return _inner.PutBucketAsync(request, cancellationToken);
    }

    public Task<GetBucketInfoResult> GetBucketInfoAsync(string bucket, CancellationToken cancellationToken = default)
    {
        Add("GetBucketInfo");
        return _inner.GetBucketInfoAsync(bucket, cancellationToken);
    }

    public Task<GetBucketLocationResult> GetBucketLocationAsync(string bucket, CancellationToken cancellationToken = default)
    {
        Add("GetBucketLocation");
        return _inner.GetBucketLocationAsync(bucket, cancellationToken);
    }

    public Task<OssEmptyResult> PutBucketVersioningAsync(string bucket, string status, CancellationToken cancellationToken = default)
    {
        Add("PutBucketVersioning");
        return _inner.PutBucketVersioningAsync(bucket, status, cancellationToken);
    }

    public Task<GetBucketVersioningResult> GetBucketVersioningAsync(string bucket, CancellationToken cancellationToken = default)
    {
        Add("GetBucketVersioning");
        return _inner.GetBucketVersioningAsync(bucket, cancellationToken);
    }

    public Task<InitiateMultipartUploadResult> InitiateMultipartUploadAsync(InitiateMultipartUploadRequest request, CancellationToken cancellationToken = default)
    {
        Add("InitiateMultipartUpload");
        return _inner.InitiateMultipartUploadAsync(request, cancellationToken);
    }

    public Task<UploadPartResult> UploadPartAsync(UploadPartRequest request, CancellationToken cancellationToken = default)
    {
        Add("UploadPart");
        return _inner.UploadPartAsync(request, cancellationToken);
    }

    public Task<UploadPartCopyResult> UploadPartCopyAsync(UploadPartCopyRequest request, CancellationToken cancellationToken = default)
    {
        Add("UploadPartCopy");
        return _inner.UploadPartCopyAsync(request, cancellationToken);
    }

    public Task<CompleteMultipartUploadResult> CompleteMultipartUploadAsync(CompleteMultipartUploadRequest request, CancellationToken cancellationToken = default)
    {
        Add("CompleteMultipartUpload");
        return _inner.CompleteMultipartUploadAsync(request, cancellationToken);
    }

    public Task<OssEmptyResult> AbortMultipartUploadAsync(AbortMultipartUploadRequest request, CancellationToken cancellationToken = default)
    {
        Add("AbortMultipartUpload");
        return _inner.AbortMultipartUploadAsync(request, cancellationToken);
    }

    public ValueTask<PresignResult> PresignGetObjectAsync(PresignGetObjectRequest request, CancellationToken cancellationToken = default) =>
        _inner.PresignGetObjectAsync(request, cancellationToken);
}
