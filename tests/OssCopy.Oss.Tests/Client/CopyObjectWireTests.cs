using System.Net;
using OssCopy.Oss.Models;
using OssCopy.Oss.Tests.Support;

namespace OssCopy.Oss.Tests.Client;

public class CopyObjectWireTests
{
    // The CopyObject answer of oss-protocol.md section 5.3, with the headers the Go v2 tests assert.
    private const string CopyResultXml = """
        <?xml version="1.0" encoding="UTF-8"?>
        <CopyObjectResult>
          <ETag>"F2064A169EE92E9775EE5324D0B1****"</ETag>
          <LastModified>2023-02-24T09:41:56.000Z</LastModified>
        </CopyObjectResult>
        """;

    private static readonly (string, string)[] CopyResultHeaders =
    [
        ("x-oss-hash-crc64ecma", "870718044876840****".Replace("****", "1234", StringComparison.Ordinal)),
        ("x-oss-version-id", "CAEQHxiBgMD0ooWf3hgiIDcyMzYzZTJkZjgwYzRmN2FhNTZkMWZlMGY0YTVkM2M0"),
        ("x-oss-copy-source-version-id", "CAEQHxiBgICDvseg3hgiIGZmOGNjNWJiZDUzNjQxNDM4MWM2NDc1YjhkYTk3****"),
        ("x-oss-server-side-encryption", "KMS"),
        ("x-oss-server-side-data-encryption", "SM4"),
        ("x-oss-server-side-encryption-key-id", "9468da86-3509-4f8d-a61e-6eab1eac****"),
    ];

    [Fact]
    public async Task Sends_every_option_as_the_official_sdks_do()
    {
        var handler = new RecordingHandler().ThenRespond(HttpStatusCode.OK, CopyResultXml, CopyResultHeaders);
        var client = TestClients.Create(handler);

        await client.CopyObjectAsync(new CopyObjectRequest
        {
            Bucket = "dest-bucket",
            Key = "dir/dest key.txt",
            SourceBucket = "src-bucket",
            SourceKey = "oss-src-dir/oss-src-obj+123",
            SourceVersionId = "CAEQNhiBgM0BYiIDc4MGZjZGI2OTBjOTRmNTE5NmU5NmFhZjhjYmY*****",
            ForbidOverwrite = true,
            Tagging = "TagA=A&TagB=B b",
            TaggingDirective = "replace",
            MetadataDirective = "Replace",
            Metadata = new Dictionary<string, string> { ["Author"] = "alice", ["magic"] = "abracadabra" },
            ContentType = "text/plain",
            CacheControl = "no-cache",
            ContentDisposition = "attachment",
            ContentEncoding = "gzip",
            Expires = "Wed, 21 Oct 2026 07:28:00 GMT",
            CopySourceIfMatch = "\"5B3C1A2E053D763E1B002CC607C5A0FE\"",
            CopySourceIfNoneMatch = "\"00000000000000000000000000000000\"",
            CopySourceIfModifiedSince = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
            CopySourceIfUnmodifiedSince = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero),
            ServerSideEncryption = "kms",
            ServerSideDataEncryption = "SM4",
            ServerSideEncryptionKeyId = "9468da86-3509-4f8d-a61e-6eab1eac****",
            ObjectAcl = "private",
            StorageClass = "ia",
            TrafficLimit = 819200,
        });

        var sent = Assert.Single(handler.Requests);
        Assert.Equal("PUT", sent.Method);
        Assert.Equal("https://dest-bucket.oss-cn-hangzhou.aliyuncs.com/dir/dest%20key.txt", sent.Uri.ToString());
        Assert.Equal("/src-bucket/oss-src-dir/oss-src-obj%2B123?versionId=CAEQNhiBgM0BYiIDc4MGZjZGI2OTBjOTRmNTE5NmU5NmFhZjhjYmY*****", sent.Header("x-oss-copy-source"));
        Assert.Equal("true", sent.Header("x-oss-forbid-overwrite"));
        Assert.Equal("TagA=A&TagB=B%20b", sent.Header("x-oss-tagging"));
        Assert.Equal("Replace", sent.Header("x-oss-tagging-directive"));
        Assert.Equal("REPLACE", sent.Header("x-oss-metadata-directive"));
        Assert.Equal("alice", sent.Header("x-oss-meta-author"));
        Assert.Equal("abracadabra", sent.Header("x-oss-meta-magic"));
        Assert.Equal("text/plain", sent.Header("Content-Type"));
        Assert.Equal("no-cache", sent.Header("Cache-Control"));
        Assert.Equal("attachment", sent.Header("Content-Disposition"));
        Assert.Equal("gzip", sent.Header("Content-Encoding"));
        Assert.Equal("Wed, 21 Oct 2026 07:28:00 GMT", sent.Header("Expires"));
        Assert.Equal("\"5B3C1A2E053D763E1B002CC607C5A0FE\"", sent.Header("x-oss-copy-source-if-match"));
        Assert.Equal("\"00000000000000000000000000000000\"", sent.Header("x-oss-copy-source-if-none-match"));
        Assert.Equal("Fri, 02 Jan 2026 03:04:05 GMT", sent.Header("x-oss-copy-source-if-modified-since"));
        Assert.Equal("Sun, 01 Nov 2026 00:00:00 GMT", sent.Header("x-oss-copy-source-if-unmodified-since"));
        Assert.Equal("KMS", sent.Header("x-oss-server-side-encryption"));
        Assert.Equal("SM4", sent.Header("x-oss-server-side-data-encryption"));
        Assert.Equal("9468da86-3509-4f8d-a61e-6eab1eac****", sent.Header("x-oss-server-side-encryption-key-id"));
        Assert.Equal("private", sent.Header("x-oss-object-acl"));
        Assert.Equal("IA", sent.Header("x-oss-storage-class"));
        Assert.Equal("819200", sent.Header("x-oss-traffic-limit"));
        Assert.Equal("20261125T080000Z", sent.Header("x-oss-date"));
        Assert.Equal("UNSIGNED-PAYLOAD", sent.Header("x-oss-content-sha256"));
        Assert.Empty(sent.Body);
        WireVerifier.AssertV4Signature(sent, pathStyle: false);
    }

    [Fact]
    public async Task Minimal_copy_sends_only_the_copy_source_and_defaults_the_source_bucket()
    {
        var handler = new RecordingHandler().ThenRespond(HttpStatusCode.OK, CopyResultXml);
        var client = TestClients.Create(handler);

        await client.CopyObjectAsync(new CopyObjectRequest { Bucket = "oss-bucket", Key = "oss-key", SourceKey = "oss-src-key" });

        var sent = Assert.Single(handler.Requests);
        Assert.Equal("/oss-bucket/oss-src-key", sent.Header("x-oss-copy-source"));
        var ossHeaders = sent.Headers.Keys.Where(h => h.StartsWith("x-oss-", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal);
        Assert.Equal(["x-oss-content-sha256", "x-oss-copy-source", "x-oss-date"], ossHeaders);
        Assert.Null(sent.Header("Content-Type"));
    }

    [Fact]
    public async Task Result_exposes_every_field_of_the_answer()
    {
        var handler = new RecordingHandler().ThenRespond(HttpStatusCode.OK, CopyResultXml, CopyResultHeaders);
        var client = TestClients.Create(handler);

        var result = await client.CopyObjectAsync(new CopyObjectRequest { Bucket = "b-1", Key = "k", SourceKey = "s" });

        Assert.Equal(200, result.StatusCode);
        Assert.Equal("5C3D9175B6FC201293AD4890", result.RequestId);
        Assert.Equal("\"F2064A169EE92E9775EE5324D0B1****\"", result.ETag);
        Assert.Equal(new DateTimeOffset(2023, 2, 24, 9, 41, 56, TimeSpan.Zero), result.LastModified);
        Assert.Equal(8707180448768401234UL, result.HashCrc64);
        Assert.Equal("CAEQHxiBgMD0ooWf3hgiIDcyMzYzZTJkZjgwYzRmN2FhNTZkMWZlMGY0YTVkM2M0", result.VersionId);
        Assert.Equal("CAEQHxiBgICDvseg3hgiIGZmOGNjNWJiZDUzNjQxNDM4MWM2NDc1YjhkYTk3****", result.SourceVersionId);
        Assert.Equal(new OssEncryption("KMS", "SM4", "9468da86-3509-4f8d-a61e-6eab1eac****"), result.Encryption);
        Assert.False(result.ConfirmedAfterRetry);
        Assert.Equal("KMS", result.Headers["x-oss-server-side-encryption"]);
    }

    public static TheoryData<string, string> SpecialKeys => new()
    {
        { "key with spaces.txt", "key%20with%20spaces.txt" },
        { "a+b=c&d.txt", "a%2Bb%3Dc%26d.txt" },
        { "100%/done?#frag", "100%25/done%3F%23frag" },
        { "unicode/中文/ü.txt", "unicode/%E4%B8%AD%E6%96%87/%C3%BC.txt" },
        { "double//slash", "double//slash" },
        { "/leading-slash", "/leading-slash" },
        { "dots/../and/./segments", "dots/../and/./segments" },
        { "tilde~_-.all-unreserved", "tilde~_-.all-unreserved" },
        { "quote'(paren)!*", "quote%27%28paren%29%21%2A" },
    };

    [Theory]
    [MemberData(nameof(SpecialKeys))]
    public async Task Keys_are_encoded_as_the_official_sdks_do_in_the_path_and_the_copy_source(string key, string escaped)
    {
        var handler = new RecordingHandler().ThenRespond(HttpStatusCode.OK, CopyResultXml);
        var client = TestClients.Create(handler, endpoint: "http://127.0.0.1:9000");

        await client.CopyObjectAsync(new CopyObjectRequest { Bucket = "dest", Key = key, SourceBucket = "src", SourceKey = key });

        var sent = Assert.Single(handler.Requests);
        Assert.Equal("/dest/" + escaped, sent.Uri.AbsolutePath);
        Assert.Equal("/src/" + escaped, sent.Header("x-oss-copy-source"));
        Assert.Equal(("dest", key), WireVerifier.BucketAndKey(sent, pathStyle: true));
        WireVerifier.AssertV4Signature(sent, pathStyle: true);
    }

    [Fact]
    public async Task A_key_of_1023_bytes_is_sent_and_one_of_1024_is_refused_before_any_request()
    {
        var handler = new RecordingHandler().ThenRespond(HttpStatusCode.OK, CopyResultXml);
        var client = TestClients.Create(handler);
        var longest = new string('k', 1020) + "中"; // 1020 + 3 bytes of UTF-8

        await client.CopyObjectAsync(new CopyObjectRequest { Bucket = "b-1", Key = longest, SourceKey = longest });
        var tooLong = new string('k', 1021) + "中";
        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            client.CopyObjectAsync(new CopyObjectRequest { Bucket = "b-1", Key = "ok", SourceKey = tooLong }));

        Assert.Equal("SourceKey", error.ParamName);
        Assert.Single(handler.Requests);
    }

    public static TheoryData<string, Func<CopyObjectRequest>> InvalidRequests => new()
    {
        { "Bucket", () => new CopyObjectRequest { Bucket = "Bad_Bucket", Key = "k", SourceKey = "s" } },
        { "SourceBucket", () => new CopyObjectRequest { Bucket = "ok-bucket", Key = "k", SourceBucket = "-x", SourceKey = "s" } },
        { "Key", () => new CopyObjectRequest { Bucket = "ok-bucket", Key = string.Empty, SourceKey = "s" } },
        { "SourceKey", () => new CopyObjectRequest { Bucket = "ok-bucket", Key = "k", SourceKey = string.Empty } },
        { "TaggingDirective", () => new CopyObjectRequest { Bucket = "ok-bucket", Key = "k", SourceKey = "s", TaggingDirective = "Merge" } },
        { "MetadataDirective", () => new CopyObjectRequest { Bucket = "ok-bucket", Key = "k", SourceKey = "s", MetadataDirective = "KEEP" } },
        { "Tagging", () => new CopyObjectRequest { Bucket = "ok-bucket", Key = "k", SourceKey = "s", Tagging = string.Join('&', Enumerable.Range(0, 11).Select(i => $"k{i}=v")) } },
        { "Tagging", () => new CopyObjectRequest { Bucket = "ok-bucket", Key = "k", SourceKey = "s", Tagging = new string('k', 129) + "=v" } },
        { "Tagging", () => new CopyObjectRequest { Bucket = "ok-bucket", Key = "k", SourceKey = "s", Tagging = "k=" + new string('v', 257) } },
        { "Tagging", () => new CopyObjectRequest { Bucket = "ok-bucket", Key = "k", SourceKey = "s", Tagging = "aa=bb=cc" } },
        { "Tagging", () => new CopyObjectRequest { Bucket = "ok-bucket", Key = "k", SourceKey = "s", Tagging = "a=1&a=2" } },
        { "CopyObjectRequest.StorageClass", () => new CopyObjectRequest { Bucket = "ok-bucket", Key = "k", SourceKey = "s", StorageClass = "Glacier" } },
        { "CopyObjectRequest.ServerSideEncryption", () => new CopyObjectRequest { Bucket = "ok-bucket", Key = "k", SourceKey = "s", ServerSideEncryption = "DES" } },
        { "CopyObjectRequest.ServerSideEncryptionKeyId", () => new CopyObjectRequest { Bucket = "ok-bucket", Key = "k", SourceKey = "s", ServerSideEncryption = "AES256", ServerSideEncryptionKeyId = "key" } },
        { "CopyObjectRequest.ObjectAcl", () => new CopyObjectRequest { Bucket = "ok-bucket", Key = "k", SourceKey = "s", ObjectAcl = "everyone" } },
        { "Metadata", () => new CopyObjectRequest { Bucket = "ok-bucket", Key = "k", SourceKey = "s", Metadata = new Dictionary<string, string> { ["bad name"] = "v" } } },
        { "SourceVersionId", () => new CopyObjectRequest { Bucket = "ok-bucket", Key = "k", SourceKey = "s", SourceVersionId = string.Empty } },
        { "TrafficLimit", () => new CopyObjectRequest { Bucket = "ok-bucket", Key = "k", SourceKey = "s", TrafficLimit = 0 } },
    };

    [Theory]
    [MemberData(nameof(InvalidRequests))]
    public async Task Invalid_input_is_refused_naming_the_field_before_any_request(string field, Func<CopyObjectRequest> build)
    {
        var handler = new RecordingHandler();
        var client = TestClients.Create(handler);

        var error = await Assert.ThrowsAnyAsync<ArgumentException>(() => client.CopyObjectAsync(build()));

        Assert.Equal(field, error.ParamName);
        Assert.Empty(handler.Requests);
    }
}
