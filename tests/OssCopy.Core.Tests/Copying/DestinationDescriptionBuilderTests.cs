using OssCopy.Core.Copying;
using OssCopy.Oss;
using OssCopy.Oss.Models;

namespace OssCopy.Core.Tests.Copying;

public class DestinationDescriptionBuilderTests
{
    private const string SourceETag = "\"5B3C1A2E053D763E1B002CC607C5A0FE\"";

    public static readonly TheoryData<string> StandardHeaders =
        ["Content-Type", "Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language", "Expires"];

    public static readonly TheoryData<string> HeadersReplacedByTheRequestAlone =
        ["Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language", "Expires"];

    public static TheoryData<string, string, CopyStrategy> EveryDirectiveKeyAndStrategy()
    {
        var data = new TheoryData<string, string, CopyStrategy>();
        foreach (var directive in new[] { OssDirective.Copy, OssDirective.Replace })
        {
            foreach (var name in ClientSideEncryptionMetadata.Names)
            {
                foreach (var strategy in new[] { CopyStrategy.SingleCopy, CopyStrategy.Multipart })
                {
                    data.Add(directive, name, strategy);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(StandardHeaders))]
    public void Copy_gives_the_destination_each_standard_header_of_the_source(string header)
    {
        var source = Source(header, "from-source");

        var description = Build(Request(OssDirective.Copy), source);

        Assert.Equal("from-source", HeaderOf(description, header));
    }

    [Theory]
    [MemberData(nameof(StandardHeaders))]
    public void Copy_leaves_a_header_the_source_lacks_absent(string header)
    {
        var description = Build(Request(OssDirective.Copy), Source(header == "Content-Type" ? "Cache-Control" : "Content-Type", "x"));

        Assert.Null(HeaderOf(description, header));
    }

    [Theory]
    [MemberData(nameof(StandardHeaders))]
    public void Replace_takes_each_standard_header_from_the_request(string header)
    {
        var description = Build(Request(OssDirective.Replace, header, "from-request"), Source(header, "from-source"));

        Assert.Equal("from-request", HeaderOf(description, header));
    }

    [Theory]
    [MemberData(nameof(HeadersReplacedByTheRequestAlone))]
    public void Replace_drops_a_header_the_request_does_not_name_even_when_the_source_has_it(string header)
    {
        var description = Build(Request(OssDirective.Replace), Source(header, "from-source"));

        Assert.Null(HeaderOf(description, header));
    }

    [Fact]
    public void Replace_without_a_Content_Type_keeps_the_sources()
    {
        var description = Build(Request(OssDirective.Replace, "Cache-Control", "no-cache"), Source("Content-Type", "image/png"));

        Assert.Equal("image/png", description.ContentType);
        Assert.Equal("no-cache", description.CacheControl);
    }

    [Fact]
    public void Without_a_directive_the_description_copies()
    {
        var description = Build(new CopyRequest { Bucket = "dst", Key = "k", SourceKey = "s" }, Source("Content-Language", "fr"));

        Assert.Equal(OssDirective.Copy, description.MetadataDirective);
        Assert.False(description.ReplacesMetadata);
        Assert.Equal("fr", description.ContentLanguage);
    }

    [Fact]
    public void Copy_gives_the_destination_all_of_the_sources_user_metadata_and_ignores_none()
    {
        var source = Props(metadata: new() { ["owner"] = "ops", ["color"] = "blue" });

        var description = Build(Request(OssDirective.Copy), source);

        Assert.Equal(Sorted(new Dictionary<string, string> { ["owner"] = "ops", ["color"] = "blue" }), Sorted(description.Metadata));
    }

    [Fact]
    public void Replace_gives_the_destination_the_requests_user_metadata_alone()
    {
        var source = Props(metadata: new() { ["owner"] = "ops", ["color"] = "blue" });
        var request = Request(OssDirective.Replace, metadata: new() { ["color"] = "red", ["size"] = "L" });

        var description = Build(request, source);

        Assert.Equal(Sorted(new Dictionary<string, string> { ["color"] = "red", ["size"] = "L" }), Sorted(description.Metadata));
    }

    [Fact]
    public void Replace_with_no_metadata_in_the_request_leaves_the_destination_without_any()
    {
        var description = Build(Request(OssDirective.Replace), Props(metadata: new() { ["owner"] = "ops" }));

        Assert.Empty(description.Metadata);
        Assert.Null(description.MetadataForCopyObject());
    }

    [Theory]
    [MemberData(nameof(EveryDirectiveKeyAndStrategy))]
    public void Client_side_encryption_metadata_of_the_source_always_reaches_the_description(string directive, string name, CopyStrategy strategy)
    {
        var source = Props(metadata: new() { [name] = "value-of-" + name, ["owner"] = "ops" });
        var request = Request(directive, metadata: directive == OssDirective.Replace ? new() { ["note"] = "replaced" } : null);

        var description = DestinationDescriptionBuilder.Build(request, source, tags: null, strategy, SourceETag);

        Assert.Equal("value-of-" + name, description.Metadata[name]);
        Assert.Equal(directive == OssDirective.Copy, description.Metadata.ContainsKey("owner"));
    }

    [Fact]
    public void Every_client_side_encryption_entry_survives_a_Replace_together()
    {
        var all = ClientSideEncryptionMetadata.Names.ToDictionary(n => n, n => "v-" + n);
        var source = Props(metadata: new(all) { ["owner"] = "ops" });

        var description = Build(Request(OssDirective.Replace, metadata: new() { ["note"] = "n" }), source);

        Assert.Equal(Sorted(new Dictionary<string, string>(all) { ["note"] = "n" }), Sorted(description.Metadata));
    }

    [Fact]
    public void A_client_side_encryption_name_no_SDK_defines_yet_is_kept_too()
    {
        var source = Props(metadata: new() { ["client-side-encryption-future-field"] = "f" });

        var description = Build(Request(OssDirective.Replace), source);

        Assert.Equal("f", description.Metadata["client-side-encryption-future-field"]);
    }

    [Fact]
    public void A_CopyObject_under_Replace_sends_the_requests_metadata_but_not_the_client_side_encryption_entries_which_OSS_keeps()
    {
        var source = Props(metadata: new() { [ClientSideEncryptionMetadata.Key] = "wrapped", [ClientSideEncryptionMetadata.Start] = "iv" });

        var description = Build(Request(OssDirective.Replace, metadata: new() { ["note"] = "n" }), source);

        Assert.Equal([new KeyValuePair<string, string>("note", "n")], Sorted(description.MetadataForCopyObject()!));
        Assert.Equal(3, description.Metadata.Count);
    }

    [Theory]
    [InlineData(CopyStrategy.SingleCopy, true, false)]
    [InlineData(CopyStrategy.Multipart, false, false)]
    [InlineData(CopyStrategy.Multipart, true, true)]
    public void Only_a_multipart_copy_asked_to_records_the_source_ETag(CopyStrategy strategy, bool record, bool recorded)
    {
        var request = new CopyRequest { Bucket = "dst", Key = "k", SourceKey = "s", RecordSourceETag = record };

        var description = DestinationDescriptionBuilder.Build(request, Props(metadata: new() { ["owner"] = "ops" }), null, strategy, SourceETag);

        Assert.Equal(recorded, description.Metadata.TryGetValue(CopyRequestValidator.SourceETagMetadata, out var etag));
        Assert.Equal(recorded ? SourceETag : null, etag);
        Assert.Equal("ops", description.Metadata["owner"]);
    }

    [Fact]
    public void ACL_storage_class_and_encryption_come_from_the_request_and_tags_as_resolved()
    {
        var request = new CopyRequest
        {
            Bucket = "dst", Key = "k", SourceKey = "s", ObjectAcl = "public-read", StorageClass = "IA",
            ServerSideEncryption = "KMS", ServerSideDataEncryption = "SM4", ServerSideEncryptionKeyId = "key-1",
        };
        var source = Props(storageClass: "Archive", sse: "AES256");
        var tags = OssTagging.Parse("a=1&b=2");

        var description = DestinationDescriptionBuilder.Build(request, source, tags, CopyStrategy.SingleCopy, SourceETag);

        Assert.Equal(("public-read", "IA", "KMS", "SM4", "key-1"),
            (description.ObjectAcl, description.StorageClass, description.ServerSideEncryption, description.ServerSideDataEncryption, description.ServerSideEncryptionKeyId));
        Assert.Same(tags, description.Tags);
    }

    [Fact]
    public void Nothing_of_the_source_class_or_encryption_is_promised_when_the_request_names_none()
    {
        var description = Build(Request(OssDirective.Copy), Props(storageClass: "IA", sse: "AES256"));

        Assert.Null(description.StorageClass);
        Assert.Null(description.ServerSideEncryption);
        Assert.Null(description.ObjectAcl);
    }

    [Fact]
    public void A_source_known_only_from_a_listing_leaves_the_Content_Type_to_OSS_under_Replace()
    {
        var listed = new OssObjectProperties { ContentLength = 10, ETag = SourceETag };

        var description = Build(Request(OssDirective.Replace), listed);

        Assert.Null(description.ContentType);
    }

    [Theory]
    [InlineData("client-side-encryption-key")]
    [InlineData("Client-Side-Encryption-Start")]
    [InlineData("client-side-encryption-anything")]
    public void A_request_may_not_set_client_side_encryption_metadata(string name)
    {
        var request = Request(OssDirective.Replace, metadata: new() { [name] = "forged" });

        var errors = CopyRequestValidator.Validate(request);

        var error = Assert.Single(errors);
        Assert.Equal(nameof(CopyRequest.Metadata), error.Field);
        Assert.Contains("client-side-encryption", error.Message, StringComparison.Ordinal);
    }

    private static DestinationDescription Build(CopyRequest request, OssObjectProperties source) =>
        DestinationDescriptionBuilder.Build(request, source, tags: null, CopyStrategy.SingleCopy, SourceETag);

    private static CopyRequest Request(string directive, string? header = null, string? value = null, Dictionary<string, string>? metadata = null) => new()
    {
        Bucket = "dst-bucket",
        Key = "dst.bin",
        SourceKey = "src.bin",
        MetadataDirective = directive,
        Metadata = metadata,
        ContentType = header == "Content-Type" ? value : null,
        CacheControl = header == "Cache-Control" ? value : null,
        ContentDisposition = header == "Content-Disposition" ? value : null,
        ContentEncoding = header == "Content-Encoding" ? value : null,
        ContentLanguage = header == "Content-Language" ? value : null,
        Expires = header == "Expires" ? value : null,
    };

    private static OssObjectProperties Source(string header, string value) => new()
    {
        ContentLength = 10,
        ETag = SourceETag,
        ContentType = header == "Content-Type" ? value : null,
        CacheControl = header == "Cache-Control" ? value : null,
        ContentDisposition = header == "Content-Disposition" ? value : null,
        ContentEncoding = header == "Content-Encoding" ? value : null,
        ContentLanguage = header == "Content-Language" ? value : null,
        Expires = header == "Expires" ? value : null,
    };

    private static OssObjectProperties Props(Dictionary<string, string>? metadata = null, string? storageClass = "Standard", string? sse = null) => new()
    {
        ContentLength = 10,
        ETag = SourceETag,
        ContentType = "text/plain",
        StorageClass = storageClass,
        Encryption = new OssEncryption(sse, null, null),
        Metadata = new Dictionary<string, string>(metadata ?? [], StringComparer.OrdinalIgnoreCase),
    };

    private static string? HeaderOf(DestinationDescription description, string header) => header switch
    {
        "Content-Type" => description.ContentType,
        "Cache-Control" => description.CacheControl,
        "Content-Disposition" => description.ContentDisposition,
        "Content-Encoding" => description.ContentEncoding,
        "Content-Language" => description.ContentLanguage,
        "Expires" => description.Expires,
        _ => throw new ArgumentOutOfRangeException(nameof(header), header, null),
    };

    private static List<KeyValuePair<string, string>> Sorted(IEnumerable<KeyValuePair<string, string>> metadata) =>
        [.. metadata.OrderBy(m => m.Key, StringComparer.Ordinal)];
}
