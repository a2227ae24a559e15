using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using LocalOss.Http;
using LocalOss.Storage;

namespace LocalOss.Operations;

internal sealed partial class OssService
{
    private const string SymlinkTargetHeader = "x-oss-symlink-target";

    /// <summary>
    /// PutSymlink (<c>PUT /key?symlink</c>, target in <c>x-oss-symlink-target</c>, percent-encoded as the SDKs send it):
    /// a zero-byte object of type Symlink whose metadata is its own. OSS does not check that the target exists.
    /// </summary>
    private async Task PutSymlinkAsync(OssRequest r, CancellationToken ct)
    {
        var key = KeyOf(r);
        var header = r.Header(SymlinkTargetHeader);
        if (string.IsNullOrEmpty(header))
        {
            throw Errors.InvalidArgument("The x-oss-symlink-target header is required.", SymlinkTargetHeader, "", "0043-00000001");
        }

        var target = OssRequest.PercentDecode(header) ?? throw Errors.InvalidArgument("The symlink target is not UTF-8.", SymlinkTargetHeader, header, "0043-00000002");
        if (target.Length == 0 || Names.KeyByteCount(target) > Names.MaxKeyBytes)
        {
            throw Errors.InvalidArgument("The symlink target is not a valid object name.", SymlinkTargetHeader, header, "0043-00000003");
        }

        var write = ParseWriteHeaders(r);
        var (bucket, stored) = await _store.WriteAsync(s =>
        {
            var b = CheckBucket(r, s.GetBucket(BucketName(r)));
            GuardOverwrite(s, b, key, write.ForbidOverwrite);
            var record = new ObjectRecord
            {
                Bucket = b.Name,
                Key = key,
                ObjectType = "Symlink",
                ETag = TargetETag(target),
                ContentType = write.ContentType,
                LastModified = Now,
                Headers = [.. write.Headers, new(SymlinkTargetHeader, target)],
                Tags = write.Tags ?? [],
                StorageClass = write.StorageClass ?? b.StorageClass,
                Acl = write.Acl ?? "default",
            };
            return (b, s.WriteObject(b, record));
        }, ct).ConfigureAwait(false);

        var h = r.Http.Response.Headers;
        h.ETag = Quote(stored.ETag);
        if (bucket.IsVersioned)
        {
            h["x-oss-version-id"] = stored.VersionId;
        }

        Ok(r);
    }

    /// <summary>GetSymlink: the link's own ETag and Last-Modified and its target, without following it.</summary>
    private async Task GetSymlinkAsync(OssRequest r, CancellationToken ct)
    {
        var key = KeyOf(r);
        var (bucket, link) = await _store.ReadAsync(s =>
        {
            var b = CheckBucket(r, s.GetBucket(BucketName(r)));
            return (b, FindObject(s, b, key, r.Q("versionId")));
        }, ct).ConfigureAwait(false);
        if (link.ObjectType != "Symlink")
        {
            throw Errors.NotSymlink();
        }

        var h = r.Http.Response.Headers;
        h.ETag = Quote(link.ETag);
        h.LastModified = link.LastModified.ToString("r", CultureInfo.InvariantCulture);
        h[SymlinkTargetHeader] = OssCopy.Oss.OssEncoding.EscapePath(SymlinkTarget(link));
        if (bucket.IsVersioned)
        {
            h["x-oss-version-id"] = link.VersionId;
        }

        Ok(r);
    }

    /// <summary>A link's own ETag: the MD5 of its target's name (ETags are MD5s in OSS; a link has no data of its own).</summary>
    private static string TargetETag(string target)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        md5.AppendData(Encoding.UTF8.GetBytes(target));
        return Convert.ToHexString(md5.GetHashAndReset());
    }

    private static string SymlinkTarget(ObjectRecord link) =>
        link.Headers.First(p => p.Key == SymlinkTargetHeader).Value;

    /// <summary>
    /// What GET and HEAD answer for a symbolic link (OSS's HeadObject rules): the target's data, length, ETag and
    /// CRC-64; Last-Modified the later of link and target; everything else (type, metadata, class, version) the
    /// link's. A missing target is 404 SymlinkTargetNotExist, a link to a link 400 InvalidTargetType. The target
    /// itself comes back too: an archived target must be restored to be read.
    /// </summary>
    private static (ObjectRecord Seen, ObjectRecord Target) FollowSymlink(MetadataStore.StoreSession s, ObjectRecord link)
    {
        var targetKey = SymlinkTarget(link);
        var target = s.GetCurrent(link.Bucket, targetKey);
        if (target is null || target.IsDeleteMarker)
        {
            throw Errors.SymlinkTargetNotExist(targetKey);
        }

        if (target.ObjectType == "Symlink")
        {
            throw Errors.InvalidTargetType();
        }

        return (link with
        {
            Size = target.Size,
            ETag = target.ETag,
            Crc64 = target.Crc64,
            Segments = target.Segments,
            LastModified = target.LastModified > link.LastModified ? target.LastModified : link.LastModified,
        }, target);
    }
}
