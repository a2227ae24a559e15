using System.Globalization;
using System.Net.Sockets;
using System.Text;
using LocalOss.Tests.Support;
using OssCopy.Oss.Signing;

namespace LocalOss.Tests;

public sealed class RobustnessTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private OssTestClient Client => fixture.Client;

    [Theory]
    [InlineData("delete", "<Delete><Object><Key>k</Key></Object>")]
    [InlineData("delete", "not xml at all")]
    [InlineData("delete", "<Delete></Delete>")]
    [InlineData("delete", "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><Delete><Object><Key>&x;</Key></Object></Delete>")]
    [InlineData("versioning", "<Wrong/>")]
    [InlineData("worm", "<InitiateWormConfiguration><RetentionPeriodInDays>")]
    public async Task Malformed_xml_is_MalformedXML_and_changes_nothing(string subresource, string body)
    {
        var bucket = await fixture.NewBucketAsync();
        await Client.PutAsync(bucket, "k", "kept");
        var method = subresource == "versioning" ? HttpMethod.Put : HttpMethod.Post;
        var answer = await Client.SendAsync(new OssCall(method, bucket).Q(subresource).WithBody(body));
        Assert.Equal(400, answer.Status);
        Assert.Equal("MalformedXML", answer.ErrorCode);
        Assert.Equal("0016-00000608", answer.X("EC"));
        Assert.Equal("kept", (await Client.GetAsync(bucket, "k")).Text);
        Assert.Empty(fixture.Log.Entries);
    }

    [Fact]
    public async Task Malformed_tagging_xml_and_complete_xml()
    {
        var bucket = await fixture.NewBucketAsync();
        await Client.PutAsync(bucket, "k", "x");
        Assert.Equal("MalformedXML", (await Client.SendAsync(new OssCall(HttpMethod.Put, bucket, "k").Q("tagging").WithBody("<Tagging><TagSet><Tag><Value>v</Value></Tag></TagSet></Tagging>"))).ErrorCode);
        Assert.Equal("MalformedXML", (await Client.SendAsync(new OssCall(HttpMethod.Put, bucket, "k").Q("tagging"))).ErrorCode);
        Assert.Equal("MalformedXML", (await Client.SendAsync(new OssCall(HttpMethod.Put, OssTestClient.NewBucketName()).WithBody("<CreateBucketConfiguration>"))).ErrorCode);
    }

    [Fact]
    public async Task Bad_headers_and_bad_encodings_get_oss_errors_not_500()
    {
        var bucket = await fixture.NewBucketAsync();
        Assert.Equal(400, (await Client.SendAsync(new OssCall(HttpMethod.Get, bucket, "k") { Signing = Signing.None }.H("Authorization", "Bearer nonsense"))).Status);
        Assert.Equal(400, (await Client.SendAsync(new OssCall(HttpMethod.Get, bucket, "k") { Signing = Signing.None }.H("Authorization", "OSS4-HMAC-SHA256 garbage"))).Status);
        Assert.Equal("InvalidDigest", (await Client.PutAsync(bucket, "k", "x", c => c.H("Content-MD5", "not-base64!"))).ErrorCode);
        Assert.Equal("InvalidArgument", (await Client.SendAsync(new OssCall(HttpMethod.Get, bucket).Q("encoding-type", "base64"))).ErrorCode);

        // A path that is not UTF-8 once decoded.
        var raw = await SendRawAsync($"GET /{bucket}/%FF%FE HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 400", raw, StringComparison.Ordinal);
        Assert.Contains("InvalidObjectName", raw, StringComparison.Ordinal);
        Assert.Empty(fixture.Log.Entries);
    }

    [Fact]
    public async Task A_body_that_ends_early_leaves_no_object_and_the_server_keeps_serving()
    {
        var bucket = await fixture.NewBucketAsync();
        await Client.PutAsync(bucket, "existing", "old content");
        var blobs = fixture.Server.StoredBlobCount;
        foreach (var key in new[] { "partial", "existing" })
        {
            var context = new OssSigningContext { Method = "PUT", Bucket = bucket, Key = key, Credentials = OssTestClient.DevCredentials };
            new OssSignerV1().SignHeaders(context);
            var head = new StringBuilder()
                .Append(CultureInfo.InvariantCulture, $"PUT /{bucket}/{key} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n");
            foreach (var (name, value) in context.Headers)
            {
                head.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
            }

            head.Append("\r\n").Append(new string('x', 5000));
            using (var socket = new TcpClient())
            {
                await socket.ConnectAsync(fixture.Server.BaseAddress.Host, fixture.Server.Port);
                var stream = socket.GetStream();
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()));
                await stream.FlushAsync();
                await Task.Delay(100);
            }
        }

        await Task.Delay(300);
        Assert.Equal(404, (await Client.HeadAsync(bucket, "partial")).Status);
        Assert.Equal("old content", (await Client.GetAsync(bucket, "existing")).Text);
        Assert.Equal(blobs, fixture.Server.StoredBlobCount);
        Assert.Equal(200, (await Client.PutAsync(bucket, "after", "still serving")).Status);
        Assert.Equal("still serving", (await Client.GetAsync(bucket, "after")).Text);
        Assert.Empty(fixture.Log.Entries);
    }

    [Fact]
    public async Task Unknown_operations_get_an_oss_error()
    {
        var bucket = await fixture.NewBucketAsync();
        await Client.PutAsync(bucket, "k", "x");
        // OSS features LocalOss does not have answer 501 naming the sub-resource, instead of falling through to
        // another operation (GET /?lifecycle used to answer a ListObjects body, PUT /?cors to create the bucket).
        foreach (var call in new[]
                 {
                     new OssCall(HttpMethod.Get, bucket).Q("lifecycle"),
                     new OssCall(HttpMethod.Put, bucket).Q("cors").WithBody("<CORSConfiguration/>"),
                     new OssCall(HttpMethod.Delete, bucket).Q("website"),
                     new OssCall(HttpMethod.Get, bucket).Q("tagging"),
                     new OssCall(HttpMethod.Get, bucket, "k").Q("x-oss-process", "image/resize,w_100"),
                     new OssCall(HttpMethod.Post, bucket, "k").Q("x-oss-process").WithBody("x-oss-process=image/resize,w_100|sys/saveas,o_eA"),
                     new OssCall(HttpMethod.Get, null).Q("regionList"),
                     new OssCall(HttpMethod.Put, bucket, "cb").H("x-oss-callback", "eyJjYWxsYmFja1VybCI6Imh0dHA6Ly9sb2NhbGhvc3QifQ==").WithBody("x"),
                 })
        {
            var answer = await Client.SendAsync(call);
            Assert.Equal(501, answer.Status);
            Assert.Equal("NotImplemented", answer.ErrorCode);
            Assert.NotNull(answer.X("Subresource"));
            // Every error answer carries x-oss-err, the Base64 error XML (ali-oss getStream reads errors from it).
            Assert.Equal(answer.Text, System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(answer.Header("x-oss-err")!)));
        }

        // OSS resolves the bucket first: on a missing bucket even a sub-resource LocalOss lacks is NoSuchBucket (and
        // still never creates the bucket).
        var missing = await Client.SendAsync(new OssCall(HttpMethod.Put, "no-such-bucket-for-cors").Q("cors").WithBody("<CORSConfiguration/>"));
        Assert.Equal(404, missing.Status);
        Assert.Equal("NoSuchBucket", missing.ErrorCode);
        Assert.Equal("NoSuchBucket", (await Client.SendAsync(new OssCall(HttpMethod.Get, "no-such-bucket-for-cors").Q("bucketInfo"))).ErrorCode);

        Assert.Equal("x", (await Client.GetAsync(bucket, "k")).Text);
        var patch = await Client.SendAsync(new OssCall(HttpMethod.Patch, bucket, "k"));
        Assert.Equal(405, patch.Status);
        Assert.Equal("MethodNotAllowed", patch.ErrorCode);
    }

    private async Task<string> SendRawAsync(string request)
    {
        using var socket = new TcpClient();
        await socket.ConnectAsync(fixture.Server.BaseAddress.Host, fixture.Server.Port);
        var stream = socket.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }
}
