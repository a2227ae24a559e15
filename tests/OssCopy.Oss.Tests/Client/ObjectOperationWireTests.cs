using System.Net;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using OssCopy.Oss.Hashing;
using OssCopy.Oss.Models;
using OssCopy.Oss.Signing;
using OssCopy.Oss.Tests.Signing;
using OssCopy.Oss.Tests.Support;

namespace OssCopy.Oss.Tests.Client;

public class ObjectOperationWireTests
{
    private static readonly byte[] Payload = Encoding.UTF8.GetBytes("hi oss,append object");
    private static readonly string PayloadCrc = Crc64.Format(Crc64.Compute(Payload));

    [Fact]
    public async Task PutObject_streams_the_body_with_its_headers_and_checks_the_CRC()
    {
        var handler = new RecordingHandler().ThenRespond(HttpStatusCode.OK, null,
            ("ETag", "\"5B3C1A2E053D763E1B002CC607C5A0FE\""), ("x-oss-hash-crc64ecma", PayloadCrc), ("x-oss-version-id", "v1"), ("Content-MD5", "md5"));
        var client = TestClients.Create(handler);

        var result = await client.PutObjectAsync(new PutObjectRequest
        {
            Bucket = "bucket",
            Key = "dir/file.txt",
            Body = new MemoryStream(Payload),
            ContentType = "text/plain",
            ContentLanguage = "zh-CN",
            Metadata = new Dictionary<string, string> { ["Owner"] = "me" },
            Tagging = "a=1",
            ForbidOverwrite = false,
            StorageClass = "Archive",
        });

        var sent = Assert.Single(handler.Requests);
        Assert.Equal(("PUT", "/dir/file.txt"), (sent.Method, sent.Path));
        Assert.Equal(Payload, sent.Body);
        Assert.Equal("text/plain", sent.Header("Content-Type"));
        Assert.Equal("zh-CN", sent.Header("Content-Language"));
        Assert.Equal(Payload.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), sent.Header("Content-Length"));
        Assert.Equal("me", sent.Header("x-oss-meta-owner"));
        Assert.Equal("a=1", sent.Header("x-oss-tagging"));
        Assert.Equal("false", sent.Header("x-oss-forbid-overwrite"));
        Assert.Equal("Archive", sent.Header("x-oss-storage-class"));
        WireVerifier.AssertV4Signature(sent, pathStyle: false);
        Assert.Equal(("\"5B3C1A2E053D763E1B002CC607C5A0FE\"", Crc64.Compute(Payload), "v1"), (result.ETag, result.HashCrc64!.Value, result.VersionId));
    }

    [Fact]
    public async Task PutObject_fails_loudly_when_the_service_hashed_other_bytes()
    {
        var handler = new RecordingHandler().ThenRespond(HttpStatusCode.OK, null, ("ETag", "\"E\""), ("x-oss-hash-crc64ecma", "12345"));
        var client = TestClients.Create(handler);

        var error = await Assert.ThrowsAsync<OssException>(() =>
            client.PutObjectAsync(new PutObjectRequest { Bucket = "bucket", Key = "k", Body = new MemoryStream(Payload) }));

        Assert.Equal("InconsistentCrc", error.ErrorCode);
        Assert.Contains(PayloadCrc, error.Message, StringComparison.Ordinal);
        Assert.Equal("5C3D9175B6FC201293AD4890", error.RequestId);
    }

    [Fact]
    public async Task GetObject_streams_and_verifies_a_full_read()
    {
        var handler = new RecordingHandler().Then(_ => Download(Payload, PayloadCrc));
        var client = TestClients.Create(handler);

        await using var result = await client.GetObjectAsync(new GetObjectRequest { Bucket = "bucket", Key = "k", VersionId = "v 1" });
        using var copy = new MemoryStream();
        await result.Content.CopyToAsync(copy);

        Assert.Equal(Payload, copy.ToArray());
        Assert.Equal("/k?versionId=v%201", handler.Requests[0].PathAndQuery);
        Assert.Equal(Payload.Length, result.Properties.ContentLength);
        Assert.Equal("Normal", result.Properties.ObjectType);
        Assert.Equal("bar", result.Properties.Metadata["foo"]);
        Assert.Equal(2, result.Properties.TaggingCount);
    }

    [Fact]
    public async Task GetObject_raises_an_error_at_the_end_when_the_bytes_do_not_match_the_CRC()
    {
        var handler = new RecordingHandler().Then(_ => Download(Payload, "1"));
        var client = TestClients.Create(handler);

        await using var result = await client.GetObjectAsync(new GetObjectRequest { Bucket = "bucket", Key = "k" });
        var error = await Assert.ThrowsAsync<OssException>(() => result.Content.CopyToAsync(Stream.Null));

        Assert.Equal("InconsistentCrc", error.ErrorCode);
    }

    [Fact]
    public async Task GetObject_sends_the_range_and_conditions_and_does_not_verify_a_partial_read()
    {
        var handler = new RecordingHandler().Then(_ =>
        {
            var response = Download(Payload.AsSpan(3, 4).ToArray(), PayloadCrc);
            response.StatusCode = HttpStatusCode.PartialContent;
            response.Content.Headers.TryAddWithoutValidation("Content-Range", $"bytes 3-6/{Payload.Length}");
            return response;
        });
        var client = TestClients.Create(handler);

        await using var result = await client.GetObjectAsync(new GetObjectRequest
        {
            Bucket = "bucket",
            Key = "k",
            Range = new OssByteRange(3, 6),
            IfMatch = "\"A\"",
            IfModifiedSince = TestClients.Now.AddDays(-1),
        });
        using var copy = new MemoryStream();
        await result.Content.CopyToAsync(copy);

        Assert.Equal(206, result.StatusCode);
        Assert.Equal("oss,", Encoding.UTF8.GetString(copy.ToArray()));
        Assert.Equal($"bytes 3-6/{Payload.Length}", result.ContentRange);
        var sent = handler.Requests[0];
        Assert.Equal(("bytes=3-6", "\"A\"", "Tue, 24 Nov 2026 08:00:00 GMT"), (sent.Header("Range"), sent.Header("If-Match"), sent.Header("If-Modified-Since")));
    }

    [Fact]
    public async Task HeadObject_reads_every_property()
    {
        var handler = new RecordingHandler().Then(_ => Download([], PayloadCrc, contentLength: 344606));
        var client = TestClients.Create(handler);

        var result = await client.HeadObjectAsync(new HeadObjectRequest { Bucket = "bucket", Key = "k" });

        var p = result.Properties;
        Assert.Equal("HEAD", handler.Requests[0].Method);
        Assert.Equal(344606, p.ContentLength);
        Assert.Equal("\"5B3C1A2E053D763E1B002CC607C5A0FE\"", p.ETag);
        Assert.Equal(new DateTimeOffset(2012, 2, 24, 8, 43, 7, TimeSpan.Zero), p.LastModified);
        Assert.Equal(("Normal", "IA", Crc64.Compute(Payload)), (p.ObjectType, p.StorageClass, p.HashCrc64!.Value));
        Assert.Equal(("text/plain", "no-cache", "inline", "identity"), (p.ContentType, p.CacheControl, p.ContentDisposition, p.ContentEncoding));
        Assert.Equal(new OssEncryption("AES256", null, null), p.Encryption);
        Assert.Equal(("ver", false), (p.VersionId, p.IsDeleteMarker));
    }

    [Fact]
    public async Task DeleteObject_reports_a_delete_marker()
    {
        var handler = new RecordingHandler().ThenRespond(HttpStatusCode.NoContent, null, ("x-oss-delete-marker", "true"), ("x-oss-version-id", "dm"));
        var client = TestClients.Create(handler);

        var result = await client.DeleteObjectAsync(new DeleteObjectRequest { Bucket = "bucket", Key = "k" });

        Assert.Equal(("DELETE", 204, true, "dm"), (handler.Requests[0].Method, result.StatusCode, result.IsDeleteMarker, result.VersionId));
    }

    [Fact]
    public async Task Tagging_is_read_and_written_as_OSS_XML()
    {
        var handler = new RecordingHandler()
            .ThenRespond(HttpStatusCode.OK, "<Tagging><TagSet><Tag><Key>k1</Key><Value>v1</Value></Tag><Tag><Key>k 2</Key><Value></Value></Tag></TagSet></Tagging>")
            .ThenRespond(HttpStatusCode.OK);
        var client = TestClients.Create(handler);

        var tags = await client.GetObjectTaggingAsync(new GetObjectTaggingRequest { Bucket = "bucket", Key = "k" });
        await client.PutObjectTaggingAsync(new PutObjectTaggingRequest { Bucket = "bucket", Key = "k", Tags = OssTagging.Parse("k1=v1") });

        Assert.Equal("/k?tagging", handler.Requests[0].PathAndQuery);
        Assert.Equal("k1=v1&k%202", tags.Tags.ToString());
        Assert.Equal("v1", tags.Tags["k1"]);
        Assert.Equal("/k?tagging", handler.Requests[1].PathAndQuery);
        Assert.Equal("<Tagging><TagSet><Tag><Key>k1</Key><Value>v1</Value></Tag></TagSet></Tagging>", handler.Requests[1].BodyText);
        WireVerifier.AssertV4Signature(handler.Requests[1], pathStyle: false);
    }

    [Theory]
    [InlineData("v1_query_presign_versionId")]
    [InlineData("v1_query_presign_token_plus_in_key")]
    public async Task V1_presigned_URLs_equal_the_official_sdks(string name)
    {
        var vector = SignatureVectors.Find("signature-v1.json", name);
        var input = vector.GetProperty("input");
        var expires = long.Parse(input.GetProperty("expires_unix").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        var expected = new Uri(vector.GetProperty("expected").GetProperty("presigned_url").GetString()!);
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(expires - 900));
        var options = new OssClientOptions { Region = "cn-hangzhou", SignatureVersion = OssSignatureVersion.V1, DisableSsl = true };
        var credentials = new Credentials.StaticCredentialsProvider(new Credentials.OssCredentials(
            input.GetProperty("access_key_id").GetString()!, input.GetProperty("access_key_secret").GetString()!, input.GetProperty("security_token").GetString()));
        var client = OssClient.Create(options, credentials, new RecordingHandler(), timeProvider: time);

        var presigned = await client.PresignGetObjectAsync(new PresignGetObjectRequest
        {
            Bucket = input.GetProperty("bucket").GetString()!,
            Key = input.GetProperty("key").GetString()!,
            VersionId = "versionId",
            Expiry = TimeSpan.FromSeconds(900),
        });

        Assert.Equal(expected.GetLeftPart(UriPartial.Path), presigned.Url.GetLeftPart(UriPartial.Path));
        Assert.Equal(
            expected.Query.TrimStart('?').Split('&').Order(StringComparer.Ordinal),
            presigned.Url.Query.TrimStart('?').Split('&').Order(StringComparer.Ordinal));
        Assert.DoesNotContain("Signature", presigned.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task V4_presigned_URL_carries_the_signature_parameters_and_refuses_more_than_seven_days()
    {
        var client = TestClients.Create(new RecordingHandler(), withToken: true);

        var presigned = await client.PresignGetObjectAsync(new PresignGetObjectRequest { Bucket = "bucket", Key = "a b+c", Expiry = TimeSpan.FromHours(1) });
        var query = WireVerifier.Query(new RecordedRequest("GET", presigned.Url, new Dictionary<string, string>(), []));

        Assert.Equal("/a%20b%2Bc", presigned.Url.AbsolutePath);
        Assert.Equal("OSS4-HMAC-SHA256", query.Single(q => q.Key == "x-oss-signature-version").Value);
        Assert.Equal("3600", query.Single(q => q.Key == "x-oss-expires").Value);
        Assert.Equal($"{TestClients.AccessKeyId}/20261125/cn-hangzhou/oss/aliyun_v4_request", query.Single(q => q.Key == "x-oss-credential").Value);
        Assert.Equal(TestClients.SecurityToken, query.Single(q => q.Key == "x-oss-security-token").Value);
        Assert.Equal(64, query.Single(q => q.Key == "x-oss-signature").Value.Length);
        Assert.Equal(TestClients.Now.AddHours(1), presigned.Expiration);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            client.PresignGetObjectAsync(new PresignGetObjectRequest { Bucket = "bucket", Key = "k", Expiry = TimeSpan.FromDays(8) }).AsTask());
    }

    internal static HttpResponseMessage Download(byte[] body, string crc, long? contentLength = null)
    {
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(body) };
        response.Headers.TryAddWithoutValidation("x-oss-request-id", "5C3D9175B6FC201293AD4890");
        response.Headers.TryAddWithoutValidation("ETag", "\"5B3C1A2E053D763E1B002CC607C5A0FE\"");
        response.Headers.TryAddWithoutValidation("x-oss-hash-crc64ecma", crc);
        response.Headers.TryAddWithoutValidation("x-oss-object-type", "Normal");
        response.Headers.TryAddWithoutValidation("x-oss-storage-class", "IA");
        response.Headers.TryAddWithoutValidation("x-oss-tagging-count", "2");
        response.Headers.TryAddWithoutValidation("x-oss-meta-foo", "bar");
        response.Headers.TryAddWithoutValidation("x-oss-version-id", "ver");
        response.Headers.TryAddWithoutValidation("x-oss-server-side-encryption", "AES256");
        response.Headers.TryAddWithoutValidation("Cache-Control", "no-cache");
        response.Content.Headers.TryAddWithoutValidation("Content-Type", "text/plain");
        response.Content.Headers.TryAddWithoutValidation("Content-Disposition", "inline");
        response.Content.Headers.TryAddWithoutValidation("Content-Encoding", "identity");
        response.Content.Headers.TryAddWithoutValidation("Last-Modified", "Fri, 24 Feb 2012 08:43:07 GMT");
        if (contentLength is { } length)
        {
            response.Content.Headers.ContentLength = length;
        }

        return response;
    }
}
