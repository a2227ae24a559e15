using System.Globalization;
using System.Text;
using LocalOss.Tests.Support;
using OssCopy.Oss.Credentials;

namespace LocalOss.Tests;

public sealed class AuthFixture : ServerFixture
{
    public const string StsKeyId = "STS.LocalOssTestKey";
    public const string StsSecret = "sts-secret";
    public const string StsToken = "token-123";

    protected override void Configure(LocalOssOptions options)
    {
        options.Accounts.Add(new LocalOssAccount { AccessKeyId = LocalOssOptions.DefaultAccessKeyId, AccessKeySecret = LocalOssOptions.DefaultAccessKeySecret });
        var sts = new LocalOssAccount { AccessKeyId = StsKeyId, AccessKeySecret = StsSecret };
        sts.SecurityTokens.Add(StsToken);
        options.Accounts.Add(sts);
        options.InitialBuckets.Add(new LocalOssBucketSeed { Name = "auth-bucket" });
    }
}

public sealed class AuthTests(AuthFixture fixture) : IClassFixture<AuthFixture>
{
    private const string Bucket = "auth-bucket";

    private OssTestClient Client => fixture.Client;

    [Theory]
    [InlineData(Signing.V1)]
    [InlineData(Signing.V4)]
    public async Task Header_signatures_are_accepted(Signing signing)
    {
        var put = await Client.PutAsync(Bucket, "signed/" + signing, "hello", c =>
        {
            c.Signing = signing;
            c.H("Content-Type", "text/plain").H("x-oss-meta-a", "  spaced  ");
        });
        Assert.Equal(200, put.Status);
        var list = await Client.SendAsync(new OssCall(HttpMethod.Get, Bucket) { Signing = signing }.Q("prefix", "signed/").Q("max-keys", "10"));
        Assert.Equal(200, list.Status);
    }

    [Theory]
    [InlineData(Signing.V1)]
    [InlineData(Signing.V4)]
    public async Task Presigned_urls_work_without_any_header(Signing signing)
    {
        await Client.PutAsync(Bucket, "presigned key+1", "shared");
        var call = new OssCall(HttpMethod.Get, Bucket, "presigned key+1")
        {
            Signing = signing,
            PresignUntil = DateTimeOffset.UtcNow.AddMinutes(5),
        };
        call.Q("response-content-type", "text/x-shared");
        var answer = await Client.SendAsync(call);
        Assert.Equal(200, answer.Status);
        Assert.Equal("shared", answer.Text);
        Assert.Equal("text/x-shared", answer.Header("Content-Type"));
        Assert.Null(answer.Response.RequestMessage!.Headers.Authorization);
    }

    [Theory]
    [InlineData(Signing.V1)]
    [InlineData(Signing.V4)]
    public async Task Expired_presigned_url_is_AccessDenied(Signing signing)
    {
        await Client.PutAsync(Bucket, "expiring", "x");
        var answer = await Client.SendAsync(new OssCall(HttpMethod.Get, Bucket, "expiring")
        {
            Signing = signing,
            SigningTime = DateTimeOffset.UtcNow.AddHours(-2),
            PresignUntil = DateTimeOffset.UtcNow.AddHours(-1),
        });
        Assert.Equal(403, answer.Status);
        Assert.Equal("AccessDenied", answer.ErrorCode);
        Assert.Equal("Request has expired.", answer.X("Message"));
    }

    [Theory]
    [InlineData(Signing.V1)]
    [InlineData(Signing.V4)]
    public async Task Clock_skew_over_15_minutes_is_RequestTimeTooSkewed_with_accurate_date(Signing signing)
    {
        var answer = await Client.SendAsync(new OssCall(HttpMethod.Get, Bucket, "any")
        {
            Signing = signing,
            SigningTime = DateTimeOffset.UtcNow.AddMinutes(-16),
        });
        Assert.Equal(403, answer.Status);
        Assert.Equal("RequestTimeTooSkewed", answer.ErrorCode);
        Assert.Equal("The difference between the request time and the current time is too large.", answer.X("Message"));
        Assert.Equal("900000", answer.X("MaxAllowedSkewMilliseconds"));
        Assert.Equal("0002-00000504", answer.X("EC"));
        Assert.NotNull(answer.X("RequestTime"));
        var serverTime = DateTimeOffset.Parse(answer.X("ServerTime")!, CultureInfo.InvariantCulture);
        Assert.InRange((DateTimeOffset.UtcNow - serverTime).Duration(), TimeSpan.Zero, TimeSpan.FromMinutes(1));
        var date = answer.Response.Headers.Date!.Value;
        Assert.InRange((DateTimeOffset.UtcNow - date).Duration(), TimeSpan.Zero, TimeSpan.FromMinutes(1));

        var withinSkew = await Client.SendAsync(new OssCall(HttpMethod.Get, Bucket) { Signing = signing, SigningTime = DateTimeOffset.UtcNow.AddMinutes(-14) });
        Assert.Equal(200, withinSkew.Status);
    }

    [Theory]
    [InlineData(Signing.V1)]
    [InlineData(Signing.V4)]
    public async Task Wrong_secret_is_SignatureDoesNotMatch_with_string_to_sign(Signing signing)
    {
        var answer = await Client.SendAsync(new OssCall(HttpMethod.Get, Bucket, "k")
        {
            Signing = signing,
            Credentials = new OssCredentials(LocalOssOptions.DefaultAccessKeyId, "wrong-secret"),
        });
        Assert.Equal(403, answer.Status);
        Assert.Equal("SignatureDoesNotMatch", answer.ErrorCode);
        Assert.Equal("0002-00000040", answer.X("EC"));
        Assert.Equal(LocalOssOptions.DefaultAccessKeyId, answer.X("OSSAccessKeyId"));
        var provided = answer.Response.RequestMessage!.Headers.Authorization!.Parameter!;
        Assert.Contains(answer.X("SignatureProvided")!, provided, StringComparison.Ordinal);
        var stringToSign = answer.X("StringToSign")!;
        if (signing == Signing.V1)
        {
            Assert.StartsWith("GET\n", stringToSign, StringComparison.Ordinal);
            Assert.EndsWith("/auth-bucket/k", stringToSign, StringComparison.Ordinal);
        }
        else
        {
            Assert.StartsWith("OSS4-HMAC-SHA256\n", stringToSign, StringComparison.Ordinal);
            Assert.Contains("/cn-hangzhou/oss/aliyun_v4_request", stringToSign, StringComparison.Ordinal);
        }

        // The same error in x-oss-err, which every error answer carries.
        Assert.Equal(answer.Text, Encoding.UTF8.GetString(Convert.FromBase64String(answer.Header("x-oss-err")!)));
    }

    [Theory]
    [InlineData(Signing.V1)]
    [InlineData(Signing.V4)]
    public async Task A_long_error_keeps_x_oss_err_small_enough_for_http_clients(Signing signing)
    {
        // A 1023-byte key makes SignatureDoesNotMatch's string to sign (and its bytes in hex) several KiB: Node's
        // HTTP parser allows 16 KiB of headers in all, so x-oss-err then carries the error without its extras.
        var key = new string('数', 341);
        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Head })
        {
            var answer = await Client.SendAsync(new OssCall(method, Bucket, key)
            {
                Signing = signing,
                Credentials = new OssCredentials(LocalOssOptions.DefaultAccessKeyId, "wrong-secret"),
            });
            Assert.Equal(403, answer.Status);
            var err = answer.Header("x-oss-err")!;
            Assert.InRange(err.Length, 1, 4096);
            var compact = System.Xml.Linq.XDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(err))).Root!;
            Assert.Equal("SignatureDoesNotMatch", compact.Element("Code")!.Value);
            Assert.Equal("0002-00000040", compact.Element("EC")!.Value);
            Assert.Null(compact.Element("StringToSign"));
            if (method == HttpMethod.Get)
            {
                Assert.NotNull(answer.X("StringToSign"));
            }
        }
    }

    [Theory]
    [InlineData(Signing.V1)]
    [InlineData(Signing.V4)]
    public async Task Non_ascii_metadata_is_signed_and_echoed_as_utf8(Signing signing)
    {
        var put = await Client.PutAsync(Bucket, "元数据/" + signing, "x", c => { c.Signing = signing; c.H("x-oss-meta-note", "数据 ключ é"); });
        Assert.Equal(200, put.Status);
        var head = await Client.HeadAsync(Bucket, "元数据/" + signing, c => c.Signing = signing);
        Assert.Equal("数据 ключ é", head.Header("x-oss-meta-note"));
    }

    [Fact]
    public async Task V1_signatures_over_extra_sub_resources_are_accepted()
    {
        // An operation-specific key signed as a sub-resource (as ali-oss does for its per-call subres).
        var context = new OssCopy.Oss.Signing.OssSigningContext
        {
            Method = "GET", Bucket = Bucket, Credentials = OssTestClient.DevCredentials, ExtraSubResources = ["list-type", "custom"],
        };
        context.Query.Add(new("list-type", "2"));
        context.Query.Add(new("custom", "1"));
        new OssCopy.Oss.Signing.OssSignerV1().SignHeaders(context);
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(fixture.Server.BaseAddress, $"/{Bucket}/?list-type=2&custom=1"));
        foreach (var (name, value) in context.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        Assert.Equal(200, (int)(await fixture.Http.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task Tampered_signed_header_is_SignatureDoesNotMatch()
    {
        // Signed with one x-oss-meta value, sent with another.
        var call = new OssCall(HttpMethod.Put, Bucket, "tampered") { Body = Encoding.UTF8.GetBytes("x") };
        call.H("x-oss-meta-owner", "alice");
        var client = new TamperingClient(fixture.Http, fixture.Server.BaseAddress);
        var answer = await client.SendTamperedAsync(call, "x-oss-meta-owner", "mallory");
        Assert.Equal("SignatureDoesNotMatch", answer.ErrorCode);
        Assert.Equal(404, (await Client.HeadAsync(Bucket, "tampered")).Status);
    }

    [Theory]
    [InlineData(Signing.V1)]
    [InlineData(Signing.V4)]
    public async Task Unknown_access_key_is_InvalidAccessKeyId(Signing signing)
    {
        var answer = await Client.SendAsync(new OssCall(HttpMethod.Get, Bucket, "k")
        {
            Signing = signing,
            Credentials = new OssCredentials("LTAINoSuchKey", "whatever"),
        });
        Assert.Equal(403, answer.Status);
        Assert.Equal("InvalidAccessKeyId", answer.ErrorCode);
        Assert.Equal("LTAINoSuchKey", answer.X("OSSAccessKeyId"));
    }

    [Fact]
    public async Task Anonymous_request_is_AccessDenied()
    {
        var answer = await Client.SendAsync(new OssCall(HttpMethod.Get, Bucket, "k") { Signing = Signing.None });
        Assert.Equal(403, answer.Status);
        Assert.Equal("AccessDenied", answer.ErrorCode);
        Assert.Equal("0003-00000001", answer.Header("x-oss-ec"));
    }

    [Fact]
    public async Task Anonymous_requests_are_allowed_where_the_acl_makes_things_public()
    {
        var bucket = await fixture.NewBucketAsync();
        OssCall Anonymous(HttpMethod method, string? key = null) => new(method, bucket, key) { Signing = Signing.None };
        async Task<int> Status(OssCall call) => (await Client.SendAsync(call)).Status;
        await Client.PutAsync(bucket, "k", "public?");

        // A private bucket: nothing, and the answer is AccessDenied even for a missing key.
        Assert.Equal(403, await Status(Anonymous(HttpMethod.Get, "k")));
        Assert.Equal(403, await Status(Anonymous(HttpMethod.Get, "missing")));
        Assert.Equal(403, await Status(Anonymous(HttpMethod.Get)));

        // An object made public-read in a private bucket is readable, not writable.
        await Client.SendAsync(new OssCall(HttpMethod.Put, bucket, "k").Q("acl").H("x-oss-object-acl", "public-read"));
        Assert.Equal("public?", (await Client.SendAsync(Anonymous(HttpMethod.Get, "k"))).Text);
        Assert.Equal(200, await Status(Anonymous(HttpMethod.Head, "k")));
        Assert.Equal(403, await Status(Anonymous(HttpMethod.Put, "k").WithBody("overwrite")));
        Assert.Equal(403, await Status(Anonymous(HttpMethod.Delete, "k")));

        // A public-read bucket: objects and listings, a missing key is NoSuchKey; an object's private ACL wins.
        await Client.SendAsync(new OssCall(HttpMethod.Put, bucket).Q("acl").H("x-oss-acl", "public-read"));
        await Client.PutAsync(bucket, "secret", "s", c => c.H("x-oss-object-acl", "private"));
        Assert.Equal(200, await Status(Anonymous(HttpMethod.Get)));
        Assert.Equal(200, await Status(Anonymous(HttpMethod.Get).Q("list-type", "2")));
        Assert.Equal("NoSuchKey", (await Client.SendAsync(Anonymous(HttpMethod.Get, "missing"))).ErrorCode);
        Assert.Equal(403, await Status(Anonymous(HttpMethod.Get, "secret")));
        Assert.Equal(403, await Status(Anonymous(HttpMethod.Put, "new").WithBody("x")));
        Assert.Equal(403, await Status(Anonymous(HttpMethod.Get).Q("acl")));
        Assert.Equal(403, await Status(Anonymous(HttpMethod.Get).Q("bucketInfo")));

        // A public-read-write bucket: writes and deletes too, but never bucket management.
        await Client.SendAsync(new OssCall(HttpMethod.Put, bucket).Q("acl").H("x-oss-acl", "public-read-write"));
        Assert.Equal(200, await Status(Anonymous(HttpMethod.Put, "anon").WithBody("by nobody")));
        Assert.Equal("by nobody", (await Client.GetAsync(bucket, "anon")).Text);
        Assert.Equal(200, await Status(Anonymous(HttpMethod.Put, "anon-copy").H("x-oss-copy-source", $"/{bucket}/anon")));
        Assert.Equal(403, await Status(Anonymous(HttpMethod.Put, "stolen").H("x-oss-copy-source", $"/{bucket}/secret")));
        Assert.Equal(204, await Status(Anonymous(HttpMethod.Delete, "anon")));
        Assert.Equal(403, await Status(Anonymous(HttpMethod.Put).Q("acl").H("x-oss-acl", "private")));
        Assert.Equal(403, await Status(Anonymous(HttpMethod.Delete)));
        Assert.Equal(403, await Status(new OssCall(HttpMethod.Get, null) { Signing = Signing.None }));
        Assert.Equal("NoSuchBucket", (await Client.SendAsync(new OssCall(HttpMethod.Get, "no-such-public-bucket", "k") { Signing = Signing.None })).ErrorCode);
    }

    [Theory]
    [InlineData(Signing.V1, false)]
    [InlineData(Signing.V4, false)]
    [InlineData(Signing.V1, true)]
    [InlineData(Signing.V4, true)]
    public async Task Security_token_is_required_for_sts_keys(Signing signing, bool presign)
    {
        OssCall Call(string? token) => new(HttpMethod.Get, Bucket)
        {
            Signing = signing,
            Credentials = new OssCredentials(AuthFixture.StsKeyId, AuthFixture.StsSecret, token),
            PresignUntil = presign ? DateTimeOffset.UtcNow.AddMinutes(1) : null,
        };

        Assert.Equal(200, (await Client.SendAsync(Call(AuthFixture.StsToken))).Status);
        var missing = await Client.SendAsync(Call(null));
        Assert.Equal(403, missing.Status);
        Assert.Equal("InvalidSecurityToken", missing.ErrorCode);
        Assert.Equal("0002-00000003", missing.Header("x-oss-ec"));
        var forged = await Client.SendAsync(Call("forged"));
        Assert.Equal("InvalidSecurityToken", forged.ErrorCode);
        Assert.Equal("0002-00000008", forged.Header("x-oss-ec"));
    }

    [Fact]
    public async Task V4_additional_headers_are_signed()
    {
        var call = new OssCall(HttpMethod.Get, Bucket).H("x-custom", "1");
        var client = new AdditionalHeadersClient(fixture.Http, fixture.Server.BaseAddress);
        Assert.Equal(200, (await client.SendWithAdditionalAsync(call, tamper: false)).Status);
        Assert.Equal("SignatureDoesNotMatch", (await client.SendWithAdditionalAsync(call, tamper: true)).ErrorCode);
    }

    /// <summary>Signs a request, then changes one header before sending it.</summary>
    private sealed class TamperingClient(HttpClient http, Uri baseAddress)
    {
        public async Task<OssAnswer> SendTamperedAsync(OssCall call, string header, string value)
        {
            var context = new OssCopy.Oss.Signing.OssSigningContext
            {
                Method = call.Method.Method, Bucket = call.Bucket, Key = call.Key, Credentials = OssTestClient.DevCredentials,
            };
            foreach (var h in call.Headers)
            {
                context.Headers[h.Key] = h.Value;
            }

            new OssCopy.Oss.Signing.OssSignerV4().SignHeaders(context);
            context.Headers[header] = value;
            var client = new OssTestClient(http, baseAddress);
            var request = new HttpRequestMessage(call.Method, client.BuildUri(call, [])) { Content = new ByteArrayContent(call.Body ?? []) };
            request.Content.Headers.ContentType = null;
            foreach (var h in context.Headers)
            {
                request.Headers.TryAddWithoutValidation(h.Key, h.Value);
            }

            var response = await http.SendAsync(request);
            return new OssAnswer { Status = (int)response.StatusCode, Response = response, Body = await response.Content.ReadAsByteArrayAsync() };
        }
    }

    private sealed class AdditionalHeadersClient(HttpClient http, Uri baseAddress)
    {
        public async Task<OssAnswer> SendWithAdditionalAsync(OssCall call, bool tamper)
        {
            var context = new OssCopy.Oss.Signing.OssSigningContext
            {
                Method = call.Method.Method, Bucket = call.Bucket, Key = call.Key, Credentials = OssTestClient.DevCredentials,
                AdditionalHeaders = ["x-custom"],
            };
            foreach (var h in call.Headers)
            {
                context.Headers[h.Key] = h.Value;
            }

            new OssCopy.Oss.Signing.OssSignerV4().SignHeaders(context);
            Assert.Contains("AdditionalHeaders=x-custom", context.Headers["Authorization"], StringComparison.Ordinal);
            if (tamper)
            {
                context.Headers["x-custom"] = "2";
            }

            var request = new HttpRequestMessage(call.Method, new OssTestClient(http, baseAddress).BuildUri(call, []));
            foreach (var h in context.Headers)
            {
                request.Headers.TryAddWithoutValidation(h.Key, h.Value);
            }

            var response = await http.SendAsync(request);
            return new OssAnswer { Status = (int)response.StatusCode, Response = response, Body = await response.Content.ReadAsByteArrayAsync() };
        }
    }
}
