using System.Globalization;
using OssCopy.Oss.Internal;
using OssCopy.Oss.Models;

namespace OssCopy.Oss;

/// <summary>
/// What it takes to remove a bucket: its versions and delete markers, its unfinished multipart uploads, then the
/// bucket. The engine never deletes; tools and tests that make buckets of their own (the live test run) clean up with these.
/// </summary>
public sealed partial class OssClient
{
    /// <summary>One page of every version and delete marker, after the given markers (null: from the start).</summary>
    public async Task<ListObjectVersionsResult> ListObjectVersionsAsync(
        string bucket, string? keyMarker = null, string? versionIdMarker = null, int maxKeys = 1000, CancellationToken cancellationToken = default)
    {
        OssValidation.BucketName(bucket, nameof(bucket));
        var state = NewState("ListObjectVersions", "GET", bucket, null);
        state.Query.Add(new("versions", string.Empty));
        state.Query.Add(new("encoding-type", "url"));
        state.Query.Add(new("max-keys", maxKeys.ToString(CultureInfo.InvariantCulture)));
        if (keyMarker is not null)
        {
            state.Query.Add(new("key-marker", keyMarker));
        }

        if (versionIdMarker is not null)
        {
            state.Query.Add(new("version-id-marker", versionIdMarker));
        }

        using var response = await SendAsync(state, null, cancellationToken);
        var root = await OssXml.LoadRootAsync(response.Content, state.Operation, cancellationToken);
        var encoded = string.Equals(root.Text("EncodingType"), "url", StringComparison.OrdinalIgnoreCase);
        var versions = root.Elements()
            .Where(e => e.Name.LocalName is "Version" or "DeleteMarker")
            .Select(e => new OssObjectVersion(e.Decoded("Key", encoded) ?? string.Empty, e.Text("VersionId") ?? "null", e.Name.LocalName == "DeleteMarker",
                string.Equals(e.Text("IsLatest"), "true", StringComparison.OrdinalIgnoreCase)))
            .ToList();
        return new ListObjectVersionsResult
        {
            StatusCode = (int)response.StatusCode,
            RequestId = ResponseReader.Header(response, OssHeaders.RequestId) ?? string.Empty,
            Headers = ResponseReader.AllHeaders(response),
            Versions = versions,
            IsTruncated = string.Equals(root.Text("IsTruncated"), "true", StringComparison.OrdinalIgnoreCase),
            NextKeyMarker = root.Decoded("NextKeyMarker", encoded),
            NextVersionIdMarker = root.Text("NextVersionIdMarker"),
        };
    }

    /// <summary>One page of the bucket's unfinished multipart uploads, after the given markers.</summary>
    public async Task<ListMultipartUploadsResult> ListMultipartUploadsAsync(
        string bucket, string? keyMarker = null, string? uploadIdMarker = null, CancellationToken cancellationToken = default)
    {
        OssValidation.BucketName(bucket, nameof(bucket));
        var state = NewState("ListMultipartUploads", "GET", bucket, null);
        state.Query.Add(new("uploads", string.Empty));
        state.Query.Add(new("encoding-type", "url"));
        if (keyMarker is not null)
        {
            state.Query.Add(new("key-marker", keyMarker));
        }

        if (uploadIdMarker is not null)
        {
            state.Query.Add(new("upload-id-marker", uploadIdMarker));
        }

        using var response = await SendAsync(state, null, cancellationToken);
        var root = await OssXml.LoadRootAsync(response.Content, state.Operation, cancellationToken);
        var encoded = string.Equals(root.Text("EncodingType"), "url", StringComparison.OrdinalIgnoreCase);
        return new ListMultipartUploadsResult
        {
            StatusCode = (int)response.StatusCode,
            RequestId = ResponseReader.Header(response, OssHeaders.RequestId) ?? string.Empty,
            Headers = ResponseReader.AllHeaders(response),
            Uploads = root.Elements("Upload").Select(u => new OssMultipartUpload(u.Decoded("Key", encoded) ?? string.Empty, u.Text("UploadId") ?? string.Empty)).ToList(),
            IsTruncated = string.Equals(root.Text("IsTruncated"), "true", StringComparison.OrdinalIgnoreCase),
            NextKeyMarker = root.Decoded("NextKeyMarker", encoded),
            NextUploadIdMarker = root.Text("NextUploadIdMarker"),
        };
    }

    /// <summary>Deletes an empty bucket (409 BucketNotEmpty otherwise: objects, versions or multipart uploads remain).</summary>
    public async Task<OssEmptyResult> DeleteBucketAsync(string bucket, CancellationToken cancellationToken = default)
    {
        OssValidation.BucketName(bucket, nameof(bucket));
        return await SendEmptyAsync(NewState("DeleteBucket", "DELETE", bucket, null), null, cancellationToken);
    }

    private const int MaxCleanupPasses = 1000;

    /// <summary>
    /// Empties a bucket and deletes it: aborts its multipart uploads, deletes every object, version and delete marker, then
    /// the bucket. Returns the number of deletes it sent.
    /// </summary>
    public async Task<int> DeleteBucketWithContentsAsync(string bucket, CancellationToken cancellationToken = default)
    {
        string? keyMarker = null, uploadMarker = null;
        do
        {
            var uploads = await ListMultipartUploadsAsync(bucket, keyMarker, uploadMarker, cancellationToken);
            foreach (var upload in uploads.Uploads)
            {
                await AbortMultipartUploadAsync(new AbortMultipartUploadRequest { Bucket = bucket, Key = upload.Key, UploadId = upload.UploadId }, cancellationToken);
            }

            (keyMarker, uploadMarker) = uploads.IsTruncated ? (uploads.NextKeyMarker, uploads.NextUploadIdMarker) : (null, null);
        }
        while (keyMarker is not null);

        // Current objects first, without a version id: that empties a bucket that was never versioned (whose
        // objects all have the version "null"); in a versioned one it leaves delete markers, removed with the rest below.
        var deleted = 0;
        await foreach (var page in ListObjectsV2PagesAsync(new ListObjectsV2Request { Bucket = bucket }, cancellationToken))
        {
            foreach (var item in page.Contents)
            {
                await DeleteObjectAsync(new DeleteObjectRequest { Bucket = bucket, Key = item.Key }, cancellationToken);
                deleted++;
            }
        }

        // Deleting while paging would move the markers under us: each pass lists from the start until nothing is left.
        for (var pass = 0; ; pass++)
        {
            var page = await ListObjectVersionsAsync(bucket, cancellationToken: cancellationToken);
            if (page.Versions.Count == 0)
            {
                break;
            }

            if (pass == MaxCleanupPasses)
            {
                throw new InvalidOperationException($"Bucket {bucket} still holds versions after {MaxCleanupPasses} passes (first: {page.Versions[0].Key}).");
            }

            foreach (var version in page.Versions)
            {
                await DeleteObjectAsync(new DeleteObjectRequest { Bucket = bucket, Key = version.Key, VersionId = version.VersionId }, cancellationToken);
                deleted++;
            }
        }

        await DeleteBucketAsync(bucket, cancellationToken);
        return deleted;
    }
}
