using System.Globalization;
using CsCheck;
using OssCopy.Core.Copying;
using OssCopy.Oss;
using OssCopy.Oss.Models;

namespace OssCopy.Core.IntegrationTests;

/// <summary>
/// The property behind issue 9: for a random source object (standard headers, user and client-side-encryption
/// metadata, tags, ACL, storage class, maybe SSE) and a random copy request (metadata and tagging directives with
/// their values, ACL, storage class, SSE, source-ETag record), a single CopyObject and a multipart copy give
/// destinations whose HEAD and tags are the same (ETag, object type, CRC, version and last-modified aside), equal to
/// the one <see cref="DestinationDescription"/> and to an independent statement of OSS's rules, and Full verification
/// passes on both. It only needs a client and two buckets in one region, so a live run can use it as it is.
/// </summary>
public static class CopySemanticsProperty
{
    /// <summary>Cases to run (default <see cref="DefaultCases"/>); a live run sets it small.</summary>
    public const string CasesVariable = "OSSCOPY_PROPERTY_CASES";

    /// <summary>A CsCheck seed to replay (printed by a failing run); a fixed one otherwise, so CI is repeatable.</summary>
    public const string SeedVariable = "OSSCOPY_PROPERTY_SEED";

    public const int DefaultCases = 120;

    /// <summary>The seed CI starts from (any CsCheck seed string; fixed, so every run checks the same cases).</summary>
    public const string DefaultSeed = "0N0XIzNsQ0O2";

    private const long PartSize = CopyEngineOptions.MinPartSize;
    private static int _cases;

    public static int Cases =>
        int.TryParse(Environment.GetEnvironmentVariable(CasesVariable), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : DefaultCases;

    public static string Seed => Environment.GetEnvironmentVariable(SeedVariable) is { Length: > 0 } seed ? seed : DefaultSeed;

    /// <summary>Runs the property; throws (with the seed and the smallest failing case found) when it does not hold.</summary>
    public static Task RunAsync(IOssClient client, string sourceBucket, string destinationBucket, Action<string> log, int? cases = null, string? seed = null) =>
        Generator.SampleAsync(c => CheckAsync(client, sourceBucket, destinationBucket, c), log, seed ?? Seed, cases ?? Cases, threads: 1, print: c => c.ToString());

    // ---- generators -------------------------------------------------------------------------------------------

    private static readonly string[] UserNames = ["owner", "color", "Mixed-Case", "empty-ish"];
    private static readonly string[] TagKeys = ["a", "b", "c", "d"];

    private static Gen<string?> Maybe(params string[] values) => Gen.OneOf<string?>([null, .. values]);

    /// <summary>A subset of <paramref name="names"/>, each with one of a few values (bit i of the mask picks name i).</summary>
    private static Gen<SortedDictionary<string, string>> Entries(string[] names, string prefix) =>
        from mask in Gen.Int[0, (1 << names.Length) - 1]
        from variant in Gen.Int[0, 2]
        select new SortedDictionary<string, string>(
            names.Where((_, i) => (mask & (1 << i)) != 0).ToDictionary(n => n, n => $"{prefix}{variant}-{n.Length}"), StringComparer.OrdinalIgnoreCase);

    private static readonly Gen<Headers> HeadersGen =
        from contentType in Gen.OneOf("text/plain", "application/json", "image/png", "application/x-encrypted")
        from cacheControl in Maybe("no-cache", "max-age=300")
        from disposition in Maybe("attachment; filename=a.bin", "inline")
        from encoding in Maybe("gzip", "identity")
        from language in Maybe("en", "zh-CN")
        from expires in Maybe("Wed, 21 Oct 2026 07:28:00 GMT", "Thu, 01 Jan 2032 00:00:00 GMT")
        select new Headers(contentType, cacheControl, disposition, encoding, language, expires);

    private static readonly Gen<SourceSpec> SourceGen =
        from size in Gen.Int[1, (int)(3 * PartSize)]
        from contentSeed in Gen.Int
        from headers in HeadersGen
        from user in Entries(UserNames, "u")
        from encryption in Entries([.. ClientSideEncryptionMetadata.Names], "cse")
        from tags in Entries(TagKeys[..3], "t")
        from acl in Maybe("private", "public-read")
        from storageClass in Gen.OneOf(OssStorageClass.Standard, OssStorageClass.IA)
        from sse in Maybe("AES256")
        select new SourceSpec(size, contentSeed, headers, Merge(user, encryption), tags, acl, storageClass, sse);

    private static readonly Gen<CopySpec> CopyGen =
        from metadataDirective in Maybe("Copy", "Replace", "REPLACE")
        from headers in HeadersGen
        from keepContentType in Gen.Bool
        from metadata in Entries(UserNames, "r")
        from taggingDirective in Maybe(CopyTaggingDirective.Copy, CopyTaggingDirective.Replace, CopyTaggingDirective.Merge)
        from tags in Entries(TagKeys[1..], "n")
        from acl in Maybe("private", "public-read", "public-read-write")
        from storageClass in Maybe(OssStorageClass.Standard, OssStorageClass.IA)
        from sse in Maybe("AES256")
        from record in Gen.Bool
        let replace = metadataDirective is not null && metadataDirective.Equals("Replace", StringComparison.OrdinalIgnoreCase)
        let tagged = taggingDirective is CopyTaggingDirective.Replace or CopyTaggingDirective.Merge
        select new CopySpec(metadataDirective, replace ? headers with { ContentType = keepContentType ? null : headers.ContentType } : null,
            replace && metadata.Count > 0 ? metadata : null, taggingDirective, tagged && tags.Count > 0 ? tags : null, acl, storageClass, sse, record);

    private static readonly Gen<Case> Generator = Gen.Select(SourceGen, CopyGen, (s, c) => new Case(s, c));

    private static SortedDictionary<string, string> Merge(SortedDictionary<string, string> a, SortedDictionary<string, string> b) =>
        new(a.Concat(b).ToDictionary(p => p.Key, p => p.Value), StringComparer.OrdinalIgnoreCase);

    // ---- one case ---------------------------------------------------------------------------------------------

    private static async Task CheckAsync(IOssClient client, string sourceBucket, string destinationBucket, Case c)
    {
        var n = Interlocked.Increment(ref _cases);
        var sourceKey = $"semantics/{n}/source.bin";
        var keys = new Dictionary<CopyStrategy, string>
        {
            [CopyStrategy.SingleCopy] = $"semantics/{n}/single.bin",
            [CopyStrategy.Multipart] = $"semantics/{n}/multipart.bin",
        };
        try
        {
            var content = new byte[c.Source.Size];
            new Random(c.Source.ContentSeed).NextBytes(content);
            await client.PutObjectAsync(new PutObjectRequest
            {
                Bucket = sourceBucket, Key = sourceKey, Body = new MemoryStream(content),
                ContentType = c.Source.Headers.ContentType, CacheControl = c.Source.Headers.CacheControl,
                ContentDisposition = c.Source.Headers.ContentDisposition, ContentEncoding = c.Source.Headers.ContentEncoding,
                ContentLanguage = c.Source.Headers.ContentLanguage, Expires = c.Source.Headers.Expires,
                Metadata = c.Source.Metadata.Count == 0 ? null : c.Source.Metadata,
                Tagging = c.Source.Tags.Count == 0 ? null : Tagging(c.Source.Tags),
                ObjectAcl = c.Source.Acl, StorageClass = c.Source.StorageClass, ServerSideEncryption = c.Source.Sse,
            });
            var source = (await client.HeadObjectAsync(new HeadObjectRequest { Bucket = sourceBucket, Key = sourceKey })).Properties;
            var expectedTags = ExpectedTags(c);

            var shapes = new Dictionary<CopyStrategy, Shape>();
            foreach (var (strategy, key) in keys)
            {
                var request = c.Copy.Request(sourceBucket, sourceKey, destinationBucket, key);
                var outcome = await Orchestrator(client, strategy).CopyAsync(request);
                Assert.True(outcome is { Status: CopyStatus.Copied, Verified: true },
                    $"{strategy}: {outcome.Status}: {(outcome.VerificationErrors.Count > 0 ? string.Join("; ", outcome.VerificationErrors) : outcome.Error?.Message)}");
                Assert.Equal(strategy, outcome.Strategy);

                var head = (await client.HeadObjectAsync(new HeadObjectRequest { Bucket = destinationBucket, Key = key })).Properties;
                var tags = head.TaggingCount == 0
                    ? OssTagging.Empty
                    : (await client.GetObjectTaggingAsync(new GetObjectTaggingRequest { Bucket = destinationBucket, Key = key })).Tags;
                var shape = Shape.Of(head, tags);
                Assert.Equal(request.ObjectAcl ?? "default", await ReadAclAsync(client, destinationBucket, key));

                // Equal to the one description the engine copied from ...
                var description = DestinationDescriptionBuilder.Build(request, source, expectedTags, strategy, source.ETag);
                Assert.Equal(Shape.Of(description, source.ContentLength), shape);

                // ... and to OSS's rules stated here once more, independently of the builder.
                Assert.Equal(Rules(c, source, expectedTags, strategy), shape);
                shapes[strategy] = shape;
            }

            // The two paths agree, apart from the record of the source ETag only a multipart copy writes.
            Assert.Equal(shapes[CopyStrategy.SingleCopy], shapes[CopyStrategy.Multipart].WithoutLineage());
        }
        finally
        {
            foreach (var key in keys.Values.Append(sourceKey))
            {
                await client.DeleteObjectAsync(new DeleteObjectRequest { Bucket = key == sourceKey ? sourceBucket : destinationBucket, Key = key });
            }
        }
    }

    private static CopyOrchestrator Orchestrator(IOssClient client, CopyStrategy strategy) =>
        LocalOssFixture.Orchestrator(client, o =>
        {
            o.Verification = CopyVerification.Full;
            o.PartSize = PartSize;
            o.PartParallelism = 2;
            if (strategy == CopyStrategy.Multipart)
            {
                o.MultipartThreshold = 1;
            }
        });

    /// <summary>
    /// The object's ACL through a presigned GetObjectAcl (<c>?acl</c>): the engine's client has no call for it, and
    /// ACL is not in a HEAD. <c>default</c> means the bucket's.
    /// </summary>
    private static async Task<string?> ReadAclAsync(IOssClient client, string bucket, string key)
    {
        var url = await client.PresignGetObjectAsync(new PresignGetObjectRequest
        {
            Bucket = bucket, Key = key, QueryParameters = new Dictionary<string, string> { ["acl"] = "" },
        });
        using var response = await Http.GetAsync(url.Url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GetObjectAcl {bucket}/{key}: {(int)response.StatusCode} {body}");
        return System.Xml.Linq.XDocument.Parse(body).Descendants().FirstOrDefault(e => e.Name.LocalName == "Grant")?.Value;
    }

    private static readonly HttpClient Http = new();

    private static OssTagging ExpectedTags(Case c)
    {
        var requested = c.Copy.Tags ?? new SortedDictionary<string, string>();
        var tags = c.Copy.TaggingDirective switch
        {
            CopyTaggingDirective.Replace => new Dictionary<string, string>(requested),
            CopyTaggingDirective.Merge => c.Source.Tags.Where(t => !requested.ContainsKey(t.Key)).Concat(requested).ToDictionary(),
            _ => new Dictionary<string, string>(c.Source.Tags),
        };
        return new OssTagging(tags);
    }

    /// <summary>OSS's copy rules, stated from the generated case (not from the engine's builder).</summary>
    private static Shape Rules(Case c, OssObjectProperties source, OssTagging tags, CopyStrategy strategy)
    {
        var replace = c.Copy.MetadataDirective?.Equals("Replace", StringComparison.OrdinalIgnoreCase) == true;
        var metadata = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in replace ? c.Copy.Metadata ?? [] : c.Source.Metadata)
        {
            metadata[name.ToLowerInvariant()] = value;
        }

        // Whatever the directive and the path: the ciphertext's description comes along.
        foreach (var (name, value) in c.Source.Metadata.Where(m => m.Key.StartsWith("client-side-encryption-", StringComparison.Ordinal)))
        {
            metadata[name] = value;
        }

        if (strategy == CopyStrategy.Multipart && c.Copy.RecordSourceETag)
        {
            metadata[CopyRequestValidator.SourceETagMetadata] = source.ETag!;
        }

        var h = replace ? c.Copy.Headers! with { ContentType = c.Copy.Headers!.ContentType ?? c.Source.Headers.ContentType } : c.Source.Headers;
        return new Shape(c.Source.Size, h.ContentType, h.CacheControl, h.ContentDisposition, h.ContentEncoding, h.ContentLanguage, Instant(h.Expires),
            c.Copy.StorageClass ?? OssStorageClass.Standard, c.Copy.Sse, Text(metadata), Text(tags.Tags));
    }

    private static string Tagging(IEnumerable<KeyValuePair<string, string>> tags) => new OssTagging(tags).ToString();

    private static string Text(IEnumerable<KeyValuePair<string, string>> entries) =>
        string.Join(";", entries.Select(e => $"{e.Key.ToLowerInvariant()}={e.Value}").Order(StringComparer.Ordinal));

    private static string? Instant(string? expires) =>
        expires is null ? null
        : DateTimeOffset.TryParse(expires, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t) ? t.ToString("O", CultureInfo.InvariantCulture)
        : expires;

    // ---- the case and what is compared ------------------------------------------------------------------------

    internal sealed record Headers(string? ContentType, string? CacheControl, string? ContentDisposition, string? ContentEncoding, string? ContentLanguage, string? Expires)
    {
        public override string ToString() =>
            $"Content-Type={ContentType}, Cache-Control={CacheControl}, Content-Disposition={ContentDisposition}, Content-Encoding={ContentEncoding}, Content-Language={ContentLanguage}, Expires={Expires}";
    }

    internal sealed record SourceSpec(int Size, int ContentSeed, Headers Headers, SortedDictionary<string, string> Metadata,
        SortedDictionary<string, string> Tags, string? Acl, string StorageClass, string? Sse)
    {
        public override string ToString() =>
            $"source {{ {Size} bytes, {Headers}, metadata [{Text(Metadata)}], tags [{Text(Tags)}], acl {Acl}, class {StorageClass}, sse {Sse} }}";
    }

    internal sealed record CopySpec(string? MetadataDirective, Headers? Headers, SortedDictionary<string, string>? Metadata,
        string? TaggingDirective, SortedDictionary<string, string>? Tags, string? Acl, string? StorageClass, string? Sse, bool RecordSourceETag)
    {
        public CopyRequest Request(string sourceBucket, string sourceKey, string bucket, string key) => new()
        {
            SourceBucket = sourceBucket,
            SourceKey = sourceKey,
            Bucket = bucket,
            Key = key,
            MetadataDirective = MetadataDirective,
            ContentType = Headers?.ContentType,
            CacheControl = Headers?.CacheControl,
            ContentDisposition = Headers?.ContentDisposition,
            ContentEncoding = Headers?.ContentEncoding,
            ContentLanguage = Headers?.ContentLanguage,
            Expires = Headers?.Expires,
            Metadata = Metadata,
            TaggingDirective = TaggingDirective,
            Tagging = Tags is null ? null : Tagging(Tags),
            ObjectAcl = Acl,
            StorageClass = StorageClass,
            ServerSideEncryption = Sse,
            RecordSourceETag = RecordSourceETag,
        };

        public override string ToString() =>
            $"copy {{ metadata directive {MetadataDirective ?? "(none)"}, {Headers?.ToString() ?? "no headers"}, metadata [{(Metadata is null ? "" : Text(Metadata))}], " +
            $"tagging directive {TaggingDirective ?? "(none)"}, tags [{(Tags is null ? "" : Text(Tags))}], acl {Acl}, class {StorageClass}, sse {Sse}, record source ETag {RecordSourceETag} }}";
    }

    internal sealed record Case(SourceSpec Source, CopySpec Copy)
    {
        public override string ToString() => $"{Source} {Copy}";
    }

    /// <summary>What a destination looks like through HEAD and GetObjectTagging, less what differs by nature between copies.</summary>
    internal sealed record Shape(long Size, string? ContentType, string? CacheControl, string? ContentDisposition, string? ContentEncoding,
        string? ContentLanguage, string? Expires, string? StorageClass, string? ServerSideEncryption, string Metadata, string Tags)
    {
        public static Shape Of(OssObjectProperties head, OssTagging tags) => new(head.ContentLength, head.ContentType, head.CacheControl,
            head.ContentDisposition, head.ContentEncoding, head.ContentLanguage, Instant(head.Expires), head.StorageClass,
            head.Encryption.ServerSideEncryption, Text(head.Metadata), Text(tags.Tags));

        public static Shape Of(DestinationDescription d, long size) => new(size, d.ContentType, d.CacheControl, d.ContentDisposition,
            d.ContentEncoding, d.ContentLanguage, Instant(d.Expires), d.StorageClass ?? OssStorageClass.Standard, d.ServerSideEncryption,
            Text(d.Metadata), d.Tags is null ? "" : Text(d.Tags.Tags));

        public Shape WithoutLineage() => this with
        {
            Metadata = string.Join(";", Metadata.Split(';').Where(e => !e.StartsWith(CopyRequestValidator.SourceETagMetadata + "=", StringComparison.Ordinal))),
        };
    }
}
