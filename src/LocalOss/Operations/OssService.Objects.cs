using System.Globalization;
using LocalOss.Http;
using LocalOss.Storage;

namespace LocalOss.Operations;

internal sealed partial class OssService
{
    private async Task PutObjectAsync(OssRequest r, CancellationToken ct)
    {
        var write = ParseWriteHeaders(r);
        await RequireBucketAsync(r, ct).ConfigureAwait(false);
        var staged = await StageBodyAsync(r, ct).ConfigureAwait(false);
        try
        {
            await StoreUploadAsync(r, KeyOf(r), write, staged, ct).ConfigureAwait(false);
            r.Http.Response.Headers["Content-MD5"] = Convert.ToBase64String(staged.Md5);
            Ok(r);
        }
        finally
        {
            _store.Blobs.Discard(staged);
        }
    }

    /// <summary>
    /// Publishes an uploaded body (PutObject, PostObject) as the new current version of <paramref name="key"/>, in
    /// one transaction with the overwrite checks, and sets the answer's ETag, CRC-64, version and SSE headers.
    /// </summary>
    private async Task<ObjectRecord> StoreUploadAsync(OssRequest r, string key, WriteHeaders write, StagedBlob staged, CancellationToken ct)
    {
        var bucketName = BucketName(r);
        var stored = await _store.WriteAsync(s =>
        {
            var bucket = CheckBucket(r, s.GetBucket(bucketName));
            GuardOverwrite(s, bucket, key, write.ForbidOverwrite);
            var segments = s.Publish(staged);
            var record = new ObjectRecord
            {
                Bucket = bucketName,
                Key = key,
                Size = staged.Length,
                ETag = staged.Md5Hex,
                Crc64 = staged.Crc64,
                ContentType = write.ContentType,
                LastModified = Now,
                Headers = write.Headers,
                Tags = write.Tags ?? [],
                StorageClass = write.StorageClass ?? bucket.StorageClass,
                Acl = write.Acl ?? "default",
                Sse = write.Sse,
                SseKeyId = write.SseKeyId,
                SseDataEncryption = write.SseDataEncryption,
                Segments = segments,
            };
            return (Bucket: bucket, Record: s.WriteObject(bucket, record));
        }, ct).ConfigureAwait(false);
        var h = r.Http.Response.Headers;
        h.ETag = Quote(stored.Record.ETag);
        h["x-oss-hash-crc64ecma"] = stored.Record.Crc64.ToString(CultureInfo.InvariantCulture);
        if (stored.Bucket.IsVersioned)
        {
            h["x-oss-version-id"] = stored.Record.VersionId;
        }

        SetEncryptionHeaders(h, write.Sse, write.SseKeyId, write.SseDataEncryption);
        return stored.Record;
    }

    /// <summary>Streams the body to a staged blob and checks Content-MD5; nothing is visible until published.</summary>
    private async Task<StagedBlob> StageBodyAsync(OssRequest r, CancellationToken ct)
    {
        var request = r.Http.Request;
        var contentMd5 = r.Header("Content-MD5");
        byte[]? expectedMd5 = null;
        if (contentMd5 is not null)
        {
            expectedMd5 = new byte[16];
            if (!Convert.TryFromBase64String(contentMd5, expectedMd5, out var n) || n != 16)
            {
                throw Errors.InvalidDigest(contentMd5);
            }
        }

        var staged = await _store.Blobs.StageAsync(request.Body, request.ContentLength, ct).ConfigureAwait(false);
        if (expectedMd5 is not null && !expectedMd5.AsSpan().SequenceEqual(staged.Md5))
        {
            _store.Blobs.Discard(staged);
            throw Errors.InvalidDigest(contentMd5!);
        }

        return staged;
    }

    /// <summary>Finds the version a GET/HEAD/tagging request names; a delete marker answers 404 as OSS does.</summary>
    private static ObjectRecord FindObject(MetadataStore.StoreSession s, BucketRecord bucket, string key, string? versionId)
    {
        var o = versionId is null ? s.GetCurrent(bucket.Name, key) : s.GetVersion(bucket.Name, key, versionId);
        if (o is null)
        {
            throw versionId is null ? Errors.NoSuchKey(key) : Errors.NoSuchVersion(key, versionId);
        }

        if (o.IsDeleteMarker)
        {
            var error = versionId is null
                ? Errors.NoSuchKey(key)
                : Errors.MethodNotAllowed("GET");
            error.Headers.Add(new("x-oss-delete-marker", "true"));
            error.Headers.Add(new("x-oss-version-id", o.VersionId));
            throw error;
        }

        return o;
    }

    private async Task GetObjectAsync(OssRequest r, bool head, CancellationToken ct)
    {
        var versionId = r.Q("versionId");
        var key = KeyOf(r);
        var (bucket, o, data) = await _store.ReadAsync(s =>
        {
            var b = CheckBucket(r, s.GetBucket(BucketName(r)));
            var found = FindObject(s, b, key, versionId);
            if (found.ObjectType != "Symlink")
            {
                return (b, found, found);
            }

            var (seen, target) = FollowSymlink(s, found);
            return (b, seen, target);
        }, ct).ConfigureAwait(false);
        CheckConditions(o, r.Header("If-Match"), r.Header("If-None-Match"), r.Header("If-Modified-Since"), r.Header("If-Unmodified-Since"));
        if (!head)
        {
            EnsureReadable(data);
        }

        var response = r.Http.Response;
        SetObjectHeaders(response, bucket, o);
        if (RestoreState(data) is { } restore)
        {
            response.Headers["x-oss-restore"] = restore;
        }

        response.Headers.AcceptRanges = "bytes";
        ApplyResponseOverrides(r);

        long start = 0, length = o.Size;
        var status = 200;
        if (r.Header("Range") is { } range && TryParseRange(range, o.Size, out var first, out var last))
        {
            start = first;
            length = last - first + 1;
            status = 206;
            response.Headers.ContentRange = $"bytes {first}-{last}/{o.Size}";
        }
        else if (r.Header("Range") is not null && string.Equals(r.Header("x-oss-range-behavior"), "standard", StringComparison.OrdinalIgnoreCase))
        {
            response.Headers.Remove("Content-Range");
            throw Errors.InvalidRange();
        }

        response.StatusCode = status;
        response.ContentLength = length;
        if (head || length == 0)
        {
            return;
        }

        await StreamSegmentsAsync(_store.Blobs, BlobSegment.Slice(o.Segments, start, length), response.Body, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>bytes=a-b</c>, <c>bytes=a-</c>, <c>bytes=-n</c>. Anything else, or an unsatisfiable range, is ignored
    /// (the whole object, 200) as OSS does unless <c>x-oss-range-behavior: standard</c>.
    /// </summary>
    internal static bool TryParseRange(string header, long size, out long first, out long last)
    {
        first = last = 0;
        header = header.Trim();
        if (!header.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase) || header.Contains(',', StringComparison.Ordinal) || size == 0)
        {
            return false;
        }

        var spec = header[6..];
        var dash = spec.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            return false;
        }

        var a = spec[..dash].Trim();
        var b = spec[(dash + 1)..].Trim();
        if (a.Length == 0)
        {
            if (!long.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out var suffix) || suffix == 0)
            {
                return false;
            }

            first = Math.Max(0, size - suffix);
            last = size - 1;
            return true;
        }

        if (!long.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out first) || first >= size)
        {
            return false;
        }

        if (b.Length == 0)
        {
            last = size - 1;
            return true;
        }

        if (!long.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out last) || last < first)
        {
            return false;
        }

        last = Math.Min(last, size - 1);
        return true;
    }

    private static void ApplyResponseOverrides(OssRequest r)
    {
        var h = r.Http.Response.Headers;
        foreach (var (query, header) in new[]
                 {
                     ("response-content-type", "Content-Type"),
                     ("response-content-language", "Content-Language"),
                     ("response-expires", "Expires"),
                     ("response-cache-control", "Cache-Control"),
                     ("response-content-disposition", "Content-Disposition"),
                     ("response-content-encoding", "Content-Encoding"),
                 })
        {
            if (r.Q(query) is { } value)
            {
                h[header] = ResponseHeaderValue.Checked(query, value);
            }
        }
    }

    private async Task GetObjectMetaAsync(OssRequest r, CancellationToken ct)
    {
        var key = KeyOf(r);
        var (bucket, o) = await _store.ReadAsync(s =>
        {
            var b = CheckBucket(r, s.GetBucket(BucketName(r)));
            return (b, FindObject(s, b, key, r.Q("versionId")));
        }, ct).ConfigureAwait(false);
        var h = r.Http.Response.Headers;
        h.ETag = Quote(o.ETag);
        h.LastModified = o.LastModified.ToString("r", CultureInfo.InvariantCulture);
        h["x-oss-hash-crc64ecma"] = o.Crc64.ToString(CultureInfo.InvariantCulture);
        h["x-oss-last-access-time"] = o.LastModified.ToString("r", CultureInfo.InvariantCulture);
        if (bucket.IsVersioned)
        {
            h["x-oss-version-id"] = o.VersionId;
        }

        r.Http.Response.StatusCode = 200;
        r.Http.Response.ContentLength = o.Size;
    }

    private async Task DeleteObjectAsync(OssRequest r, CancellationToken ct)
    {
        var key = KeyOf(r);
        var versionId = r.Q("versionId");
        var (bucket, result) = await _store.WriteAsync(s =>
        {
            var b = CheckBucket(r, s.GetBucket(BucketName(r)));
            GuardDelete(s, b, key, versionId);
            return (b, s.DeleteObject(b, key, versionId));
        }, ct).ConfigureAwait(false);
        if (bucket.IsVersioned)
        {
            if (result.DeleteMarker)
            {
                r.Http.Response.Headers["x-oss-delete-marker"] = "true";
            }

            if (result.VersionId is not null)
            {
                r.Http.Response.Headers["x-oss-version-id"] = result.VersionId;
            }
        }

        NoContent(r);
    }

    /// <summary>Within a retention period an object cannot be deleted (a delete marker on a versioned bucket can be added).</summary>
    private void GuardDelete(MetadataStore.StoreSession s, BucketRecord bucket, string key, string? versionId)
    {
        if (!bucket.IsRetained || (bucket.IsVersioned && versionId is null))
        {
            return;
        }

        var target = versionId is null ? s.GetCurrent(bucket.Name, key) : s.GetVersion(bucket.Name, key, versionId);
        if (target is not null && !target.IsDeleteMarker && IsProtected(bucket, target))
        {
            throw Errors.FileImmutable();
        }
    }

    private async Task DeleteMultipleObjectsAsync(OssRequest r, CancellationToken ct)
    {
        var url = UrlEncoding(r);
        var document = await ReadXmlAsync(r, ct).ConfigureAwait(false);
        var root = XmlIn.Root(document, "Delete");
        var quiet = IsTrue(XmlIn.Child(root, "Quiet"));
        var targets = XmlIn.Children(root, "Object")
            .Select(o => (Key: XmlIn.Child(o, "Key") ?? throw Errors.MalformedXml(), VersionId: XmlIn.Child(o, "VersionId")))
            .ToList();
        if (targets.Count is 0 or > 1000)
        {
            throw Errors.MalformedXml();
        }

        foreach (var (key, _) in targets)
        {
            if (key.Length == 0)
            {
                throw Errors.InvalidObjectName("The specified object is not valid: its name is empty.", "0016-00000002");
            }

            if (Names.KeyByteCount(key) > Names.MaxKeyBytes)
            {
                throw Errors.KeyTooLong();
            }
        }

        var (bucket, results) = await _store.WriteAsync(s =>
        {
            var b = CheckBucket(r, s.GetBucket(BucketName(r)));
            var list = new List<(string Key, string? VersionId, bool Marker, string? MarkerVersion, OssError? Error)>();
            foreach (var (key, versionId) in targets)
            {
                try
                {
                    GuardDelete(s, b, key, versionId);
                    var (marker, version) = s.DeleteObject(b, key, versionId);
                    list.Add((key, versionId, marker, marker ? version : null, null));
                }
                catch (OssError error)
                {
                    list.Add((key, versionId, false, null, error));
                }
            }

            return (b, list);
        }, ct).ConfigureAwait(false);
        r.EventKeys = [.. results.Where(i => i.Error is null).Select(i => i.Key)];

        var xml = new XmlOut().Open("DeleteResult");
        if (url)
        {
            xml.Element("EncodingType", "url");
        }

        foreach (var item in results)
        {
            if (item.Error is { } error)
            {
                xml.Open("Error").Element("Key", Enc(item.Key, url)).Element("Code", error.Code).Element("Message", error.Message).Close("Error");
                continue;
            }

            if (quiet)
            {
                continue;
            }

            xml.Open("Deleted").Element("Key", Enc(item.Key, url));
            if (item.VersionId is not null)
            {
                xml.Element("VersionId", item.VersionId);
            }

            if (bucket.IsVersioned && item.Marker)
            {
                xml.Element("DeleteMarker", true).Element("DeleteMarkerVersionId", item.MarkerVersion);
            }

            xml.Close("Deleted");
        }

        await WriteXmlAsync(r, xml.Close("DeleteResult"), ct).ConfigureAwait(false);
    }

    private async Task PutObjectTaggingAsync(OssRequest r, CancellationToken ct)
    {
        var document = await ReadXmlAsync(r, ct).ConfigureAwait(false);
        var tags = Tagging.ParseXml(document);
        await ReplaceTagsAsync(r, tags, ct).ConfigureAwait(false);
        Ok(r);
    }

    private async Task DeleteObjectTaggingAsync(OssRequest r, CancellationToken ct)
    {
        await ReplaceTagsAsync(r, [], ct).ConfigureAwait(false);
        NoContent(r);
    }

    private async Task ReplaceTagsAsync(OssRequest r, IReadOnlyList<KeyValuePair<string, string>> tags, CancellationToken ct)
    {
        var key = KeyOf(r);
        var versionId = r.Q("versionId");
        var (bucket, o) = await _store.WriteAsync(s =>
        {
            var b = CheckBucket(r, s.GetBucket(BucketName(r)));
            var target = FindObject(s, b, key, versionId);
            s.UpdateTags(target, tags);
            return (b, target);
        }, ct).ConfigureAwait(false);
        if (bucket.IsVersioned)
        {
            r.Http.Response.Headers["x-oss-version-id"] = o.VersionId;
        }
    }

    private async Task GetObjectTaggingAsync(OssRequest r, CancellationToken ct)
    {
        var key = KeyOf(r);
        var (bucket, o) = await _store.ReadAsync(s =>
        {
            var b = CheckBucket(r, s.GetBucket(BucketName(r)));
            return (b, FindObject(s, b, key, r.Q("versionId")));
        }, ct).ConfigureAwait(false);
        if (bucket.IsVersioned)
        {
            r.Http.Response.Headers["x-oss-version-id"] = o.VersionId;
        }

        await WriteXmlAsync(r, Tagging.Write(o.Tags), ct).ConfigureAwait(false);
    }

    private async Task GetObjectAclAsync(OssRequest r, CancellationToken ct)
    {
        var key = KeyOf(r);
        var o = await _store.ReadAsync(s =>
        {
            var b = CheckBucket(r, s.GetBucket(BucketName(r)));
            return FindObject(s, b, key, r.Q("versionId"));
        }, ct).ConfigureAwait(false);
        var xml = new XmlOut().Open("AccessControlPolicy")
            .Open("Owner").Element("ID", r.OwnerId).Element("DisplayName", r.OwnerId).Close("Owner")
            .Open("AccessControlList").Element("Grant", o.Acl).Close("AccessControlList")
            .Close("AccessControlPolicy");
        await WriteXmlAsync(r, xml, ct).ConfigureAwait(false);
    }

    private async Task PutObjectAclAsync(OssRequest r, CancellationToken ct)
    {
        var acl = r.Header("x-oss-object-acl") ?? "";
        if (!ObjectAcls.Contains(acl, StringComparer.Ordinal))
        {
            throw Errors.InvalidArgument("no such object access control exists", "x-oss-object-acl", acl, "0016-00000103");
        }

        var key = KeyOf(r);
        await _store.WriteAsync(s =>
        {
            var b = CheckBucket(r, s.GetBucket(BucketName(r)));
            var o = FindObject(s, b, key, r.Q("versionId"));
            // An ACL change is metadata only: rewrite the row in place, keeping version and data.
            s.ReplaceInPlace(o with { Acl = acl });
            return 0;
        }, ct).ConfigureAwait(false);
        Ok(r);
    }
}
