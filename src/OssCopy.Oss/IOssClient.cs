using OssCopy.Oss.Models;

namespace OssCopy.Oss;

/// <summary>
/// The OSS operations the copy engine and its tools use. <see cref="OssClient"/> implements it over HTTP;
/// the interface is the seam the engine's unit tests fake.
/// </summary>
public interface IOssClient
{
    Task<CopyObjectResult> CopyObjectAsync(CopyObjectRequest request, CancellationToken cancellationToken = default);

    Task<PutObjectResult> PutObjectAsync(PutObjectRequest request, CancellationToken cancellationToken = default);

    /// <summary>Starts a download; the result streams the content and must be disposed.</summary>
    Task<GetObjectResult> GetObjectAsync(GetObjectRequest request, CancellationToken cancellationToken = default);

    Task<HeadObjectResult> HeadObjectAsync(HeadObjectRequest request, CancellationToken cancellationToken = default);

    Task<DeleteObjectResult> DeleteObjectAsync(DeleteObjectRequest request, CancellationToken cancellationToken = default);

    Task<ListObjectsV2Result> ListObjectsV2Async(ListObjectsV2Request request, CancellationToken cancellationToken = default);

    /// <summary>Every page of a listing, following continuation tokens.</summary>
    IAsyncEnumerable<ListObjectsV2Result> ListObjectsV2PagesAsync(ListObjectsV2Request request, CancellationToken cancellationToken = default);

    Task<GetObjectTaggingResult> GetObjectTaggingAsync(GetObjectTaggingRequest request, CancellationToken cancellationToken = default);

    Task<PutObjectTaggingResult> PutObjectTaggingAsync(PutObjectTaggingRequest request, CancellationToken cancellationToken = default);

    Task<OssEmptyResult> PutBucketAsync(PutBucketRequest request, CancellationToken cancellationToken = default);

    Task<GetBucketInfoResult> GetBucketInfoAsync(string bucket, CancellationToken cancellationToken = default);

    Task<GetBucketLocationResult> GetBucketLocationAsync(string bucket, CancellationToken cancellationToken = default);

    Task<OssEmptyResult> PutBucketVersioningAsync(string bucket, string status, CancellationToken cancellationToken = default);

    Task<GetBucketVersioningResult> GetBucketVersioningAsync(string bucket, CancellationToken cancellationToken = default);

    Task<InitiateMultipartUploadResult> InitiateMultipartUploadAsync(InitiateMultipartUploadRequest request, CancellationToken cancellationToken = default);

    Task<UploadPartResult> UploadPartAsync(UploadPartRequest request, CancellationToken cancellationToken = default);

    Task<UploadPartCopyResult> UploadPartCopyAsync(UploadPartCopyRequest request, CancellationToken cancellationToken = default);

    Task<CompleteMultipartUploadResult> CompleteMultipartUploadAsync(CompleteMultipartUploadRequest request, CancellationToken cancellationToken = default);

    Task<OssEmptyResult> AbortMultipartUploadAsync(AbortMultipartUploadRequest request, CancellationToken cancellationToken = default);

    /// <summary>Starts (202) or extends (200) the restore of an archived object; 409 RestoreAlreadyInProgress while one runs.</summary>
    Task<RestoreObjectResult> RestoreObjectAsync(RestoreObjectRequest request, CancellationToken cancellationToken = default);

    /// <summary>A presigned GET URL, signed locally (no request is sent).</summary>
    ValueTask<PresignResult> PresignGetObjectAsync(PresignGetObjectRequest request, CancellationToken cancellationToken = default);
}
