using System.Globalization;
using LocalOss.Http;
using LocalOss.Storage;
using OssCopy.Oss.Hashing;

namespace LocalOss.Operations;

internal sealed partial class OssService
{
    /// <summary>OSS caps an object built by AppendObject at 5 GB.</summary>
    public const long MaxAppendableSize = 5L * 1024 * 1024 * 1024;

    /// <summary>
    /// AppendObject (<c>POST /key?append&amp;position=P</c>): creates an Appendable object at position 0, or adds
    /// the body to the end of the current Appendable version when P equals its length. The data already stored
    /// is not touched: the object's segments gain one more blob range, and its CRC-64 is combined with the new
    /// part's, so an append costs what its body costs. OSS keeps one version per appendable object (appends do
    /// not create versions), so an append rewrites the current row in place.
    /// </summary>
    private async Task AppendObjectAsync(OssRequest r, CancellationToken ct)
    {
        var bucketName = BucketName(r);
        var key = KeyOf(r);
        var positionText = r.Q("position");
        if (string.IsNullOrEmpty(positionText))
        {
            throw Errors.InvalidArgument("The position parameter is missing.", "position", "", "0016-00000501");
        }

        if (!long.TryParse(positionText, NumberStyles.None, CultureInfo.InvariantCulture, out var position))
        {
            throw Errors.InvalidArgument("The position parameter is not a valid number.", "position", positionText, "0016-00000502");
        }

        var write = ParseWriteHeaders(r);
        await RequireBucketAsync(r, ct).ConfigureAwait(false);
        var staged = await StageBodyAsync(r, ct).ConfigureAwait(false);
        try
        {
            var (bucket, stored) = await _store.WriteAsync(s =>
            {
                var b = CheckBucket(r, s.GetBucket(bucketName));
                var current = s.GetCurrent(bucketName, key);
                if (current is null || current.IsDeleteMarker)
                {
                    if (position != 0)
                    {
                        throw PositionNotEqualToLength(0);
                    }

                    var created = new ObjectRecord
                    {
                        Bucket = bucketName,
                        Key = key,
                        Size = staged.Length,
                        Crc64 = staged.Crc64,
                        ETag = AppendableETag(staged.Crc64, staged.Length),
                        ObjectType = "Appendable",
                        ContentType = write.ContentType,
                        LastModified = Now,
                        Headers = write.Headers,
                        Tags = write.Tags ?? [],
                        StorageClass = write.StorageClass ?? b.StorageClass,
                        Acl = write.Acl ?? "default",
                        Sse = write.Sse,
                        SseKeyId = write.SseKeyId,
                        SseDataEncryption = write.SseDataEncryption,
                        Segments = s.Publish(staged),
                    };
                    return (b, s.WriteObject(b, created));
                }

                if (current.ObjectType != "Appendable")
                {
                    throw Errors.ObjectNotAppendable();
                }

                if (b.IsRetained && IsProtected(b, current))
                {
                    throw Errors.FileImmutable();
                }

                if (position != current.Size)
                {
                    throw PositionNotEqualToLength(current.Size);
                }

                var size = current.Size + staged.Length;
                if (size > MaxAppendableSize)
                {
                    throw Errors.EntityTooLarge($"An appendable object cannot grow beyond {MaxAppendableSize} bytes.");
                }

                var added = s.Publish(staged);
                s.AddRefs(added);
                var crc = current.Size == 0 ? staged.Crc64 : staged.Length == 0 ? current.Crc64 : Crc64.Combine(current.Crc64, staged.Crc64, staged.Length);
                // Metadata (type, user meta, tags, class, ACL) is set by the first append only, as on OSS.
                var appended = current with
                {
                    Size = size,
                    Crc64 = crc,
                    ETag = AppendableETag(crc, size),
                    LastModified = Now,
                    Segments = [.. current.Segments, .. added],
                };
                s.ReplaceInPlace(appended);
                return (b, appended);
            }, ct).ConfigureAwait(false);

            var h = r.Http.Response.Headers;
            h.ETag = Quote(stored.ETag);
            h["x-oss-next-append-position"] = stored.Size.ToString(CultureInfo.InvariantCulture);
            h["x-oss-hash-crc64ecma"] = stored.Crc64.ToString(CultureInfo.InvariantCulture);
            if (bucket.IsVersioned)
            {
                h["x-oss-version-id"] = stored.VersionId;
            }

            SetEncryptionHeaders(h, stored.Sse, stored.SseKeyId, stored.SseDataEncryption);
            Ok(r);
        }
        finally
        {
            _store.Blobs.Discard(staged);
        }
    }

    /// <summary>The 409 answer, with the length the client should append at (SDKs read it from this header).</summary>
    private static OssError PositionNotEqualToLength(long length)
    {
        var error = Errors.PositionNotEqualToLength();
        error.Headers.Add(new("x-oss-next-append-position", length.ToString(CultureInfo.InvariantCulture)));
        return error;
    }

    /// <summary>
    /// OSS's ETag of an appendable object is not the MD5 of its data (SDKs treat it as opaque); hashing the whole
    /// object again on every append would make appends cost the object's size, so the ETag is derived from the
    /// CRC-64 and the length, which change with every append.
    /// </summary>
    private static string AppendableETag(ulong crc, long size) =>
        crc.ToString("X16", CultureInfo.InvariantCulture) + size.ToString("X16", CultureInfo.InvariantCulture);
}
