using LocalOss.Http;
using LocalOss.Storage;

namespace LocalOss.Operations;

internal sealed partial class OssService
{
    private static readonly HashSet<string> AnonymousReads = new(StringComparer.Ordinal)
    {
        "GetObject", "HeadObject", "GetObjectMeta", "GetSymlink", "ListObjects", "ListObjectsV2",
    };

    private static readonly HashSet<string> AnonymousWrites = new(StringComparer.Ordinal)
    {
        "PutObject", "AppendObject", "PutSymlink", "DeleteObject", "DeleteMultipleObjects", "CopyObject", "InitiateMultipartUpload",
        "UploadPart", "UploadPartCopy", "CompleteMultipartUpload", "AbortMultipartUpload", "ListParts",
    };

    /// <summary>
    /// Requests without a signature, as OSS allows them: reading objects and listing where the effective ACL is
    /// public-read or public-read-write (an object's own ACL, unless "default", else its bucket's), writing objects
    /// where it is public-read-write, copying when the source is readable too. Everything else, and every bucket or
    /// account operation, is AccessDenied. A missing bucket stays NoSuchBucket, and a missing object in a readable
    /// bucket NoSuchKey, as on OSS.
    /// </summary>
    private async Task AuthorizeAnonymousAsync(OssRequest r, CancellationToken ct)
    {
        var operation = r.Operation;
        var read = AnonymousReads.Contains(operation);
        var write = AnonymousWrites.Contains(operation);
        var source = operation is "CopyObject" or "UploadPartCopy" && r.Header("x-oss-copy-source") is { } header ? ParseCopySource(header) : default;
        var allowed = await _store.ReadAsync(s =>
        {
            if (r.Bucket is null || s.GetBucket(r.Bucket) is not { } bucket)
            {
                // Service-level requests need an account; a missing bucket answers NoSuchBucket from the operation.
                return r.Bucket is not null;
            }

            var versionId = r.Q("versionId");
            var target = r.Key is null ? null : versionId is null ? s.GetCurrent(bucket.Name, r.Key) : s.GetVersion(bucket.Name, r.Key, versionId);
            var acl = EffectiveAcl(bucket, target);
            if (read)
            {
                return acl is "public-read" or "public-read-write";
            }

            if (!write || acl != "public-read-write")
            {
                return false;
            }

            if (source.Bucket is null)
            {
                return true;
            }

            var sourceBucket = s.GetBucket(source.Bucket);
            var sourceObject = sourceBucket is null ? null
                : source.VersionId is null ? s.GetCurrent(source.Bucket, source.Key) : s.GetVersion(source.Bucket, source.Key, source.VersionId);
            return sourceBucket is null || EffectiveAcl(sourceBucket, sourceObject) is "public-read" or "public-read-write";
        }, ct).ConfigureAwait(false);
        if (!allowed)
        {
            throw Errors.AccessDenied("You have no right to access this object because of bucket acl.", "0003-00000001");
        }
    }

    private static string EffectiveAcl(BucketRecord bucket, ObjectRecord? o) =>
        o is { IsDeleteMarker: false } && o.Acl != "default" ? o.Acl : bucket.Acl;
}
