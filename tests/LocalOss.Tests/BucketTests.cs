using LocalOss.Tests.Support;

namespace LocalOss.Tests;

public sealed class BucketTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private OssTestClient Client => fixture.Client;

    [Fact]
    public async Task Bucket_region_comes_from_host_then_v4_scope_then_default()
    {
        var fromHost = OssTestClient.NewBucketName();
        var put = await Client.SendAsync(new OssCall(HttpMethod.Put, fromHost) { Addressing = Addressing.VirtualHosted, Region = "cn-beijing", Signing = Signing.V1 });
        Assert.Equal(200, put.Status);
        Assert.Equal("oss-cn-beijing", (await Client.SendAsync(new OssCall(HttpMethod.Get, fromHost).Q("location"))).X("LocationConstraint"));

        var fromScope = OssTestClient.NewBucketName();
        await Client.SendAsync(new OssCall(HttpMethod.Put, fromScope) { Region = "cn-shenzhen" });
        Assert.Equal("oss-cn-shenzhen", (await Client.SendAsync(new OssCall(HttpMethod.Get, fromScope).Q("location"))).X("LocationConstraint"));

        var fromDefault = OssTestClient.NewBucketName();
        await Client.SendAsync(new OssCall(HttpMethod.Put, fromDefault) { Signing = Signing.V1 });
        Assert.Equal("oss-cn-hangzhou", (await Client.SendAsync(new OssCall(HttpMethod.Get, fromDefault).Q("location"))).X("LocationConstraint"));
    }

    [Fact]
    public async Task Bucket_info_list_and_delete()
    {
        var bucket = await fixture.NewBucketAsync("cn-shanghai");
        var info = await Client.SendAsync(new OssCall(HttpMethod.Get, bucket).Q("bucketInfo"));
        Assert.Equal(bucket, info.X("Name"));
        Assert.Equal("oss-cn-shanghai", info.X("Location"));
        Assert.Equal("oss-cn-shanghai.aliyuncs.com", info.X("ExtranetEndpoint"));
        Assert.Equal("oss-cn-shanghai-internal.aliyuncs.com", info.X("IntranetEndpoint"));
        Assert.Equal("private", info.X("Grant"));

        var list = await Client.SendAsync(new OssCall(HttpMethod.Get, null));
        var entry = list.Xml.Descendants("Bucket").Single(b => b.Element("Name")!.Value == bucket);
        Assert.Empty((await Client.SendAsync(new OssCall(HttpMethod.Get, null).Q("tag-key", "team"))).Xml.Descendants("Bucket"));
        Assert.Equal("cn-shanghai", entry.Element("Region")!.Value);
        Assert.Equal("oss-cn-shanghai", entry.Element("Location")!.Value);

        var again = await Client.CreateBucketAsync(bucket);
        Assert.Equal(409, again.Status);
        Assert.Equal("BucketAlreadyExists", again.ErrorCode);

        await Client.PutAsync(bucket, "k", "x", c => c.Region = "cn-shanghai");
        var notEmpty = await Client.SendAsync(new OssCall(HttpMethod.Delete, bucket));
        Assert.Equal(409, notEmpty.Status);
        Assert.Equal("BucketNotEmpty", notEmpty.ErrorCode);
        await Client.DeleteAsync(bucket, "k");
        Assert.Equal(204, (await Client.SendAsync(new OssCall(HttpMethod.Delete, bucket))).Status);
        Assert.Equal("NoSuchBucket", (await Client.SendAsync(new OssCall(HttpMethod.Get, bucket).Q("bucketInfo"))).ErrorCode);
    }

    [Fact]
    public async Task Invalid_bucket_names_are_refused()
    {
        foreach (var name in new[] { "ab", "Upper-Case", "-dash", "under_score" })
        {
            var answer = await Client.SendAsync(new OssCall(HttpMethod.Put, name));
            Assert.Equal(400, answer.Status);
            Assert.Equal("InvalidBucketName", answer.ErrorCode);
        }
    }

    [Fact]
    public async Task Versioning_status_round_trips()
    {
        var bucket = await fixture.NewBucketAsync();
        var initial = await Client.SendAsync(new OssCall(HttpMethod.Get, bucket).Q("versioning"));
        Assert.Null(initial.X("Status"));
        await Client.SendAsync(new OssCall(HttpMethod.Put, bucket).Q("versioning").WithBody("<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>"));
        Assert.Equal("Enabled", (await Client.SendAsync(new OssCall(HttpMethod.Get, bucket).Q("versioning"))).X("Status"));
        await Client.SendAsync(new OssCall(HttpMethod.Put, bucket).Q("versioning").WithBody("<VersioningConfiguration><Status>Suspended</Status></VersioningConfiguration>"));
        Assert.Equal("Suspended", (await Client.SendAsync(new OssCall(HttpMethod.Get, bucket).Q("versioning"))).X("Status"));
        var put = await Client.PutAsync(bucket, "k", "x");
        Assert.Equal("null", put.Header("x-oss-version-id"));
        Assert.Equal("MalformedXML", (await Client.SendAsync(new OssCall(HttpMethod.Put, bucket).Q("versioning").WithBody("<VersioningConfiguration><Status>On</Status></VersioningConfiguration>"))).ErrorCode);
    }

    [Fact]
    public async Task Virtual_hosted_request_to_the_wrong_region_endpoint_is_refused()
    {
        var bucket = await fixture.NewBucketAsync("cn-shanghai");
        var wrong = await Client.SendAsync(new OssCall(HttpMethod.Get, bucket, "k") { Addressing = Addressing.VirtualHosted, Region = "cn-hangzhou" });
        Assert.Equal(403, wrong.Status);
        Assert.Equal("AccessDenied", wrong.ErrorCode);
        Assert.Equal("oss-cn-shanghai.aliyuncs.com", wrong.X("Endpoint"));
        var right = await Client.SendAsync(new OssCall(HttpMethod.Get, bucket, "k") { Addressing = Addressing.VirtualHosted, Region = "cn-shanghai" });
        Assert.Equal("NoSuchKey", right.ErrorCode);
    }

    [Fact]
    public async Task Localhost_subdomain_is_virtual_hosted()
    {
        var bucket = await fixture.NewBucketAsync();
        await Client.PutAsync(bucket, "k", "via-localhost");
        var context = new OssCopy.Oss.Signing.OssSigningContext { Method = "GET", Bucket = bucket, Key = "k", Credentials = OssTestClient.DevCredentials };
        new OssCopy.Oss.Signing.OssSignerV1().SignHeaders(context);
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(fixture.Server.BaseAddress, "/k"));
        request.Headers.Host = $"{bucket}.localhost:{fixture.Server.Port}";
        foreach (var (name, value) in context.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        var response = await fixture.Http.SendAsync(request);
        Assert.Equal("via-localhost", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Bucket_stat_counts_objects_bytes_classes_markers_and_uploads()
    {
        var bucket = await fixture.NewBucketAsync(versioned: true);
        await Client.PutAsync(bucket, "a", "12345");
        await Client.PutAsync(bucket, "a", "123");
        await Client.PutAsync(bucket, "ia", "1234567", c => c.H("x-oss-storage-class", "IA"));
        await Client.PutAsync(bucket, "gone", "12");
        await Client.DeleteAsync(bucket, "gone");
        await Client.SendAsync(new OssCall(HttpMethod.Post, bucket, "pending").Q("uploads"));
        var stat = await Client.SendAsync(new OssCall(HttpMethod.Get, bucket).Q("stat"));
        Assert.Equal(200, stat.Status);
        Assert.Equal("2", stat.X("ObjectCount"));
        Assert.Equal("17", stat.X("Storage"));
        Assert.Equal("10", stat.X("StandardStorage")); // 3 + 5 (noncurrent) + 2 (behind the delete marker)
        Assert.Equal("1", stat.X("StandardObjectCount"));
        Assert.Equal("7", stat.X("InfrequentAccessStorage"));
        Assert.Equal("1", stat.X("InfrequentAccessObjectCount"));
        Assert.Equal("1", stat.X("DeleteMarkerCount"));
        Assert.Equal("1", stat.X("MultipartUploadCount"));
        Assert.Equal("NoSuchBucket", (await Client.SendAsync(new OssCall(HttpMethod.Get, "no-such-bucket-stat").Q("stat"))).ErrorCode);
    }

    [Theory]
    [InlineData(".oss-cn-hangzhou.aliyuncs.com", null, "cn-hangzhou")]
    [InlineData("oss-cn-shanghai.aliyuncs.com", null, "cn-shanghai")]
    [InlineData("bucket.oss-cn-shanghai-internal.aliyuncs.com", "bucket", "cn-shanghai")]
    [InlineData("bucket.localhost", "bucket", null)]
    [InlineData("localhost", null, null)]
    public void Bucket_and_region_come_from_the_host(string host, string? bucket, string? region)
    {
        // ali-oss with an IP endpoint sends ListBuckets with Host: .oss-{region}.aliyuncs.com (its bucket is empty):
        // that is the service endpoint, not a bucket named "". (The interop suite covers it end to end.)
        Assert.Equal(bucket, Http.OssRequest.BucketFromHost(host, ["localhost"], out var found));
        Assert.Equal(region, found);
    }

    [Fact]
    public async Task A_cname_host_addresses_its_bound_bucket_with_the_whole_path_as_key()
    {
        var options = new LocalOssOptions { Port = 0, DataDirectory = null };
        options.Cnames["static.example.test"] = "cname-bucket";
        options.InitialBuckets.Add(new LocalOssBucketSeed { Name = "cname-bucket" });
        await using var server = await LocalOssServer.StartAsync(options);
        using var http = new HttpClient();
        var client = new OssTestClient(http, server.BaseAddress);
        await client.PutAsync("cname-bucket", "cname-bucket/nested key", "through the domain");

        var response = await SendWithHostAsync(http, server.BaseAddress, HttpMethod.Get, "cname-bucket", "cname-bucket/nested key", "Static.Example.Test:9000");
        Assert.Equal("through the domain", await response.Content.ReadAsStringAsync());
        Assert.Throws<System.ComponentModel.DataAnnotations.ValidationException>(() =>
        {
            var bad = new LocalOssOptions();
            bad.Cnames["static.example.test"] = "Not_A_Bucket";
            bad.Validate();
        });
    }

    /// <summary>A V1-signed request for bucket/key sent with an arbitrary Host header (the path is the key alone).</summary>
    private static Task<HttpResponseMessage> SendWithHostAsync(HttpClient http, Uri baseAddress, HttpMethod method, string? bucket, string? key, string host)
    {
        var context = new OssCopy.Oss.Signing.OssSigningContext { Method = method.Method, Bucket = bucket, Key = key, Credentials = OssTestClient.DevCredentials };
        new OssCopy.Oss.Signing.OssSignerV1().SignHeaders(context);
        var request = new HttpRequestMessage(method, new Uri(baseAddress, "/" + OssCopy.Oss.OssEncoding.EscapePath(key ?? "")));
        // Not the Host property: it refuses ".oss-…" (an empty label), which is exactly what ali-oss sends.
        request.Headers.TryAddWithoutValidation("Host", host);
        foreach (var (name, value) in context.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return http.SendAsync(request);
    }
}
