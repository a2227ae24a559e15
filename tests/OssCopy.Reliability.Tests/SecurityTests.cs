using OssCopy.Oss;
using OssCopy.Oss.Credentials;
using OssCopy.Oss.Models;
using OssCopy.Reliability.Tests.Support;

namespace OssCopy.Reliability.Tests;

/// <summary>LocalOss refuses what OSS refuses: unsigned, tampered and expired requests, and STS keys without their token.</summary>
public sealed class SecurityTests(LocalOssWorld oss) : IClassFixture<LocalOssWorld>, IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public void Dispose() => _http.Dispose();

    private Task<RawOssAnswer> SendAsync(RawOssRequest request) => RawOssAnswer.SendAsync(_http, oss.Server.BaseAddress, request);

    private async Task<string> BucketWithObjectAsync()
    {
        var bucket = await oss.NewBucketAsync("sec");
        await oss.Admin.PutObjectAsync(new PutObjectRequest { Bucket = bucket, Key = "secret.txt", Body = new MemoryStream("classified"u8.ToArray()) });
        return bucket;
    }

    [Fact]
    public async Task A_signed_request_is_served_and_the_same_request_unsigned_is_refused()
    {
        var bucket = await BucketWithObjectAsync();

        var signed = await SendAsync(new RawOssRequest("GET", bucket, "secret.txt"));
        var unsigned = await SendAsync(new RawOssRequest("GET", bucket, "secret.txt") { Credentials = null });
        var unsignedPut = await SendAsync(new RawOssRequest("PUT", bucket, "planted.txt") { Credentials = null, Body = "x"u8.ToArray() });

        Assert.Equal((200, "classified"), (signed.Status, signed.Body));
        Assert.Equal((403, "AccessDenied"), (unsigned.Status, unsigned.ErrorCode));
        Assert.Equal(403, unsignedPut.Status);
        await Assert.ThrowsAsync<OssException>(() => oss.Admin.HeadObjectAsync(new HeadObjectRequest { Bucket = bucket, Key = "planted.txt" }));
    }

    /// <summary>What is changed after signing, and OSS's answer: 403 for what the signature covers; the body (V4 signs
    /// UNSIGNED-PAYLOAD, as OSS's SDKs do) is covered by the signed Content-MD5 instead: 400 InvalidDigest.</summary>
    public static TheoryData<string, int> Tampering => new()
    {
        { "method", 403 }, { "key", 403 }, { "query", 403 }, { "signed header", 403 }, { "signature", 403 }, { "access key", 403 }, { "date", 403 }, { "body", 400 },
    };

    [Theory]
    [MemberData(nameof(Tampering))]
    public async Task A_request_changed_after_signing_is_refused(string tampering, int status)
    {
        var bucket = await BucketWithObjectAsync();
        var request = new RawOssRequest("PUT", bucket, "secret.txt")
        {
            Body = "overwritten"u8.ToArray(),
            Headers = { ["x-oss-meta-owner"] = "alice", ["Content-MD5"] = Convert.ToBase64String(System.Security.Cryptography.MD5.HashData("overwritten"u8.ToArray())) },
        };
        using var message = request.Build(oss.Server.BaseAddress);
        var authorization = message.Headers.GetValues("Authorization").Single();
        switch (tampering)
        {
            case "method":
                message.Method = HttpMethod.Post;
                break;
            case "key":
                message.RequestUri = new Uri(message.RequestUri!.ToString().Replace("secret.txt", "other.txt", StringComparison.Ordinal));
                break;
            case "query":
                message.RequestUri = new Uri(message.RequestUri + "?acl");
                break;
            case "signed header":
                message.Headers.Remove("x-oss-meta-owner");
                message.Headers.TryAddWithoutValidation("x-oss-meta-owner", "mallory");
                break;
            case "body":
                var md5 = message.Content!.Headers.ContentMD5;
                message.Content = new ByteArrayContent("tampered!!!"u8.ToArray());
                message.Content.Headers.ContentMD5 = md5;
                break;
            case "signature":
                message.Headers.Remove("Authorization");
                message.Headers.TryAddWithoutValidation("Authorization", authorization[..^4] + (authorization.EndsWith("0000", StringComparison.Ordinal) ? "1111" : "0000"));
                break;
            case "access key":
                message.Headers.Remove("Authorization");
                message.Headers.TryAddWithoutValidation("Authorization", authorization.Replace(SecretScan.AccessKeyId, "LTAI5tSomeoneElse", StringComparison.Ordinal));
                break;
            case "date":
                message.Headers.Remove("x-oss-date");
                message.Headers.TryAddWithoutValidation("x-oss-date", DateTimeOffset.UtcNow.AddMinutes(-1).ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture));
                break;
        }

        using var response = await _http.SendAsync(message);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("classified"u8.ToArray(), await GetAsync(bucket, "secret.txt"));
        Assert.True(response.Headers.Contains("x-oss-request-id"));
    }

    [Fact]
    public async Task A_presigned_url_works_until_it_expires_and_not_after()
    {
        var bucket = await BucketWithObjectAsync();
        var until = DateTimeOffset.UtcNow.AddSeconds(2);
        var presigned = new RawOssRequest("GET", bucket, "secret.txt") { PresignUntil = until };
        var other = new RawOssRequest("GET", bucket, "other.txt") { PresignUntil = until };

        var before = await SendAsync(presigned);
        await Task.Delay(until - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1.2));
        var after = await SendAsync(presigned);
        using var reused = other.Build(oss.Server.BaseAddress);
        var presignedUri = presigned.Build(oss.Server.BaseAddress).RequestUri!.ToString();

        Assert.Equal(200, before.Status);
        Assert.Equal((403, "AccessDenied"), (after.Status, after.ErrorCode));
        // The same signature for another key does not open it.
        using var swapped = await _http.GetAsync(new Uri(presignedUri.Replace("secret.txt", "other.txt", StringComparison.Ordinal)));
        Assert.Equal(403, (int)swapped.StatusCode);
    }

    [Fact]
    public async Task An_sts_key_is_refused_without_its_security_token_or_with_another()
    {
        var bucket = await BucketWithObjectAsync();
        var sts = new OssCredentials(LocalOssWorld.StsAccessKeyId, SecretScan.AccessKeySecret);

        var withToken = await SendAsync(new RawOssRequest("GET", bucket, "secret.txt") { Credentials = sts, Headers = { ["x-oss-security-token"] = SecretScan.SecurityToken } });
        var without = await SendAsync(new RawOssRequest("GET", bucket, "secret.txt") { Credentials = sts });
        var another = await SendAsync(new RawOssRequest("GET", bucket, "secret.txt") { Credentials = sts, Headers = { ["x-oss-security-token"] = SecretScan.SecurityToken + "x" } });

        Assert.Equal(200, withToken.Status);
        Assert.Equal(403, without.Status);
        Assert.Equal(403, another.Status);
        Assert.DoesNotContain(SecretScan.SecurityToken, another.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(SecretScan.AccessKeySecret, without.Body, StringComparison.Ordinal);
    }

    [Fact]
    public void The_secret_scan_fails_on_a_line_holding_a_configured_secret()
    {
        foreach (var secret in SecretScan.Secrets)
        {
            Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => SecretScan.AssertClean("planted", $"connecting with {secret}; done"));
        }

        SecretScan.AssertClean("planted", "connecting with LTAI5tReliabilitySuite; done"); // the key id is no secret
    }

    private async Task<byte[]> GetAsync(string bucket, string key)
    {
        await using var result = await oss.Admin.GetObjectAsync(new GetObjectRequest { Bucket = bucket, Key = key });
        using var buffer = new MemoryStream();
        await result.Content.CopyToAsync(buffer);
        return buffer.ToArray();
    }
}
