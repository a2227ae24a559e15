using System.Globalization;
using System.Security.Cryptography;
using LocalOss.Http;
using LocalOss.Storage;
using OssCopy.Oss.Hashing;

namespace LocalOss.Operations;

internal sealed partial class OssService
{
    public const int MaxParts = 10000;

    private static int ParsePartNumber(OssRequest r)
    {
        var text = r.Q("partNumber") ?? "";
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= MaxParts
            ? n
            : throw Errors.InvalidArgument($"Part number must be an integer between 1 and {MaxParts}, inclusive.", "partNumber", text, "0042-00000101");
    }

    private static UploadRecord RequireUpload(MetadataStore.StoreSession s, string uploadId, string bucket, string key)
    {
        var upload = s.GetUpload(uploadId);
        return upload is not null && upload.Bucket == bucket && upload.Key == key ? upload : throw Errors.NoSuchUpload(uploadId);
    }

    private async Task InitiateMultipartUploadAsync(OssRequest r, CancellationToken ct)
    {
        var url = UrlEncoding(r);
        var write = ParseWriteHeaders(r);
        var key = KeyOf(r);
        var uploadId = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        await _store.WriteAsync(s =>
        {
            var b = CheckBucket(r, s.GetBucket(BucketName(r)));
            if (write.ForbidOverwrite)
            {
                GuardOverwrite(s, b, key, forbidOverwrite: true);
            }

            s.InsertUpload(new UploadRecord
            {
                UploadId = uploadId,
                Bucket = b.Name,
                Key = key,
                Initiated = Now,
                ContentType = write.ContentType,
                Headers = write.Headers,
                Tags = write.Tags ?? [],
                StorageClass = write.StorageClass ?? b.StorageClass,
                Acl = write.Acl ?? "default",
                Sse = write.Sse,
                SseKeyId = write.SseKeyId,
                SseDataEncryption = write.SseDataEncryption,
                ForbidOverwrite = write.ForbidOverwrite,
            });
            return 0;
        }, ct).ConfigureAwait(false);

        SetEncryptionHeaders(r.Http.Response.Headers, write.Sse, write.SseKeyId, write.SseDataEncryption);
        var xml = new XmlOut().Open("InitiateMultipartUploadResult");
        if (url)
        {
            xml.Element("EncodingType", "url");
        }

        xml.Element("Bucket", BucketName(r)).Element("Key", Enc(key, url)).Element("UploadId", uploadId)
            .Close("InitiateMultipartUploadResult");
        await WriteXmlAsync(r, xml, ct).ConfigureAwait(false);
    }

    private async Task UploadPartAsync(OssRequest r, CancellationToken ct)
    {
        var partNumber = ParsePartNumber(r);
        var uploadId = r.Q("uploadId") ?? "";
        var key = KeyOf(r);
        var upload = await _store.ReadAsync(s =>
        {
            CheckBucket(r, s.GetBucket(BucketName(r)));
            return RequireUpload(s, uploadId, BucketName(r), key);
        }, ct).ConfigureAwait(false);
        var staged = await StageBodyAsync(r, ct).ConfigureAwait(false);
        try
        {
            await _store.WriteAsync(s =>
            {
                RequireUpload(s, uploadId, BucketName(r), key);
                s.SavePart(new PartRecord
                {
                    UploadId = uploadId,
                    PartNumber = partNumber,
                    ETag = staged.Md5Hex,
                    Size = staged.Length,
                    Crc64 = staged.Crc64,
                    LastModified = Now,
                    Segments = s.Publish(staged),
                });
                return 0;
            }, ct).ConfigureAwait(false);
        }
        finally
        {
            _store.Blobs.Discard(staged);
        }

        var h = r.Http.Response.Headers;
        h.ETag = Quote(staged.Md5Hex);
        h["Content-MD5"] = Convert.ToBase64String(staged.Md5);
        h["x-oss-hash-crc64ecma"] = staged.Crc64.ToString(CultureInfo.InvariantCulture);
        SetEncryptionHeaders(h, upload.Sse, upload.SseKeyId, upload.SseDataEncryption);
        Ok(r);
    }

    private async Task CompleteMultipartUploadAsync(OssRequest r, CancellationToken ct)
    {
        var url = UrlEncoding(r);
        var uploadId = r.Q("uploadId") ?? "";
        var key = KeyOf(r);
        var completeAll = string.Equals(r.Header("x-oss-complete-all"), "yes", StringComparison.OrdinalIgnoreCase);
        List<(int Number, string ETag)>? requested = null;
        if (!completeAll)
        {
            var document = await ReadXmlAsync(r, ct).ConfigureAwait(false);
            var root = XmlIn.Root(document, "CompleteMultipartUpload");
            requested = [];
            foreach (var part in XmlIn.Children(root, "Part"))
            {
                if (!int.TryParse(XmlIn.Child(part, "PartNumber"), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
                {
                    throw Errors.MalformedXml();
                }

                requested.Add((number, Unquote(XmlIn.Child(part, "ETag") ?? throw Errors.MalformedXml())));
            }

            if (requested.Count == 0)
            {
                throw Errors.MalformedXml();
            }

            for (var i = 1; i < requested.Count; i++)
            {
                if (requested[i].Number <= requested[i - 1].Number)
                {
                    throw Errors.InvalidPartOrder();
                }
            }
        }
        else if (r.Http.Request.ContentLength is > 0)
        {
            throw Errors.InvalidArgument("The body must be empty when x-oss-complete-all is yes.", "x-oss-complete-all", "yes", "0042-00000318");
        }

        var forbidOverwrite = IsTrue(r.Header("x-oss-forbid-overwrite"));

        // The ACL may come with Complete instead of Initiate (the Python v2 SDK and its copier send it only here);
        // Complete's wins.
        var acl = r.Header("x-oss-object-acl");
        if (acl is not null && !ObjectAcls.Contains(acl, StringComparer.Ordinal))
        {
            throw Errors.InvalidArgument("no such object access control exists", "x-oss-object-acl", acl, "0016-00000103");
        }

        var minPart = _options.MinMultipartPartSize;
        var (bucket, stored) = await _store.WriteAsync(s =>
        {
            var b = CheckBucket(r, s.GetBucket(BucketName(r)));
            var upload = RequireUpload(s, uploadId, b.Name, key);
            var stored = s.GetParts(uploadId).ToDictionary(p => p.PartNumber);
            var chosen = new List<PartRecord>();
            if (requested is null)
            {
                chosen.AddRange(stored.Values.OrderBy(p => p.PartNumber));
                if (chosen.Count == 0)
                {
                    throw Errors.InvalidPart("The upload has no parts.");
                }
            }
            else
            {
                foreach (var (number, etag) in requested)
                {
                    if (!stored.TryGetValue(number, out var part) || !string.Equals(part.ETag, etag, StringComparison.OrdinalIgnoreCase))
                    {
                        throw Errors.InvalidPart(
                            "One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag.");
                    }

                    chosen.Add(part);
                }
            }

            for (var i = 0; i < chosen.Count - 1; i++)
            {
                if (chosen[i].Size < minPart)
                {
                    throw Errors.EntityTooSmall();
                }
            }

            GuardOverwrite(s, b, key, forbidOverwrite || upload.ForbidOverwrite);

            // ETag: MD5 of the concatenated binary part MD5s, then "-N"; CRC-64: the part CRCs combined in order.
            using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            ulong crc = 0;
            long size = 0;
            var segments = new List<BlobSegment>();
            foreach (var part in chosen)
            {
                md5.AppendData(Convert.FromHexString(part.ETag));
                crc = size == 0 ? part.Crc64 : Crc64.Combine(crc, part.Crc64, part.Size);
                size += part.Size;
                segments.AddRange(part.Segments);
            }

            var record = new ObjectRecord
            {
                Bucket = b.Name,
                Key = key,
                Size = size,
                ETag = Convert.ToHexString(md5.GetHashAndReset()) + "-" + chosen.Count.ToString(CultureInfo.InvariantCulture),
                Crc64 = crc,
                ObjectType = "Multipart",
                ContentType = upload.ContentType,
                Headers = upload.Headers,
                Tags = upload.Tags,
                LastModified = Now,
                StorageClass = upload.StorageClass,
                Acl = acl ?? upload.Acl,
                Sse = upload.Sse,
                SseKeyId = upload.SseKeyId,
                SseDataEncryption = upload.SseDataEncryption,
                Segments = segments,
            };
            var written = s.WriteObject(b, record);
            s.DeleteUpload(uploadId);
            return (b, written);
        }, ct).ConfigureAwait(false);

        var h = r.Http.Response.Headers;
        h.ETag = Quote(stored.ETag);
        h["x-oss-hash-crc64ecma"] = stored.Crc64.ToString(CultureInfo.InvariantCulture);
        if (bucket.IsVersioned)
        {
            h["x-oss-version-id"] = stored.VersionId;
        }

        SetEncryptionHeaders(h, stored.Sse, stored.SseKeyId, stored.SseDataEncryption);
        var xml = new XmlOut().Open("CompleteMultipartUploadResult");
        if (url)
        {
            xml.Element("EncodingType", "url");
        }

        xml.Element("Location", $"http://{bucket.Name}.oss-{bucket.Region}.aliyuncs.com/{OssCopy.Oss.OssEncoding.EscapePath(key)}")
            .Element("Bucket", bucket.Name)
            .Element("Key", Enc(key, url))
            .Element("ETag", Quote(stored.ETag))
            .Close("CompleteMultipartUploadResult");
        await WriteXmlAsync(r, xml, ct).ConfigureAwait(false);
    }

    private async Task AbortMultipartUploadAsync(OssRequest r, CancellationToken ct)
    {
        var uploadId = r.Q("uploadId") ?? "";
        var key = KeyOf(r);
        await _store.WriteAsync(s =>
        {
            CheckBucket(r, s.GetBucket(BucketName(r)));
            RequireUpload(s, uploadId, BucketName(r), key);
            s.DeleteUpload(uploadId);
            return 0;
        }, ct).ConfigureAwait(false);
        NoContent(r);
    }

    private async Task ListPartsAsync(OssRequest r, CancellationToken ct)
    {
        var url = UrlEncoding(r);
        var uploadId = r.Q("uploadId") ?? "";
        var key = KeyOf(r);
        var maxParts = ParseInt(r, "max-parts", 1000, 1, 1000);
        var marker = ParseInt(r, "part-number-marker", 0, 0, MaxParts);
        var (upload, parts) = await _store.ReadAsync(s =>
        {
            CheckBucket(r, s.GetBucket(BucketName(r)));
            var u = RequireUpload(s, uploadId, BucketName(r), key);
            return (u, s.GetParts(uploadId));
        }, ct).ConfigureAwait(false);
        var page = parts.Where(p => p.PartNumber > marker).Take(maxParts + 1).ToList();
        var truncated = page.Count > maxParts;
        if (truncated)
        {
            page.RemoveAt(page.Count - 1);
        }

        var xml = new XmlOut().Open("ListPartsResult");
        if (url)
        {
            xml.Element("EncodingType", "url");
        }

        xml.Element("Bucket", upload.Bucket).Element("Key", Enc(upload.Key, url)).Element("UploadId", uploadId)
            .Element("StorageClass", upload.StorageClass)
            .Element("PartNumberMarker", marker)
            .Element("NextPartNumberMarker", page.Count > 0 ? page[^1].PartNumber : marker)
            .Element("MaxParts", maxParts)
            .Element("IsTruncated", truncated);
        foreach (var p in page)
        {
            xml.Open("Part")
                .Element("PartNumber", p.PartNumber)
                .Element("LastModified", p.LastModified)
                .Element("ETag", Quote(p.ETag))
                .Element("HashCrc64ecma", p.Crc64.ToString(CultureInfo.InvariantCulture))
                .Element("Size", p.Size)
                .Close("Part");
        }

        await WriteXmlAsync(r, xml.Close("ListPartsResult"), ct).ConfigureAwait(false);
    }

    private async Task ListMultipartUploadsAsync(OssRequest r, CancellationToken ct)
    {
        var url = UrlEncoding(r);
        var prefix = r.Q("prefix") ?? "";
        var keyMarker = r.Q("key-marker") ?? "";
        var maxUploads = ParseInt(r, "max-uploads", 1000, 1, 1000);
        var from = MetadataStore.StoreSession.Utf8(string.CompareOrdinal(keyMarker, prefix) > 0 ? keyMarker : prefix);
        var uploadIdMarker = r.Q("upload-id-marker");
        var uploads = await _store.ReadAsync(s =>
        {
            CheckBucket(r, s.GetBucket(BucketName(r)));
            // Uploads are ordered by (key, upload id); the markers exclude everything up to and including them.
            var list = new List<UploadRecord>();
            var skipped = 0;
            while (list.Count <= maxUploads)
            {
                var limit = skipped + maxUploads + 1;
                var batch = s.ListUploads(BucketName(r), from, KeyRange.PrefixEnd(prefix), limit);
                list = batch.Where(u => keyMarker.Length == 0 || string.CompareOrdinal(u.Key, keyMarker) > 0
                        || (u.Key == keyMarker && uploadIdMarker is not null && string.CompareOrdinal(u.UploadId, uploadIdMarker) > 0))
                    .ToList();
                skipped = batch.Count - list.Count;
                if (batch.Count < limit)
                {
                    break;
                }
            }

            return list.Take(maxUploads + 1).ToList();
        }, ct).ConfigureAwait(false);
        var truncated = uploads.Count > maxUploads;
        if (truncated)
        {
            uploads.RemoveAt(uploads.Count - 1);
        }

        var xml = new XmlOut().Open("ListMultipartUploadsResult");
        if (url)
        {
            xml.Element("EncodingType", "url");
        }

        xml.Element("Bucket", BucketName(r)).Element("KeyMarker", Enc(keyMarker, url)).Element("UploadIdMarker", r.Q("upload-id-marker") ?? "")
            .Element("NextKeyMarker", Enc(uploads.Count > 0 ? uploads[^1].Key : "", url))
            .Element("NextUploadIdMarker", uploads.Count > 0 ? uploads[^1].UploadId : "")
            .Element("Delimiter", r.Q("delimiter") ?? "")
            .Element("Prefix", Enc(prefix, url))
            .Element("MaxUploads", maxUploads)
            .Element("IsTruncated", truncated);
        foreach (var u in uploads)
        {
            xml.Open("Upload").Element("Key", Enc(u.Key, url)).Element("UploadId", u.UploadId)
                .Element("StorageClass", u.StorageClass).Element("Initiated", u.Initiated).Close("Upload");
        }

        await WriteXmlAsync(r, xml.Close("ListMultipartUploadsResult"), ct).ConfigureAwait(false);
    }
}
