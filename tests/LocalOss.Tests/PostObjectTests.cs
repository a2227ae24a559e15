using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using LocalOss.Tests.Support;
using OssCopy.Oss.Signing;

namespace LocalOss.Tests;

/// <summary>PostObject: browser form uploads signed with a policy (V1 and V4), policy conditions, answers.</summary>
public sealed class PostObjectTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private OssTestClient Client => fixture.Client;

    private static string Policy(string bucket, DateTimeOffset expires, params object[] extra)
    {
        var conditions = new List<object> { new Dictionary<string, string> { ["bucket"] = bucket } };
        conditions.AddRange(extra);
        var json = JsonSerializer.Serialize(new { expiration = expires.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture), conditions });
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(json));
    }

    private static Dictionary<string, string> SignV1(string policy, string? secret = null) => new()
    {
        ["policy"] = policy,
        ["OSSAccessKeyId"] = LocalOssOptions.DefaultAccessKeyId,
        ["Signature"] = OssSignerV1.ComputeSignature(secret ?? LocalOssOptions.DefaultAccessKeySecret, policy),
    };

    private async Task<HttpResponseMessage> PostAsync(string bucket, IEnumerable<KeyValuePair<string, string>> fields, byte[] file, string fileName = "upload.bin",
        string? fileType = null, HttpClient? http = null)
    {
        using var form = new MultipartFormDataContent();
        foreach (var (name, value) in fields)
        {
            form.Add(new StringContent(value), name);
        }

        var content = new ByteArrayContent(file);
        if (fileType is not null)
        {
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(fileType);
        }

        form.Add(content, "file", fileName);
        return await (http ?? fixture.Http).PostAsync(new Uri(fixture.Server.BaseAddress, "/" + bucket + "/"), form);
    }

    [Fact]
    public async Task A_v1_signed_form_uploads_with_its_fields_as_metadata()
    {
        var bucket = await fixture.NewBucketAsync();
        var policy = Policy(bucket, DateTimeOffset.UtcNow.AddMinutes(10), new object[] { "starts-with", "$key", "uploads/" }, new object[] { "content-length-range", 1, 1024 });
        var fields = new Dictionary<string, string>(SignV1(policy))
        {
            ["key"] = "uploads/${filename}",
            ["x-oss-meta-origin"] = "browser",
            ["Cache-Control"] = "no-cache",
        };
        var response = await PostAsync(bucket, fields, Encoding.UTF8.GetBytes("form data"), "photo.txt", "text/plain");
        Assert.True(response.StatusCode == HttpStatusCode.NoContent, await response.Content.ReadAsStringAsync());
        Assert.Equal("\"" + Convert.ToHexString(System.Security.Cryptography.MD5.HashData(Encoding.UTF8.GetBytes("form data"))) + "\"", response.Headers.ETag!.Tag);

        var get = await Client.GetAsync(bucket, "uploads/photo.txt");
        Assert.Equal("form data", get.Text);
        Assert.Equal("text/plain", get.Header("Content-Type"));
        Assert.Equal("browser", get.Header("x-oss-meta-origin"));
        Assert.Equal("no-cache", get.Header("Cache-Control"));
        Assert.Equal(response.Headers.GetValues("x-oss-hash-crc64ecma").Single(), get.Header("x-oss-hash-crc64ecma"));
    }

    [Fact]
    public async Task A_v4_signed_form_uploads_and_answers_201_with_post_response()
    {
        var bucket = await fixture.NewBucketAsync();
        var now = DateTimeOffset.UtcNow;
        var day = now.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        var policy = Policy(bucket, now.AddMinutes(10));
        var key = OssSignerV4.DeriveSigningKey(LocalOssOptions.DefaultAccessKeySecret, day, "cn-hangzhou", "oss");
        var fields = new Dictionary<string, string>
        {
            ["key"] = "v4/file.bin",
            ["policy"] = policy,
            ["x-oss-signature-version"] = OssSignerV4.Algorithm,
            ["x-oss-credential"] = $"{LocalOssOptions.DefaultAccessKeyId}/{day}/cn-hangzhou/oss/aliyun_v4_request",
            ["x-oss-date"] = now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture),
            ["x-oss-signature"] = Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(policy))),
            ["success_action_status"] = "201",
        };
        var response = await PostAsync(bucket, fields, [1, 2, 3]);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("<Key>v4/file.bin</Key>", body, StringComparison.Ordinal);
        Assert.Contains($"<Bucket>{bucket}</Bucket>", body, StringComparison.Ordinal);
        Assert.Equal(new byte[] { 1, 2, 3 }, (await Client.GetAsync(bucket, "v4/file.bin")).Body);

        fields["x-oss-signature"] = new string('0', 64);
        var forged = await PostAsync(bucket, fields, [1]);
        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        Assert.Contains("<Code>SignatureDoesNotMatch</Code>", await forged.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Policies_signatures_and_acls_are_enforced()
    {
        var bucket = await fixture.NewBucketAsync();
        async Task<(HttpStatusCode Status, string Body)> Post(Dictionary<string, string> fields, int size = 10)
        {
            var response = await PostAsync(bucket, fields, new byte[size]);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        var limited = Policy(bucket, DateTimeOffset.UtcNow.AddMinutes(10), new object[] { "starts-with", "$key", "ok/" }, new object[] { "content-length-range", 5, 20 });
        Assert.Equal(HttpStatusCode.NoContent, (await Post(new(SignV1(limited)) { ["key"] = "ok/a" })).Status);
        var outside = await Post(new(SignV1(limited)) { ["key"] = "elsewhere/a" });
        Assert.Equal(HttpStatusCode.Forbidden, outside.Status);
        Assert.Equal("Invalid according to Policy: Policy Condition failed: [\"starts-with\", \"$key\", \"ok/\"]",
            System.Xml.Linq.XDocument.Parse(outside.Body).Root!.Element("Message")!.Value);
        Assert.Contains("<Code>EntityTooLarge</Code>", (await Post(new(SignV1(limited)) { ["key"] = "ok/big" }, size: 21)).Body, StringComparison.Ordinal);
        Assert.Contains("<Code>EntityTooSmall</Code>", (await Post(new(SignV1(limited)) { ["key"] = "ok/small" }, size: 4)).Body, StringComparison.Ordinal);
        Assert.Equal(404, (await Client.HeadAsync(bucket, "ok/big")).Status);

        var expired = await Post(new(SignV1(Policy(bucket, DateTimeOffset.UtcNow.AddMinutes(-1)))) { ["key"] = "late" });
        Assert.Equal(HttpStatusCode.Forbidden, expired.Status);
        Assert.Contains("Policy expired.", expired.Body, StringComparison.Ordinal);
        Assert.Contains("<Code>InvalidPolicyDocument</Code>", (await Post(new(SignV1(Convert.ToBase64String("not json"u8.ToArray()))) { ["key"] = "x" })).Body, StringComparison.Ordinal);
        Assert.Contains("<Code>SignatureDoesNotMatch</Code>", (await Post(new(SignV1(limited, secret: "wrong")) { ["key"] = "ok/x" })).Body, StringComparison.Ordinal);
        Assert.Contains("<Code>InvalidArgument</Code>", (await Post(new(SignV1(limited)))).Body, StringComparison.Ordinal);

        // Unsigned forms need a public-read-write bucket.
        Assert.Equal(HttpStatusCode.Forbidden, (await Post(new() { ["key"] = "anon" })).Status);
        await Client.SendAsync(new OssCall(HttpMethod.Put, bucket).Q("acl").H("x-oss-acl", "public-read-write"));
        Assert.Equal(HttpStatusCode.NoContent, (await Post(new() { ["key"] = "anon" })).Status);

        using var noRedirects = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var redirect = await PostAsync(bucket, new Dictionary<string, string>(SignV1(limited)) { ["key"] = "ok/r", ["success_action_redirect"] = "https://example.test/done" },
            new byte[10], http: noRedirects);
        Assert.Equal(HttpStatusCode.SeeOther, redirect.StatusCode);
        Assert.StartsWith("https://example.test/done?bucket=" + bucket + "&key=ok%2Fr&etag=", redirect.Headers.Location!.OriginalString, StringComparison.Ordinal);
        // A field that would become a response header must not hold a control character: refused before anything is stored.
        foreach (var (field, value) in new[] { ("x-oss-meta-note", "two\nlines"), ("Content-Disposition", "a\rb"), ("success_action_redirect", "https://example.test/\n") })
        {
            var refused = await PostAsync(bucket, new Dictionary<string, string>(SignV1(limited)) { ["key"] = "ok/ctl", [field] = value }, new byte[10], http: noRedirects);
            var refusal = await refused.Content.ReadAsStringAsync();
            Assert.True(refused.StatusCode == HttpStatusCode.BadRequest, field + ": " + refusal);
            Assert.Contains("<Code>InvalidArgument</Code>", refusal, StringComparison.Ordinal);
            Assert.Contains($"<ArgumentName>{field}</ArgumentName>", refusal, StringComparison.OrdinalIgnoreCase);
            Assert.Equal(404, (await Client.HeadAsync(bucket, "ok/ctl")).Status);
        }

        var malformed = await fixture.Http.PostAsync(new Uri(fixture.Server.BaseAddress, "/" + bucket + "/"),
            new StringContent("--x\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nk\r\n--x--\r\n", Encoding.UTF8, "multipart/form-data"));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        var noBoundary = new StringContent("x", Encoding.UTF8);
        noBoundary.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("multipart/form-data");
        var unbounded = await fixture.Http.PostAsync(new Uri(fixture.Server.BaseAddress, "/" + bucket + "/"), noBoundary);
        Assert.Equal(HttpStatusCode.BadRequest, unbounded.StatusCode);
        Assert.Contains("<Code>MalformedPOSTRequest</Code>", await unbounded.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(fixture.Log.Entries);
    }
}
