using System.Buffers;
using System.Globalization;
using LocalOss.Http;
using LocalOss.Storage;
using OssCopy.Oss;

namespace LocalOss.Operations;

/// <summary>The OSS operations, over the metadata store and the blob store.</summary>
internal sealed partial class OssService
{
    private static readonly string[] StandardHeaders =
        ["Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language", "Expires"];

    private static readonly string[] StorageClasses = ["Standard", "IA", "Archive", "ColdArchive", "DeepColdArchive"];

    private static readonly string[] ObjectAcls = ["default", "private", "public-read", "public-read-write"];

    private readonly MetadataStore _store;
    private readonly LocalOssOptions _options;
    private readonly TimeProvider _time;
    private readonly Auth.RequestAuthenticator _authenticator;

    public OssService(MetadataStore store, LocalOssOptions options, TimeProvider time, Auth.RequestAuthenticator authenticator)
    {
        _store = store;
        _options = options;
        _time = time;
        _authenticator = authenticator;
    }

    public async Task ExecuteAsync(OssRequest r, CancellationToken ct)
    {
        // PostObject authenticates from its form's fields (it has no Authorization header).
        if (r.Anonymous && r.Operation != "PostObject")
        {
            await AuthorizeAnonymousAsync(r, ct).ConfigureAwait(false);
        }

        await DispatchAsync(r, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Answers NoSuchBucket for a request to a bucket that does not exist, before any authentication (as OSS does).
    /// Requests without a bucket, or with a name no bucket can have, are left to the usual checks.
    /// </summary>
    public async Task EnsureBucketExistsAsync(OssRequest r, CancellationToken ct)
    {
        if (r.Bucket is null || !Names.IsValidBucketName(r.Bucket))
        {
            return;
        }

        if (!await _store.ReadAsync(s => s.GetBucket(r.Bucket) is not null, ct).ConfigureAwait(false))
        {
            throw Errors.NoSuchBucket(r.Bucket);
        }
    }

    private Task DispatchAsync(OssRequest r, CancellationToken ct)
    {
        if (r.Key is not null && Names.KeyByteCount(r.Key) > Names.MaxKeyBytes)
        {
            throw Errors.KeyTooLong();
        }

        if (r.Bucket is not null && !Names.IsValidBucketName(r.Bucket))
        {
            throw Errors.InvalidBucketName(r.Bucket);
        }

        r.OwnerId = OwnerOf(r.Account);
        return r.Operation switch
        {
            "ListBuckets" => ListBucketsAsync(r, ct),
            "PutBucket" => PutBucketAsync(r, ct),
            "DeleteBucket" => DeleteBucketAsync(r, ct),
            "GetBucketInfo" => GetBucketInfoAsync(r, ct),
            "GetBucketLocation" => GetBucketLocationAsync(r, ct),
            "GetBucketStat" => GetBucketStatAsync(r, ct),
            "GetBucketAcl" => GetBucketAclAsync(r, ct),
            "PutBucketAcl" => PutBucketAclAsync(r, ct),
            "PutBucketVersioning" => PutBucketVersioningAsync(r, ct),
            "GetBucketVersioning" => GetBucketVersioningAsync(r, ct),
            "InitiateBucketWorm" => InitiateWormAsync(r, ct),
            "CompleteBucketWorm" => CompleteWormAsync(r, ct),
            "ExtendBucketWorm" => ExtendWormAsync(r, ct),
            "AbortBucketWorm" => AbortWormAsync(r, ct),
            "GetBucketWorm" => GetWormAsync(r, ct),
            "ListObjects" => ListObjectsAsync(r, v2: false, ct),
            "ListObjectsV2" => ListObjectsAsync(r, v2: true, ct),
            "ListObjectVersions" => ListObjectVersionsAsync(r, ct),
            "ListMultipartUploads" => ListMultipartUploadsAsync(r, ct),
            "DeleteMultipleObjects" => DeleteMultipleObjectsAsync(r, ct),
            "PutObject" => PutObjectAsync(r, ct),
            "GetObject" => GetObjectAsync(r, head: false, ct),
            "HeadObject" => GetObjectAsync(r, head: true, ct),
            "GetObjectMeta" => GetObjectMetaAsync(r, ct),
            "DeleteObject" => DeleteObjectAsync(r, ct),
            "CopyObject" => CopyObjectAsync(r, ct),
            "PutObjectTagging" => PutObjectTaggingAsync(r, ct),
            "GetObjectTagging" => GetObjectTaggingAsync(r, ct),
            "DeleteObjectTagging" => DeleteObjectTaggingAsync(r, ct),
            "GetObjectAcl" => GetObjectAclAsync(r, ct),
            "PutObjectAcl" => PutObjectAclAsync(r, ct),
            "InitiateMultipartUpload" => InitiateMultipartUploadAsync(r, ct),
            "UploadPart" => UploadPartAsync(r, ct),
            "UploadPartCopy" => UploadPartCopyAsync(r, ct),
            "CompleteMultipartUpload" => CompleteMultipartUploadAsync(r, ct),
            "AbortMultipartUpload" => AbortMultipartUploadAsync(r, ct),
            "ListParts" => ListPartsAsync(r, ct),
            "AppendObject" => AppendObjectAsync(r, ct),
            "PutSymlink" => PutSymlinkAsync(r, ct),
            "GetSymlink" => GetSymlinkAsync(r, ct),
            "RestoreObject" => RestoreObjectAsync(r, ct),
            "PostObject" => PostObjectAsync(r, ct),
            Router.NotImplemented => throw Errors.SubresourceNotImplemented(Router.UnsupportedSubresource(r)!),
            _ => throw Errors.MethodNotAllowed(r.Method),
        };
    }

    // ---- shared helpers ------------------------------------------------------------------------------

    private DateTimeOffset Now => _time.GetUtcNow();

    private static string BucketName(OssRequest r) => r.Bucket!;

    private static string KeyOf(OssRequest r) => r.Key!;

    /// <summary>The bucket, checked to exist and to be addressed through its own region's endpoint.</summary>
    private BucketRecord CheckBucket(OssRequest r, BucketRecord? bucket)
    {
        if (bucket is null)
        {
            throw Errors.NoSuchBucket(BucketName(r));
        }

        if (_options.EnforceEndpointRegion && r.HostRegion is { } hostRegion && hostRegion != bucket.Region)
        {
            throw Errors.WrongEndpoint(bucket.Name, bucket.Region);
        }

        return bucket;
    }

    private async Task<BucketRecord> RequireBucketAsync(OssRequest r, CancellationToken ct) =>
        CheckBucket(r, await _store.ReadAsync(s => s.GetBucket(BucketName(r)), ct).ConfigureAwait(false));

    private static string OwnerOf(LocalOssAccount? account)
    {
        if (account is null)
        {
            return "";
        }

        if (account.OwnerId is { Length: > 0 } owner)
        {
            return owner;
        }

        // A stable 16-digit number per key id, like an Alibaba Cloud account id.
        ulong hash = 1469598103934665603;
        foreach (var c in account.AccessKeyId)
        {
            hash = (hash ^ c) * 1099511628211;
        }

        return (1_000_000_000_000_000UL + (hash % 9_000_000_000_000_000UL)).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Refuses a write onto an existing object when forbid-overwrite is asked (unversioned buckets only, as
    /// OSS ignores it with versioning) or when a retention policy protects the object.
    /// </summary>
    private void GuardOverwrite(MetadataStore.StoreSession s, BucketRecord bucket, string key, bool forbidOverwrite)
    {
        if (!forbidOverwrite && !bucket.IsRetained)
        {
            return;
        }

        var current = s.GetCurrent(bucket.Name, key);
        if (current is null || current.IsDeleteMarker)
        {
            return;
        }

        if (bucket.IsRetained && !bucket.IsVersioned && IsProtected(bucket, current))
        {
            throw Errors.FileImmutable();
        }

        if (forbidOverwrite && !bucket.IsVersioned)
        {
            throw Errors.FileAlreadyExists();
        }
    }

    private bool IsProtected(BucketRecord bucket, ObjectRecord record) =>
        bucket.IsRetained && record.LastModified.AddDays(bucket.WormDays) > Now;

    private static bool IsTrue(string? value) => string.Equals(value, "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Everything a write request says about the new object besides its data.</summary>
    private sealed class WriteHeaders
    {
        public string ContentType { get; init; } = "application/octet-stream";

        /// <summary>True when the request sent a Content-Type (a REPLACE copy without one keeps the source's).</summary>
        public bool HasContentType { get; init; }

        public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

        public IReadOnlyList<KeyValuePair<string, string>>? Tags { get; init; }

        public string? StorageClass { get; init; }

        public string? Acl { get; init; }

        public string? Sse { get; init; }

        public string? SseKeyId { get; init; }

        public string? SseDataEncryption { get; init; }

        public bool ForbidOverwrite { get; init; }
    }

    private static WriteHeaders ParseWriteHeaders(OssRequest r) =>
        ParseWriteHeaders(r.Header, r.Http.Request.Headers.Select(h => new KeyValuePair<string, string>(h.Key, h.Value.ToString())));

    /// <summary>The write headers from any source of them: request headers, or a PostObject form's fields.</summary>
    private static WriteHeaders ParseWriteHeaders(Func<string, string?> header, IEnumerable<KeyValuePair<string, string>> all)
    {
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var name in StandardHeaders)
        {
            if (header(name) is { } value)
            {
                headers.Add(new(name, ResponseHeaderValue.Checked(name, value)));
            }
        }

        foreach (var (name, value) in all)
        {
            if (name.StartsWith("x-oss-meta-", StringComparison.OrdinalIgnoreCase))
            {
                headers.Add(new(name.ToLowerInvariant(), ResponseHeaderValue.Checked(name, value)));
            }
        }

        var storageClass = header("x-oss-storage-class");
        if (storageClass is not null)
        {
            // EC pages 0017-00000131 (the header is empty) and 0013-00000101 (not a storage class, e.g. on CopyObject).
            storageClass = StorageClasses.FirstOrDefault(c => string.Equals(c, storageClass, StringComparison.OrdinalIgnoreCase))
                           ?? throw Errors.InvalidArgument("Invalid storage class.", "x-oss-storage-class", storageClass,
                               storageClass.Length == 0 ? "0017-00000131" : "0013-00000101");
        }

        var acl = header("x-oss-object-acl");
        if (acl is not null && !ObjectAcls.Contains(acl, StringComparer.Ordinal))
        {
            throw Errors.InvalidArgument("no such object access control exists", "x-oss-object-acl", acl, "0016-00000103");
        }

        var sse = header("x-oss-server-side-encryption");
        var keyId = header("x-oss-server-side-encryption-key-id");
        var dataEncryption = header("x-oss-server-side-data-encryption");
        if (sse is not null && sse is not ("AES256" or "KMS" or "SM4"))
        {
            throw Errors.InvalidArgument("The encryption method specified is not supported", "x-oss-server-side-encryption", sse, "0016-00000104");
        }

        if ((keyId is not null || dataEncryption is not null) && sse != "KMS")
        {
            throw Errors.InvalidArgument("x-oss-server-side-encryption-key-id and x-oss-server-side-data-encryption need KMS encryption.",
                keyId is not null ? "x-oss-server-side-encryption-key-id" : "x-oss-server-side-data-encryption", keyId ?? dataEncryption!, "0016-00000105");
        }

        if (dataEncryption is not null && dataEncryption != "SM4")
        {
            throw Errors.InvalidArgument("The data encryption specified is not supported", "x-oss-server-side-data-encryption", dataEncryption, "0016-00000106");
        }

        var tagging = header("x-oss-tagging");
        var contentType = header(Http.OssHeaderNames.ContentType) is { } type ? ResponseHeaderValue.Checked(Http.OssHeaderNames.ContentType, type) : null;
        return new WriteHeaders
        {
            ContentType = contentType is { Length: > 0 } ? contentType : "application/octet-stream",
            HasContentType = contentType is { Length: > 0 },
            Headers = headers,
            Tags = tagging is null ? null : Tagging.ParseHeader(tagging),
            StorageClass = storageClass,
            Acl = acl,
            Sse = sse,
            SseKeyId = keyId,
            SseDataEncryption = dataEncryption,
            ForbidOverwrite = IsTrue(header("x-oss-forbid-overwrite")),
        };
    }

    private static void SetEncryptionHeaders(IHeaderDictionary headers, string? sse, string? keyId, string? dataEncryption)
    {
        if (sse is not null)
        {
            headers["x-oss-server-side-encryption"] = sse;
        }

        if (keyId is not null)
        {
            headers["x-oss-server-side-encryption-key-id"] = keyId;
        }

        if (dataEncryption is not null)
        {
            headers["x-oss-server-side-data-encryption"] = dataEncryption;
        }
    }

    private static void SetObjectHeaders(HttpResponse response, BucketRecord bucket, ObjectRecord o)
    {
        var h = response.Headers;
        h.ETag = Quote(o.ETag);
        h.LastModified = o.LastModified.ToString("r", CultureInfo.InvariantCulture);
        h.ContentType = o.ContentType;
        h["x-oss-object-type"] = o.ObjectType;
        h["x-oss-storage-class"] = o.StorageClass;
        h["x-oss-hash-crc64ecma"] = o.Crc64.ToString(CultureInfo.InvariantCulture);
        if (bucket.IsVersioned)
        {
            h["x-oss-version-id"] = o.VersionId;
        }

        if (o.Tags.Count > 0)
        {
            h["x-oss-tagging-count"] = o.Tags.Count.ToString(CultureInfo.InvariantCulture);
        }

        if (o.ObjectType == "Appendable")
        {
            h["x-oss-next-append-position"] = o.Size.ToString(CultureInfo.InvariantCulture);
        }

        foreach (var (name, value) in o.Headers)
        {
            h[name] = value;
        }

        SetEncryptionHeaders(h, o.Sse, o.SseKeyId, o.SseDataEncryption);
    }

    private static string Quote(string etag) => "\"" + etag + "\"";

    private static string Unquote(string etag) => etag.Trim().Trim('"');

    private static bool ETagMatches(string header, string etag)
    {
        foreach (var item in header.Split(','))
        {
            var candidate = Unquote(item);
            if (candidate == "*" || string.Equals(candidate, etag, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// HTTP conditions against an object. OSS compares Last-Modified at second precision, as the header is.
    /// The failed condition is named without the copy-source prefix for copies too: ali-oss's own tests expect
    /// "(condition: If-Match)" from OSS when a copy's x-oss-copy-source-if-match fails.
    /// </summary>
    private static void CheckConditions(ObjectRecord o, string? ifMatch, string? ifNoneMatch, string? ifModifiedSince,
        string? ifUnmodifiedSince)
    {
        var modified = TruncateToSeconds(o.LastModified);
        if (ifMatch is not null && !ETagMatches(ifMatch, o.ETag))
        {
            throw Errors.PreconditionFailed("If-Match");
        }

        if (ifUnmodifiedSince is not null && Auth.RequestAuthenticator.ParseHttpDate(ifUnmodifiedSince) is { } unmodified && modified > unmodified)
        {
            throw Errors.PreconditionFailed("If-Unmodified-Since");
        }

        if (ifNoneMatch is not null && ETagMatches(ifNoneMatch, o.ETag))
        {
            throw NotModified(o);
        }

        if (ifModifiedSince is not null && Auth.RequestAuthenticator.ParseHttpDate(ifModifiedSince) is { } since && modified <= since)
        {
            throw NotModified(o);
        }
    }

    private static OssError NotModified(ObjectRecord o)
    {
        var error = Errors.NotModified();
        error.Headers.Add(new("ETag", Quote(o.ETag)));
        error.Headers.Add(new("Last-Modified", o.LastModified.ToString("r", CultureInfo.InvariantCulture)));
        return error;
    }

    private static DateTimeOffset TruncateToSeconds(DateTimeOffset value) =>
        DateTimeOffset.FromUnixTimeSeconds(value.ToUnixTimeSeconds());

    private static async Task WriteXmlAsync(OssRequest r, XmlOut xml, CancellationToken ct, int status = 200)
    {
        var response = r.Http.Response;
        response.StatusCode = status;
        response.ContentType = "application/xml";
        await xml.WriteToAsync(response, ct).ConfigureAwait(false);
    }

    private static void NoContent(OssRequest r)
    {
        r.Http.Response.StatusCode = 204;
        r.Http.Response.ContentLength = 0;
    }

    private static void Ok(OssRequest r)
    {
        r.Http.Response.StatusCode = 200;
        r.Http.Response.ContentLength = 0;
    }

    private static bool UrlEncoding(OssRequest r)
    {
        var value = r.Q("encoding-type");
        if (value is null || value.Length == 0)
        {
            return false;
        }

        return value == "url" ? true : throw Errors.InvalidArgument("The encoding-type is invalid.", "encoding-type", value, "0016-00000110");
    }

    /// <summary>Key encoding for encoding-type=url answers (clients decode with decodeURIComponent / QueryUnescape).</summary>
    private static string? Enc(string? value, bool url) => value is null || !url ? value : OssEncoding.EscapePath(value);

    /// <summary>Streams an object's bytes (a range of its segments) to the response.</summary>
    private static async Task StreamSegmentsAsync(BlobStore blobs, IReadOnlyList<BlobSegment> segments, Stream output, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(256 * 1024);
        try
        {
            foreach (var segment in segments)
            {
                using var reader = blobs.OpenRead(segment.Sha256);
                var position = segment.Offset;
                var end = segment.Offset + segment.Length;
                while (position < end)
                {
                    var want = (int)Math.Min(buffer.Length, end - position);
                    var read = await reader.ReadAsync(position, buffer.AsMemory(0, want), ct).ConfigureAwait(false);
                    if (read == 0)
                    {
                        throw new IOException("A blob is shorter than its metadata says: " + segment.Sha256);
                    }

                    await output.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
                    position += read;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads the request body as XML and checks Content-MD5 if one was sent.</summary>
    private static async Task<System.Xml.XmlDocument> ReadXmlAsync(OssRequest r, CancellationToken ct) =>
        await XmlIn.ReadAsync(r.Http.Request.Body, ct).ConfigureAwait(false);

    private static int ParseInt(OssRequest r, string name, int defaultValue, int min, int max)
    {
        var text = r.Q(name);
        if (text is null || text.Length == 0)
        {
            return defaultValue;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw Errors.InvalidArgument($"Argument {name} must be an integer between {min} and {max}.", name, text, "0016-00000107");
        }

        return value;
    }
}
