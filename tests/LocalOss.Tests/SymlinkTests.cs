using LocalOss.Tests.Support;
using OssCopy.Oss;

namespace LocalOss.Tests;

/// <summary>PutSymlink/GetSymlink and reading through a link (OSS's HeadObject rules for symbolic links).</summary>
public sealed class SymlinkTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private OssTestClient Client => fixture.Client;

    private Task<OssAnswer> PutSymlinkAsync(string bucket, string key, string target, Action<OssCall>? configure = null)
    {
        var call = new OssCall(HttpMethod.Put, bucket, key).Q("symlink").H("x-oss-symlink-target", OssEncoding.EscapePath(target));
        configure?.Invoke(call);
        return Client.SendAsync(call);
    }

    [Theory]
    [InlineData(Signing.V4, Addressing.PathStyle)]
    [InlineData(Signing.V1, Addressing.VirtualHosted)]
    public async Task A_link_reads_its_targets_data_with_its_own_metadata(Signing signing, Addressing addressing)
    {
        var bucket = await fixture.NewBucketAsync();
        void Style(OssCall c)
        {
            c.Signing = signing;
            c.Addressing = addressing;
        }

        var target = await Client.PutAsync(bucket, "dir/target 数据+1.txt", "target data", c => c.H("x-oss-meta-who", "target"));
        await Task.Delay(1100);
        var put = await PutSymlinkAsync(bucket, "link", "dir/target 数据+1.txt", c =>
        {
            Style(c);
            c.H("x-oss-meta-who", "link").H("x-oss-storage-class", "IA").H("Content-Type", "text/x-link");
        });
        Assert.Equal(200, put.Status);

        var symlink = await Client.SendAsync(new OssCall(HttpMethod.Get, bucket, "link").Q("symlink"));
        Assert.Equal(200, symlink.Status);
        Assert.Equal(OssEncoding.EscapePath("dir/target 数据+1.txt"), symlink.Header("x-oss-symlink-target"));
        Assert.Equal(put.Header("ETag"), symlink.Header("ETag"));
        Assert.Empty(symlink.Body);

        var get = await Client.GetAsync(bucket, "link", Style);
        Assert.Equal("target data", get.Text);
        Assert.Equal(target.Header("ETag"), get.Header("ETag"));
        Assert.Equal(target.Header("x-oss-hash-crc64ecma"), get.Header("x-oss-hash-crc64ecma"));
        Assert.Equal("Symlink", get.Header("x-oss-object-type"));
        Assert.Equal("link", get.Header("x-oss-meta-who"));
        Assert.Equal("IA", get.Header("x-oss-storage-class"));
        Assert.Equal("text/x-link", get.Header("Content-Type"));
        // Last-Modified is the later of link and target: the link here.
        var headTarget = await Client.HeadAsync(bucket, "dir/target 数据+1.txt");
        var headLink = await Client.HeadAsync(bucket, "link", Style);
        Assert.True(headLink.Response.Content.Headers.LastModified > headTarget.Response.Content.Headers.LastModified);
        Assert.Equal(11, headLink.Response.Content.Headers.ContentLength);
        Assert.Equal("data", (await Client.GetAsync(bucket, "link", c => c.H("Range", "bytes=7-10"))).Text);

        var listed = await Client.SendAsync(new OssCall(HttpMethod.Get, bucket).Q("prefix", "link"));
        Assert.Equal("Symlink", listed.X("Type"));
    }

    [Fact]
    public async Task Missing_targets_links_to_links_and_non_links_are_refused()
    {
        var bucket = await fixture.NewBucketAsync();
        Assert.Equal(200, (await PutSymlinkAsync(bucket, "dangling", "nowhere")).Status);
        var get = await Client.GetAsync(bucket, "dangling");
        Assert.Equal(404, get.Status);
        Assert.Equal("SymlinkTargetNotExist", get.ErrorCode);
        var head = await Client.HeadAsync(bucket, "dangling");
        Assert.Equal(404, head.Status);
        Assert.Equal("0026-00000012", head.Header("x-oss-ec"));
        Assert.Equal(200, (await Client.SendAsync(new OssCall(HttpMethod.Get, bucket, "dangling").Q("symlink"))).Status);

        Assert.Equal(200, (await PutSymlinkAsync(bucket, "chain", "dangling")).Status);
        var chained = await Client.GetAsync(bucket, "chain");
        Assert.Equal(400, chained.Status);
        Assert.Equal("InvalidTargetType", chained.ErrorCode);

        await Client.PutAsync(bucket, "plain", "x");
        var notLink = await Client.SendAsync(new OssCall(HttpMethod.Get, bucket, "plain").Q("symlink"));
        Assert.Equal(400, notLink.Status);
        Assert.Equal("NotSymlink", notLink.ErrorCode);
        Assert.Equal("InvalidArgument", (await Client.SendAsync(new OssCall(HttpMethod.Put, bucket, "k").Q("symlink"))).ErrorCode);
    }

    [Fact]
    public async Task Copies_of_a_link_are_links_and_part_copies_of_a_link_are_refused()
    {
        var bucket = await fixture.NewBucketAsync();
        await Client.PutAsync(bucket, "target", "payload");
        await PutSymlinkAsync(bucket, "link", "target");
        Assert.Equal(200, (await Client.CopyAsync(bucket, "link", bucket, "copy")).Status);
        Assert.Equal(200, (await Client.CopyAsync(bucket, "link", bucket, "replaced", c => c.H("x-oss-metadata-directive", "REPLACE").H("x-oss-meta-a", "1"))).Status);
        foreach (var key in new[] { "copy", "replaced" })
        {
            Assert.Equal("target", (await Client.SendAsync(new OssCall(HttpMethod.Get, bucket, key).Q("symlink"))).Header("x-oss-symlink-target"));
            Assert.Equal("payload", (await Client.GetAsync(bucket, key)).Text);
        }

        var upload = await Client.SendAsync(new OssCall(HttpMethod.Post, bucket, "mp").Q("uploads"));
        var uploadId = upload.X("UploadId")!;
        var part = await Client.SendAsync(new OssCall(HttpMethod.Put, bucket, "mp").Q("partNumber", "1").Q("uploadId", uploadId).H("x-oss-copy-source", $"/{bucket}/link"));
        Assert.Equal(400, part.Status);
        Assert.Equal("0042-00000308", part.Header("x-oss-ec"));
    }

    [Fact]
    public async Task Links_have_versions_on_versioned_buckets()
    {
        var bucket = await fixture.NewBucketAsync(versioned: true);
        await Client.PutAsync(bucket, "t1", "one");
        await Client.PutAsync(bucket, "t2", "two");
        var first = await PutSymlinkAsync(bucket, "link", "t1");
        var versionId = first.Header("x-oss-version-id")!;
        Assert.NotNull(versionId);
        await PutSymlinkAsync(bucket, "link", "t2");
        Assert.Equal("two", (await Client.GetAsync(bucket, "link")).Text);
        var old = await Client.SendAsync(new OssCall(HttpMethod.Get, bucket, "link").Q("symlink").Q("versionId", versionId));
        Assert.Equal("t1", old.Header("x-oss-symlink-target"));
        Assert.Equal(versionId, old.Header("x-oss-version-id"));
        Assert.Equal("one", (await Client.GetAsync(bucket, "link", c => c.Q("versionId", versionId))).Text);
    }
}
