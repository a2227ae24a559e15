using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using LocalOss.Tests.Support;
using OssCopy.Oss.Hashing;

namespace LocalOss.Tests;

public sealed class CopyTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private OssTestClient Client => fixture.Client;

    [Theory]
    [InlineData(Signing.V4, Addressing.PathStyle)]
    [InlineData(Signing.V1, Addressing.VirtualHosted)]
    public async Task Copy_keeps_data_etag_crc_and_metadata(Signing signing, Addressing addressing)
    {
        var source = await fixture.NewBucketAsync();
        var target = await fixture.NewBucketAsync();
        var data = RandomNumberGenerator.GetBytes(10_000);
        await Client.PutAsync(source, "dir/src key+1.txt", data, c => c.H("Content-Type", "text/x-src").H("x-oss-meta-color", "blue"));

        var copy = await Client.CopyAsync(source, "dir/src key+1.txt", target, "copied", c => { c.Signing = signing; c.Addressing = addressing; });
        Assert.Equal(200, copy.Status);
        var etag = $"\"{Convert.ToHexString(MD5.HashData(data))}\"";
        Assert.Equal(etag, copy.X("ETag"));
        Assert.Equal(etag, copy.Header("ETag"));
        Assert.NotNull(copy.X("LastModified"));
        Assert.Equal(Crc64.Compute(data).ToString(CultureInfo.InvariantCulture), copy.Header("x-oss-hash-crc64ecma"));

        var get = await Client.GetAsync(target, "copied");
        Assert.Equal(data, get.Body);
        Assert.Equal("text/x-src", get.Header("Content-Type"));
        Assert.Equal("blue", get.Header("x-oss-meta-color"));
        Assert.Equal(copy.Header("x-oss-hash-crc64ecma"), get.Header("x-oss-hash-crc64ecma"));
    }

    [Fact]
    public async Task Copy_source_key_encoded_like_ali_oss_with_slash_as_percent_2F()
    {
        var bucket = await fixture.NewBucketAsync();
        await Client.PutAsync(bucket, "dir/src key+1.txt", "ali");
        var copy = await Client.SendAsync(new OssCall(HttpMethod.Put, bucket, "dest")
            .H("x-oss-copy-source", $"/{bucket}/dir%2Fsrc%20key%2B1.txt"));
        Assert.Equal(200, copy.Status);
        Assert.Equal("ali", (await Client.GetAsync(bucket, "dest")).Text);
    }

    [Fact]
    public async Task Metadata_directive_copy_and_replace_case_insensitive()
    {
        var bucket = await fixture.NewBucketAsync();
        await Client.PutAsync(bucket, "src", "x", c => c.H("Content-Type", "text/a").H("x-oss-meta-a", "1").H("Content-Disposition", "inline"));

        await Client.CopyAsync(bucket, "src", bucket, "copy", c => c.H("x-oss-metadata-directive", "copy").H("x-oss-meta-b", "ignored"));
        var copied = await Client.HeadAsync(bucket, "copy");
        Assert.Equal("1", copied.Header("x-oss-meta-a"));
        Assert.Null(copied.Header("x-oss-meta-b"));
        Assert.Equal("inline", copied.Header("Content-Disposition"));

        await Client.CopyAsync(bucket, "src", bucket, "replaced", c => c.H("x-oss-metadata-directive", "Replace")
            .H("x-oss-meta-b", "2").H("Content-Type", "text/b"));
        var replaced = await Client.HeadAsync(bucket, "replaced");
        Assert.Null(replaced.Header("x-oss-meta-a"));
        Assert.Equal("2", replaced.Header("x-oss-meta-b"));
        Assert.Equal("text/b", replaced.Header("Content-Type"));
        Assert.Null(replaced.Header("Content-Disposition"));

        var bad = await Client.CopyAsync(bucket, "src", bucket, "bad", c => c.H("x-oss-metadata-directive", "MERGE"));
        Assert.Equal(400, bad.Status);
        Assert.Equal("InvalidArgument", bad.ErrorCode);
        var badTagging = await Client.CopyAsync(bucket, "src", bucket, "bad", c => c.H("x-oss-tagging-directive", "Keep"));
        Assert.Equal("InvalidArgument", badTagging.ErrorCode);
        Assert.Equal(404, (await Client.HeadAsync(bucket, "bad")).Status);
    }

    [Fact]
    public async Task Tagging_directive_copy_and_replace()
    {
        var bucket = await fixture.NewBucketAsync();
        await Client.PutAsync(bucket, "src", "x", c => c.H("x-oss-tagging", "a=1&b=2"));

        await Client.CopyAsync(bucket, "src", bucket, "copy", c => c.H("x-oss-tagging", "ignored=1"));
        Assert.Equal(["a", "b"], (await Client.GetAsync(bucket, "copy", c => c.Q("tagging"))).Xml.Descendants("Key").Select(k => k.Value));

        await Client.CopyAsync(bucket, "src", bucket, "replace", c => c.H("x-oss-tagging-directive", "replace").H("x-oss-tagging", "c=3"));
        var replaced = await Client.GetAsync(bucket, "replace", c => c.Q("tagging"));
        Assert.Equal([("c", "3")], replaced.Xml.Descendants("Tag").Select(t => (t.Element("Key")!.Value, t.Element("Value")!.Value)));

        await Client.CopyAsync(bucket, "src", bucket, "none", c => c.H("x-oss-tagging-directive", "Replace"));
        Assert.Null((await Client.HeadAsync(bucket, "none")).Header("x-oss-tagging-count"));

        var invalid = await Client.CopyAsync(bucket, "src", bucket, "bad", c => c.H("x-oss-tagging-directive", "Replace").H("x-oss-tagging", "a=b=c"));
        Assert.Equal("InvalidTag", invalid.ErrorCode);
    }

    [Fact]
    public async Task Forbid_overwrite_refuses_existing_destination_but_not_on_versioned_bucket()
    {
        var bucket = await fixture.NewBucketAsync();
        await Client.PutAsync(bucket, "src", "new");
        await Client.PutAsync(bucket, "dest", "old");
        var refused = await Client.CopyAsync(bucket, "src", bucket, "dest", c => c.H("x-oss-forbid-overwrite", "true"));
        Assert.Equal(409, refused.Status);
        Assert.Equal("FileAlreadyExists", refused.ErrorCode);
        Assert.Equal("old", (await Client.GetAsync(bucket, "dest")).Text);
        Assert.Equal(200, (await Client.CopyAsync(bucket, "src", bucket, "fresh", c => c.H("x-oss-forbid-overwrite", "true"))).Status);
        Assert.Equal(200, (await Client.CopyAsync(bucket, "src", bucket, "dest", c => c.H("x-oss-forbid-overwrite", "false"))).Status);
        Assert.Equal("new", (await Client.GetAsync(bucket, "dest")).Text);

        var versioned = await fixture.NewBucketAsync(versioned: true);
        await Client.PutAsync(versioned, "src", "v2");
        await Client.PutAsync(versioned, "dest", "v1");
        var ignored = await Client.CopyAsync(versioned, "src", versioned, "dest", c => c.H("x-oss-forbid-overwrite", "true"));
        Assert.Equal(200, ignored.Status);
        Assert.Equal("v2", (await Client.GetAsync(versioned, "dest")).Text);
    }

    [Fact]
    public async Task Copy_source_conditions_answer_412_and_304()
    {
        var bucket = await fixture.NewBucketAsync();
        var etag = (await Client.PutAsync(bucket, "src", "x")).Header("ETag")!;
        var modified = (await Client.HeadAsync(bucket, "src")).Response.Content.Headers.LastModified!.Value;
        string Rfc(DateTimeOffset t) => t.ToString("r", CultureInfo.InvariantCulture);

        Assert.Equal(200, (await Client.CopyAsync(bucket, "src", bucket, "a", c => c.H("x-oss-copy-source-if-match", etag))).Status);
        var mismatch = await Client.CopyAsync(bucket, "src", bucket, "b", c => c.H("x-oss-copy-source-if-match", "\"ABC\""));
        Assert.Equal(412, mismatch.Status);
        Assert.Equal("PreconditionFailed", mismatch.ErrorCode);
        // Named as ali-oss's own tests expect from OSS: "(condition: If-Match)", without the copy-source prefix.
        Assert.Equal("If-Match", mismatch.X("Condition"));
        Assert.Equal(304, (await Client.CopyAsync(bucket, "src", bucket, "c", c => c.H("x-oss-copy-source-if-none-match", etag))).Status);
        Assert.Equal(200, (await Client.CopyAsync(bucket, "src", bucket, "d", c => c.H("x-oss-copy-source-if-none-match", "\"ABC\""))).Status);
        Assert.Equal(304, (await Client.CopyAsync(bucket, "src", bucket, "e", c => c.H("x-oss-copy-source-if-modified-since", Rfc(modified.AddMinutes(1))))).Status);
        Assert.Equal(412, (await Client.CopyAsync(bucket, "src", bucket, "f", c => c.H("x-oss-copy-source-if-unmodified-since", Rfc(modified.AddMinutes(-1))))).Status);
        Assert.Equal(200, (await Client.CopyAsync(bucket, "src", bucket, "g", c => c.H("x-oss-copy-source-if-unmodified-since", Rfc(modified.AddMinutes(1))))).Status);
        foreach (var key in new[] { "b", "c", "e", "f" })
        {
            Assert.Equal(404, (await Client.HeadAsync(bucket, key)).Status);
        }
    }

    [Fact]
    public async Task Cross_region_copy_fails_as_oss_does()
    {
        var hangzhou = await fixture.NewBucketAsync("cn-hangzhou");
        var shanghai = await fixture.NewBucketAsync("cn-shanghai");
        await Client.PutAsync(hangzhou, "src", "x");
        var answer = await Client.CopyAsync(hangzhou, "src", shanghai, "dest");
        Assert.Equal(400, answer.Status);
        Assert.Equal("InvalidArgument", answer.ErrorCode);
        Assert.Equal("0016-00000306", answer.X("EC"));
        Assert.Equal(404, (await Client.HeadAsync(shanghai, "dest")).Status);
    }

    [Fact]
    public async Task Missing_source_is_NoSuchKey_and_missing_source_bucket_NoSuchBucket()
    {
        var bucket = await fixture.NewBucketAsync();
        Assert.Equal("NoSuchKey", (await Client.CopyAsync(bucket, "nope", bucket, "d")).ErrorCode);
        Assert.Equal("NoSuchBucket", (await Client.CopyAsync("missing-src-bucket", "k", bucket, "d")).ErrorCode);
        var malformed = await Client.SendAsync(new OssCall(HttpMethod.Put, bucket, "d").H("x-oss-copy-source", "no-leading-slash"));
        Assert.Equal(400, malformed.Status);
    }

    [Fact]
    public async Task Encryption_acl_and_storage_class_of_the_destination_come_from_the_request()
    {
        var bucket = await fixture.NewBucketAsync();
        await Client.PutAsync(bucket, "src", "x", c => c.H("x-oss-server-side-encryption", "AES256").H("x-oss-storage-class", "IA"));
        var copy = await Client.CopyAsync(bucket, "src", bucket, "kms", c => c
            .H("x-oss-server-side-encryption", "KMS").H("x-oss-server-side-encryption-key-id", "kms-key")
            .H("x-oss-server-side-data-encryption", "SM4").H("x-oss-object-acl", "public-read").H("x-oss-storage-class", "Archive"));
        Assert.Equal(200, copy.Status);
        Assert.Equal("KMS", copy.Header("x-oss-server-side-encryption"));
        Assert.Equal("kms-key", copy.Header("x-oss-server-side-encryption-key-id"));
        Assert.Equal("SM4", copy.Header("x-oss-server-side-data-encryption"));
        var head = await Client.HeadAsync(bucket, "kms");
        Assert.Equal("Archive", head.Header("x-oss-storage-class"));
        Assert.Equal("public-read", (await Client.GetAsync(bucket, "kms", c => c.Q("acl"))).X("Grant"));

        var plain = await Client.CopyAsync(bucket, "src", bucket, "plain");
        Assert.Null(plain.Header("x-oss-server-side-encryption"));
        Assert.Equal("Standard", (await Client.HeadAsync(bucket, "plain")).Header("x-oss-storage-class"));
    }

    [Fact]
    public async Task Versioned_source_version_id_is_copied_and_echoed()
    {
        var bucket = await fixture.NewBucketAsync(versioned: true);
        var v1 = (await Client.PutAsync(bucket, "src", "first")).Header("x-oss-version-id")!;
        var v2 = (await Client.PutAsync(bucket, "src", "second")).Header("x-oss-version-id")!;
        Assert.NotEqual(v1, v2);

        var copy = await Client.SendAsync(new OssCall(HttpMethod.Put, bucket, "dest").H("x-oss-copy-source", $"/{bucket}/src?versionId={v1}"));
        Assert.Equal(200, copy.Status);
        Assert.Equal(v1, copy.Header("x-oss-copy-source-version-id"));
        Assert.NotNull(copy.Header("x-oss-version-id"));
        Assert.Equal("first", (await Client.GetAsync(bucket, "dest")).Text);

        var latest = await Client.CopyAsync(bucket, "src", bucket, "dest2");
        Assert.Equal(v2, latest.Header("x-oss-copy-source-version-id"));
        Assert.Equal("NoSuchVersion", (await Client.SendAsync(new OssCall(HttpMethod.Put, bucket, "d3").H("x-oss-copy-source", $"/{bucket}/src?versionId=CAEQnope"))).ErrorCode);
    }

    [Fact]
    public async Task Copy_writes_metadata_only_for_small_and_large_objects()
    {
        var bucket = await fixture.NewBucketAsync();
        await Client.PutAsync(bucket, "small", RandomNumberGenerator.GetBytes(1024));
        await Client.PutAsync(bucket, "large", RandomNumberGenerator.GetBytes(8 * 1024 * 1024));
        var blobs = fixture.Server.StoredBlobCount;
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(200, (await Client.CopyAsync(bucket, "small", bucket, $"small-{i}")).Status);
            Assert.Equal(200, (await Client.CopyAsync(bucket, "large", bucket, $"large-{i}")).Status);
        }

        Assert.Equal(blobs, fixture.Server.StoredBlobCount);

        // Deleting the source keeps the copies' data; deleting every reference frees it.
        await Client.DeleteAsync(bucket, "large");
        Assert.Equal(8 * 1024 * 1024, (await Client.GetAsync(bucket, "large-2")).Body.Length);
        for (var i = 0; i < 3; i++)
        {
            await Client.DeleteAsync(bucket, $"large-{i}");
        }

        Assert.Equal(blobs - 1, fixture.Server.StoredBlobCount);
    }

    [Fact]
    public async Task Same_content_uploaded_twice_is_stored_once()
    {
        var bucket = await fixture.NewBucketAsync();
        var data = Encoding.UTF8.GetBytes("dedup-" + Guid.NewGuid());
        await Client.PutAsync(bucket, "one", data);
        var blobs = fixture.Server.StoredBlobCount;
        await Client.PutAsync(bucket, "two", data);
        Assert.Equal(blobs, fixture.Server.StoredBlobCount);
    }
}

public sealed class SmallCopyLimitFixture : ServerFixture
{
    protected override void Configure(LocalOssOptions options) => options.MaxCopyObjectSourceSize = 1000;
}

public sealed class CopyLimitTests(SmallCopyLimitFixture fixture) : IClassFixture<SmallCopyLimitFixture>
{
    [Fact]
    public async Task Copy_over_the_limit_is_refused_and_multipart_copy_works()
    {
        var client = fixture.Client;
        var bucket = await fixture.NewBucketAsync();
        var data = RandomNumberGenerator.GetBytes(1001);
        await client.PutAsync(bucket, "big", data);
        Assert.Equal(200, (await client.PutAsync(bucket, "small", new byte[1000]).ContinueWith(_ => client.CopyAsync(bucket, "small", bucket, "small-copy")).Unwrap()).Status);

        var refused = await client.CopyAsync(bucket, "big", bucket, "big-copy");
        Assert.Equal(400, refused.Status);
        Assert.Equal("EntityTooLarge", refused.ErrorCode);

        var uploadId = (await client.SendAsync(new OssCall(HttpMethod.Post, bucket, "big-copy").Q("uploads"))).X("UploadId")!;
        var part = await client.SendAsync(new OssCall(HttpMethod.Put, bucket, "big-copy").Q("partNumber", "1").Q("uploadId", uploadId)
            .H("x-oss-copy-source", $"/{bucket}/big"));
        Assert.Equal(200, part.Status);
        var complete = await client.SendAsync(new OssCall(HttpMethod.Post, bucket, "big-copy").Q("uploadId", uploadId)
            .WithBody($"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{part.X("ETag")}</ETag></Part></CompleteMultipartUpload>"));
        Assert.Equal(200, complete.Status);
        Assert.Equal(data, (await client.GetAsync(bucket, "big-copy")).Body);
    }
}

public sealed class WormTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Locked_retention_policy_makes_overwrites_immutable()
    {
        var client = fixture.Client;
        var bucket = await fixture.NewBucketAsync();
        await client.PutAsync(bucket, "existing", "kept");
        await client.PutAsync(bucket, "src", "new");

        var initiate = await client.SendAsync(new OssCall(HttpMethod.Post, bucket).Q("worm")
            .WithBody("<InitiateWormConfiguration><RetentionPeriodInDays>1</RetentionPeriodInDays></InitiateWormConfiguration>"));
        Assert.Equal(200, initiate.Status);
        var wormId = initiate.Header("x-oss-worm-id")!;
        Assert.Equal(200, (await client.SendAsync(new OssCall(HttpMethod.Post, bucket).Q("wormId", wormId))).Status);
        var config = await client.SendAsync(new OssCall(HttpMethod.Get, bucket).Q("worm"));
        Assert.Equal("Locked", config.X("State"));
        Assert.Equal(wormId, config.X("WormId"));
        Assert.Equal("1", config.X("RetentionPeriodInDays"));

        var copy = await client.CopyAsync(bucket, "src", bucket, "existing");
        Assert.Equal(409, copy.Status);
        Assert.Equal("FileImmutable", copy.ErrorCode);
        Assert.Equal("The object you specified is immutable.", copy.X("Message"));
        Assert.Equal("0026-00000005", copy.X("EC"));
        Assert.Equal("FileImmutable", (await client.PutAsync(bucket, "existing", "overwrite")).ErrorCode);
        Assert.Equal("FileImmutable", (await client.DeleteAsync(bucket, "existing")).ErrorCode);
        Assert.Equal("kept", (await client.GetAsync(bucket, "existing")).Text);

        // New keys can still be written, and reading (copying out) works.
        Assert.Equal(200, (await client.CopyAsync(bucket, "src", bucket, "brand-new")).Status);
        var other = await fixture.NewBucketAsync();
        Assert.Equal(200, (await client.CopyAsync(bucket, "existing", other, "out")).Status);
        Assert.Equal("InvalidWormConfigurationState", (await client.SendAsync(new OssCall(HttpMethod.Delete, bucket).Q("worm"))).ErrorCode);
    }

    [Fact]
    public async Task Unlocked_policy_can_be_aborted()
    {
        var client = fixture.Client;
        var bucket = await fixture.NewBucketAsync();
        await client.SendAsync(new OssCall(HttpMethod.Post, bucket).Q("worm")
            .WithBody("<InitiateWormConfiguration><RetentionPeriodInDays>3</RetentionPeriodInDays></InitiateWormConfiguration>"));
        Assert.Equal("InProgress", (await client.SendAsync(new OssCall(HttpMethod.Get, bucket).Q("worm"))).X("State"));
        Assert.Equal(204, (await client.SendAsync(new OssCall(HttpMethod.Delete, bucket).Q("worm"))).Status);
        Assert.Equal(404, (await client.SendAsync(new OssCall(HttpMethod.Get, bucket).Q("worm"))).Status);
    }
}
