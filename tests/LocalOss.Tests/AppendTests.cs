using System.Globalization;
using System.Text;
using LocalOss.Tests.Support;
using OssCopy.Oss.Hashing;

namespace LocalOss.Tests;

/// <summary>AppendObject (oss-protocol.md 6.4): positions, the whole-object CRC-64, object type and versioning.</summary>
public sealed class AppendTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private OssTestClient Client => fixture.Client;

    private Task<OssAnswer> AppendAsync(string bucket, string key, long position, string data, Action<OssCall>? configure = null)
    {
        var call = new OssCall(HttpMethod.Post, bucket, key).Q("append").Q("position", position.ToString(CultureInfo.InvariantCulture)).WithBody(data);
        configure?.Invoke(call);
        return Client.SendAsync(call);
    }

    [Theory]
    [InlineData(Signing.V4, Addressing.PathStyle)]
    [InlineData(Signing.V1, Addressing.VirtualHosted)]
    public async Task Appends_grow_the_object_with_the_crc_of_the_whole_object(Signing signing, Addressing addressing)
    {
        var bucket = await fixture.NewBucketAsync();
        void Style(OssCall c)
        {
            c.Signing = signing;
            c.Addressing = addressing;
        }

        // The official SDKs' vector: "hi oss,append object" then ",this is a demo" (crc64.json append_part1[_plus_part2]).
        var first = await AppendAsync(bucket, "log.txt", 0, "hi oss,append object", c =>
        {
            Style(c);
            c.H("Content-Type", "text/plain").H("x-oss-meta-source", "first");
        });
        Assert.Equal(200, first.Status);
        Assert.Equal("20", first.Header("x-oss-next-append-position"));
        Assert.Equal("2313496259928504459", first.Header("x-oss-hash-crc64ecma"));

        var second = await AppendAsync(bucket, "log.txt", 20, ",this is a demo", c =>
        {
            Style(c);
            c.H("x-oss-meta-source", "second");
        });
        Assert.Equal(200, second.Status);
        Assert.Equal("35", second.Header("x-oss-next-append-position"));
        Assert.Equal("8586970469916596321", second.Header("x-oss-hash-crc64ecma"));
        Assert.NotEqual(first.Header("ETag"), second.Header("ETag"));

        var get = await Client.GetAsync(bucket, "log.txt", Style);
        Assert.Equal("hi oss,append object,this is a demo", get.Text);
        Assert.Equal("Appendable", get.Header("x-oss-object-type"));
        Assert.Equal("35", get.Header("x-oss-next-append-position"));
        Assert.Equal("8586970469916596321", get.Header("x-oss-hash-crc64ecma"));
        Assert.Equal(second.Header("ETag"), get.Header("ETag"));
        // Metadata comes from the first append only.
        Assert.Equal("first", get.Header("x-oss-meta-source"));
        Assert.Equal("text/plain", get.Header("Content-Type"));
        Assert.Equal("Appendable", (await Client.SendAsync(new OssCall(HttpMethod.Get, bucket).Q("list-type", "2"))).X("Type"));
        Assert.Equal("demo", (await Client.GetAsync(bucket, "log.txt", c => c.H("Range", "bytes=31-34"))).Text);
    }

    [Fact]
    public async Task A_wrong_position_is_409_with_the_length_to_use()
    {
        var bucket = await fixture.NewBucketAsync();
        Assert.Equal(200, (await AppendAsync(bucket, "k", 0, "abc")).Status);
        foreach (var position in new long[] { 0, 2, 4 })
        {
            var wrong = await AppendAsync(bucket, "k", position, "x");
            Assert.Equal(409, wrong.Status);
            Assert.Equal("PositionNotEqualToLength", wrong.ErrorCode);
            Assert.Equal("Position is not equal to file length", wrong.X("Message"));
            Assert.Equal("0026-00000016", wrong.Header("x-oss-ec"));
            Assert.Equal("3", wrong.Header("x-oss-next-append-position"));
        }

        var fresh = await AppendAsync(bucket, "new", 5, "x");
        Assert.Equal("PositionNotEqualToLength", fresh.ErrorCode);
        Assert.Equal("0", fresh.Header("x-oss-next-append-position"));
        Assert.Equal("abc", (await Client.GetAsync(bucket, "k")).Text);

        var missing = await Client.SendAsync(new OssCall(HttpMethod.Post, bucket, "k").Q("append").WithBody("x"));
        Assert.Equal(400, missing.Status);
        Assert.Equal("InvalidArgument", missing.ErrorCode);
    }

    [Fact]
    public async Task Normal_objects_are_not_appendable_and_appendable_ones_are_not_copyable()
    {
        var bucket = await fixture.NewBucketAsync();
        await Client.PutAsync(bucket, "normal", "data");
        var refused = await AppendAsync(bucket, "normal", 4, "x");
        Assert.Equal(409, refused.Status);
        Assert.Equal("ObjectNotAppendable", refused.ErrorCode);
        Assert.Equal("0026-00000017", refused.Header("x-oss-ec"));

        await AppendAsync(bucket, "appendable", 0, "data");
        var copy = await Client.CopyAsync(bucket, "appendable", bucket, "copy");
        Assert.Equal(400, copy.Status);
        Assert.Equal("OperationNotSupported", copy.ErrorCode);

        // A PutObject over an appendable object makes it Normal again.
        await Client.PutAsync(bucket, "appendable", "replaced");
        Assert.Equal("Normal", (await Client.HeadAsync(bucket, "appendable")).Header("x-oss-object-type"));
        Assert.Null((await Client.HeadAsync(bucket, "appendable")).Header("x-oss-next-append-position"));
    }

    [Fact]
    public async Task Appends_reuse_the_stored_data_and_check_content_md5()
    {
        var bucket = await fixture.NewBucketAsync();
        var chunk = new string('a', 64 * 1024);
        long position = 0;
        var expected = new StringBuilder();
        for (var i = 0; i < 4; i++)
        {
            var answer = await AppendAsync(bucket, "big", position, chunk);
            Assert.Equal(200, answer.Status);
            position = long.Parse(answer.Header("x-oss-next-append-position")!, CultureInfo.InvariantCulture);
            expected.Append(chunk);
        }

        Assert.Equal(4 * 64 * 1024, position);
        var get = await Client.GetAsync(bucket, "big");
        Assert.Equal(expected.ToString(), get.Text);
        Assert.Equal(Crc64.Compute(Encoding.UTF8.GetBytes(expected.ToString())).ToString(CultureInfo.InvariantCulture), get.Header("x-oss-hash-crc64ecma"));

        var badMd5 = await AppendAsync(bucket, "big", position, "tail", c => c.H("Content-MD5", Convert.ToBase64String(new byte[16])));
        Assert.Equal("InvalidDigest", badMd5.ErrorCode);
        Assert.Equal(position, (await Client.HeadAsync(bucket, "big")).Response.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task Versioned_buckets_keep_one_version_per_appendable_object()
    {
        var bucket = await fixture.NewBucketAsync(versioned: true);
        var first = await AppendAsync(bucket, "k", 0, "ab");
        var versionId = first.Header("x-oss-version-id");
        Assert.NotNull(versionId);
        var second = await AppendAsync(bucket, "k", 2, "cd");
        Assert.Equal(versionId, second.Header("x-oss-version-id"));
        var versions = await Client.SendAsync(new OssCall(HttpMethod.Get, bucket).Q("versions"));
        Assert.Single(versions.Xml.Descendants("Version"));

        // After a delete marker, position 0 starts a new appendable version; the old one stays readable.
        await Client.DeleteAsync(bucket, "k");
        var third = await AppendAsync(bucket, "k", 0, "new");
        Assert.Equal(200, third.Status);
        Assert.NotEqual(versionId, third.Header("x-oss-version-id"));
        Assert.Equal("abcd", (await Client.GetAsync(bucket, "k", c => c.Q("versionId", versionId!))).Text);
        Assert.Equal("new", (await Client.GetAsync(bucket, "k")).Text);
    }
}
