using System.Globalization;
using LocalOss.Http;
using LocalOss.Storage;

namespace LocalOss.Operations;

internal sealed partial class OssService
{
    /// <summary>
    /// <c>x-oss-copy-source: /bucket/percent-encoded-key[?versionId=…]</c>: split at the first '?', decode
    /// the path, first segment = bucket (oss-protocol.md 5.1).
    /// </summary>
    internal static (string Bucket, string Key, string? VersionId) ParseCopySource(string header)
    {
        var value = header.Trim();
        var question = value.IndexOf('?', StringComparison.Ordinal);
        var path = question < 0 ? value : value[..question];
        string? versionId = null;
        if (question >= 0)
        {
            foreach (var pair in value[(question + 1)..].Split('&'))
            {
                if (pair.StartsWith("versionId=", StringComparison.Ordinal))
                {
                    versionId = OssRequest.PercentDecode(pair["versionId=".Length..]);
                }
            }
        }

        var decoded = OssRequest.PercentDecode(path);
        if (decoded is null || decoded.Length < 2 || decoded[0] != '/')
        {
            throw Errors.InvalidCopySource(header);
        }

        var slash = decoded.IndexOf('/', 1);
        if (slash < 0 || slash == decoded.Length - 1)
        {
            throw Errors.InvalidCopySource(header);
        }

        var bucket = decoded[1..slash];
        var key = decoded[(slash + 1)..];
        if (!Names.IsValidBucketName(bucket))
        {
            throw Errors.InvalidBucketName(bucket);
        }

        if (Names.KeyByteCount(key) > Names.MaxKeyBytes)
        {
            throw Errors.KeyTooLong();
        }

        return (bucket, key, versionId);
    }

    private static string ParseDirective(OssRequest r, string header, string copy, string replace)
    {
        var value = r.Header(header);
        if (value is null || string.Equals(value, copy, StringComparison.OrdinalIgnoreCase))
        {
            return copy;
        }

        if (string.Equals(value, replace, StringComparison.OrdinalIgnoreCase))
        {
            return replace;
        }

        throw Errors.InvalidArgument($"The {header} header must be {copy} or {replace}.", header, value, "0017-00000208");
    }

    /// <summary>The source version a copy reads, checked for existence, region and the copy-source conditions.</summary>
    private ObjectRecord FindCopySource(MetadataStore.StoreSession s, OssRequest r, BucketRecord target,
        (string Bucket, string Key, string? VersionId) source)
    {
        var sourceBucket = s.GetBucket(source.Bucket) ?? throw Errors.NoSuchBucket(source.Bucket);
        if (sourceBucket.Region != target.Region)
        {
            throw Errors.CrossRegionCopy(source.Bucket, sourceBucket.Region, target.Region);
        }

        var o = source.VersionId is null
            ? s.GetCurrent(source.Bucket, source.Key)
            : s.GetVersion(source.Bucket, source.Key, source.VersionId);
        if (o is null || (o.IsDeleteMarker && source.VersionId is null))
        {
            throw source.VersionId is null ? Errors.NoSuchKey(source.Key) : Errors.NoSuchVersion(source.Key, source.VersionId);
        }

        if (o.IsDeleteMarker)
        {
            throw Errors.InvalidArgument("The specified source version is a delete marker.", "x-oss-copy-source", source.VersionId!, "0017-00000103");
        }

        CheckConditions(o,
            r.Header("x-oss-copy-source-if-match"),
            r.Header("x-oss-copy-source-if-none-match"),
            r.Header("x-oss-copy-source-if-modified-since"),
            r.Header("x-oss-copy-source-if-unmodified-since"));
        EnsureReadable(o);
        return o;
    }

    /// <summary>
    /// CopyObject is a metadata write: the destination references the source's blob segments, so a copy of
    /// 1 GiB costs what a copy of 1 KiB costs. Source lookup, checks and the write are one transaction.
    /// </summary>
    private async Task CopyObjectAsync(OssRequest r, CancellationToken ct)
    {
        var source = ParseCopySource(r.Header("x-oss-copy-source")!);
        var metadataDirective = ParseDirective(r, "x-oss-metadata-directive", "COPY", "REPLACE");
        var taggingDirective = ParseDirective(r, "x-oss-tagging-directive", "Copy", "Replace");
        var write = ParseWriteHeaders(r);
        var key = KeyOf(r);
        var limit = _options.MaxCopyObjectSourceSize;

        var (bucket, src, stored, sourceVersioned) = await _store.WriteAsync(s =>
        {
            var b = CheckBucket(r, s.GetBucket(BucketName(r)));
            var o = FindCopySource(s, r, b, source);
            if (o.ObjectType == "Appendable")
            {
                throw Errors.AppendableNotCopyable();
            }

            if (o.Size > limit)
            {
                throw Errors.CopySourceTooLarge(o.Size, limit);
            }

            GuardOverwrite(s, b, key, write.ForbidOverwrite);
            var replaceMeta = metadataDirective == "REPLACE";
            var record = new ObjectRecord
            {
                Bucket = b.Name,
                Key = key,
                Size = o.Size,
                ETag = o.ETag,
                Crc64 = o.Crc64,
                ObjectType = o.ObjectType,
                Segments = o.Segments,
                // REPLACE without a Content-Type keeps the source's (not the PutObject default).
                ContentType = replaceMeta && r.Header("Content-Type") is { Length: > 0 } ? write.ContentType : o.ContentType,
                // A copied symbolic link stays a link to the same target (OSS copies the link, not its target's data);
                // client-side-encryption metadata describes the copied ciphertext, so OSS keeps it on a REPLACE too.
                Headers = replaceMeta
                    ? [.. write.Headers.Where(p => !IsClientSideEncryptionHeader(p.Key)), .. o.Headers.Where(p => p.Key == SymlinkTargetHeader || IsClientSideEncryptionHeader(p.Key))]
                    : o.Headers,
                Tags = taggingDirective == "Replace" ? write.Tags ?? [] : o.Tags,
                LastModified = Now,
                StorageClass = write.StorageClass ?? b.StorageClass,
                Acl = write.Acl ?? "default",
                Sse = write.Sse,
                SseKeyId = write.SseKeyId,
                SseDataEncryption = write.SseDataEncryption,
            };
            return (b, o, s.WriteObject(b, record), s.GetBucket(source.Bucket)!.IsVersioned);
        }, ct).ConfigureAwait(false);

        var h = r.Http.Response.Headers;
        h.ETag = Quote(stored.ETag);
        h["x-oss-hash-crc64ecma"] = stored.Crc64.ToString(CultureInfo.InvariantCulture);
        if (bucket.IsVersioned)
        {
            h["x-oss-version-id"] = stored.VersionId;
        }

        if (sourceVersioned)
        {
            h["x-oss-copy-source-version-id"] = src.VersionId;
        }

        SetEncryptionHeaders(h, stored.Sse, stored.SseKeyId, stored.SseDataEncryption);
        var xml = new XmlOut().Open("CopyObjectResult")
            .Element("ETag", Quote(stored.ETag))
            .Element("LastModified", stored.LastModified)
            .Close("CopyObjectResult");
        await WriteXmlAsync(r, xml, ct).ConfigureAwait(false);
    }

    private static bool IsClientSideEncryptionHeader(string name) =>
        name.StartsWith("x-oss-meta-client-side-encryption-", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// UploadPartCopy references a byte range of the source's blobs (no data is written). The part's MD5
    /// and CRC-64 are those of the range, so its bytes are read once to hash them.
    /// </summary>
    private async Task UploadPartCopyAsync(OssRequest r, CancellationToken ct)
    {
        var source = ParseCopySource(r.Header("x-oss-copy-source")!);
        var partNumber = ParsePartNumber(r);
        var uploadId = r.Q("uploadId") ?? "";
        var key = KeyOf(r);

        var (src, sourceVersioned) = await _store.ReadAsync(s =>
        {
            var b = CheckBucket(r, s.GetBucket(BucketName(r)));
            RequireUpload(s, uploadId, b.Name, key);
            return (FindCopySource(s, r, b, source), s.GetBucket(source.Bucket)!.IsVersioned);
        }, ct).ConfigureAwait(false);
        if (src.ObjectType == "Symlink")
        {
            throw Errors.SymlinkNotCopyable();
        }

        long first = 0, length = src.Size;
        if (r.Header("x-oss-copy-source-range") is { } range)
        {
            if (!TryParseRange(range, src.Size, out first, out var last))
            {
                throw Errors.InvalidArgument("The x-oss-copy-source-range is not valid for the source object.", "x-oss-copy-source-range", range, "0042-00000311");
            }

            length = last - first + 1;
        }

        var segments = BlobSegment.Slice(src.Segments, first, length);
        var (md5, crc) = await HashSegmentsAsync(segments, ct).ConfigureAwait(false);
        var etag = Convert.ToHexString(md5);
        var now = Now;
        await _store.WriteAsync(s =>
        {
            RequireUpload(s, uploadId, BucketName(r), key);
            var again = source.VersionId is null ? s.GetCurrent(source.Bucket, source.Key) : s.GetVersion(source.Bucket, source.Key, source.VersionId);
            if (again is null || again.Seq != src.Seq)
            {
                // The source changed while its range was hashed; the client retries against the new state.
                throw Errors.PreconditionFailed("x-oss-copy-source");
            }

            s.SavePart(new PartRecord
            {
                UploadId = uploadId,
                PartNumber = partNumber,
                ETag = etag,
                Size = length,
                Crc64 = crc,
                LastModified = now,
                Segments = segments,
            });
            return 0;
        }, ct).ConfigureAwait(false);

        var h = r.Http.Response.Headers;
        h.ETag = Quote(etag);
        h["x-oss-hash-crc64ecma"] = crc.ToString(CultureInfo.InvariantCulture);
        if (sourceVersioned)
        {
            h["x-oss-copy-source-version-id"] = src.VersionId;
        }

        var xml = new XmlOut().Open("CopyPartResult")
            .Element("LastModified", now)
            .Element("ETag", Quote(etag))
            .Close("CopyPartResult");
        await WriteXmlAsync(r, xml, ct).ConfigureAwait(false);
    }

    private async Task<(byte[] Md5, ulong Crc)> HashSegmentsAsync(IReadOnlyList<BlobSegment> segments, CancellationToken ct)
    {
        using var sink = new HashingSink();
        await StreamSegmentsAsync(_store.Blobs, segments, sink, ct).ConfigureAwait(false);
        return sink.Finish();
    }

    /// <summary>A write-only stream that only hashes (MD5 and CRC-64) what passes through it.</summary>
    private sealed class HashingSink : Stream
    {
        private readonly System.Security.Cryptography.IncrementalHash _md5 =
            System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.MD5);

        private ulong _crc;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public (byte[] Md5, ulong Crc) Finish() => (_md5.GetHashAndReset(), _crc);

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _md5.AppendData(buffer);
            _crc = OssCopy.Oss.Hashing.Crc64.Append(_crc, buffer);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _md5.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
