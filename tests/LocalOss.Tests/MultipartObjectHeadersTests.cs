using System.Security.Cryptography;
using LocalOss.Tests.Support;

namespace LocalOss.Tests;

/// <summary>What InitiateMultipartUpload says about the object is what the completed object has.</summary>
public sealed class MultipartObjectHeadersTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private OssTestClient Client => fixture.Client;

    private async Task<string> InitiateAsync(string bucket, string key, Action<OssCall> configure)
    {
        var call = new OssCall(HttpMethod.Post, bucket, key).Q("uploads");
        configure(call);
        var answer = await Client.SendAsync(call);
        Assert.Equal(200, answer.Status);
        return answer.X("UploadId")!;
    }

    private async Task<OssAnswer> UploadOnePartAndCompleteAsync(string bucket, string key, string uploadId, byte[] data, Action<OssCall>? configure = null)
    {
        var part = await Client.SendAsync(new OssCall(HttpMethod.Put, bucket, key) { Body = data }
            .Q("partNumber", "1").Q("uploadId", uploadId));
        Assert.Equal(200, part.Status);
        var complete = new OssCall(HttpMethod.Post, bucket, key).Q("uploadId", uploadId)
            .WithBody($"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{part.Header("ETag")}</ETag></Part></CompleteMultipartUpload>");
        configure?.Invoke(complete);
        return await Client.SendAsync(complete);
    }

    [Theory]
    [InlineData("private")]
    [InlineData("public-read")]
    [InlineData("public-read-write")]
    public async Task The_completed_object_has_the_acl_storage_class_encryption_tags_and_metadata_of_the_initiate_request(string acl)
    {
        var bucket = await fixture.NewBucketAsync();
        var uploadId = await InitiateAsync(bucket, "big", c => c.H("x-oss-object-acl", acl).H("x-oss-storage-class", "IA")
            .H("x-oss-server-side-encryption", "KMS").H("x-oss-server-side-encryption-key-id", "kms-1")
            .H("x-oss-tagging", "team=copy&tier=gold").H("x-oss-meta-origin", "initiate").H("Content-Type", "text/x-big")
            .H("Content-Disposition", "attachment"));
        var data = RandomNumberGenerator.GetBytes(1000);
        var complete = await UploadOnePartAndCompleteAsync(bucket, "big", uploadId, data);
        Assert.Equal(200, complete.Status);
        Assert.Equal("KMS", complete.Header("x-oss-server-side-encryption"));

        var aclAnswer = await Client.GetAsync(bucket, "big", c => c.Q("acl"));
        Assert.Equal(200, aclAnswer.Status);
        Assert.Equal(acl, aclAnswer.X("Grant"));
        var head = await Client.HeadAsync(bucket, "big");
        Assert.Equal("IA", head.Header("x-oss-storage-class"));
        Assert.Equal("KMS", head.Header("x-oss-server-side-encryption"));
        Assert.Equal("kms-1", head.Header("x-oss-server-side-encryption-key-id"));
        Assert.Equal("initiate", head.Header("x-oss-meta-origin"));
        Assert.Equal("text/x-big", head.Header("Content-Type"));
        Assert.Equal("attachment", head.Header("Content-Disposition"));
        Assert.Equal("2", head.Header("x-oss-tagging-count"));
        var tags = await Client.GetAsync(bucket, "big", c => c.Q("tagging"));
        Assert.Equal(["team=copy", "tier=gold"], tags.Xml.Descendants("Tag").Select(t => t.Element("Key")!.Value + "=" + t.Element("Value")!.Value).Order());
        Assert.Equal(data, (await Client.GetAsync(bucket, "big")).Body);
    }

    [Fact]
    public async Task Without_an_acl_on_initiate_the_completed_object_acl_is_default()
    {
        var bucket = await fixture.NewBucketAsync();
        var uploadId = await InitiateAsync(bucket, "plain", _ => { });
        Assert.Equal(200, (await UploadOnePartAndCompleteAsync(bucket, "plain", uploadId, [1, 2, 3])).Status);
        Assert.Equal("default", (await Client.GetAsync(bucket, "plain", c => c.Q("acl"))).X("Grant"));
    }

    [Fact]
    public async Task Forbid_overwrite_on_initiate_or_on_complete_refuses_an_object_that_appeared_meanwhile()
    {
        var bucket = await fixture.NewBucketAsync();
        var onInitiate = await InitiateAsync(bucket, "k", c => c.H("x-oss-forbid-overwrite", "true"));
        var onComplete = await InitiateAsync(bucket, "k", _ => { });
        await Client.PutAsync(bucket, "k", "someone else");

        foreach (var (uploadId, configure) in new (string, Action<OssCall>?)[]
                 {
                     (onInitiate, null),
                     (onComplete, c => c.H("x-oss-forbid-overwrite", "true")),
                 })
        {
            var refused = await UploadOnePartAndCompleteAsync(bucket, "k", uploadId, [9], configure);
            Assert.Equal(409, refused.Status);
            Assert.Equal("FileAlreadyExists", refused.ErrorCode);
        }

        Assert.Equal("someone else", (await Client.GetAsync(bucket, "k")).Text);
        var allowed = await InitiateAsync(bucket, "k", _ => { });
        Assert.Equal(200, (await UploadOnePartAndCompleteAsync(bucket, "k", allowed, [7], c => c.H("x-oss-forbid-overwrite", "false"))).Status);
        Assert.Equal([7], (await Client.GetAsync(bucket, "k")).Body);
    }

    [Fact]
    public async Task An_acl_sent_with_complete_is_the_object_acl_and_overrides_the_initiate_one()
    {
        var bucket = await fixture.NewBucketAsync();
        var plain = await InitiateAsync(bucket, "on-complete", _ => { });
        Assert.Equal(200, (await UploadOnePartAndCompleteAsync(bucket, "on-complete", plain, [1], c => c.H("x-oss-object-acl", "public-read"))).Status);
        Assert.Equal("public-read", (await Client.GetAsync(bucket, "on-complete", c => c.Q("acl"))).X("Grant"));

        var privateOnInitiate = await InitiateAsync(bucket, "both", c => c.H("x-oss-object-acl", "private"));
        Assert.Equal(200, (await UploadOnePartAndCompleteAsync(bucket, "both", privateOnInitiate, [2], c => c.H("x-oss-object-acl", "public-read-write"))).Status);
        Assert.Equal("public-read-write", (await Client.GetAsync(bucket, "both", c => c.Q("acl"))).X("Grant"));

        var invalid = await InitiateAsync(bucket, "invalid", _ => { });
        var refused = await UploadOnePartAndCompleteAsync(bucket, "invalid", invalid, [3], c => c.H("x-oss-object-acl", "everyone"));
        Assert.Equal(400, refused.Status);
        Assert.Equal("InvalidArgument", refused.ErrorCode);
        Assert.Equal(404, (await Client.HeadAsync(bucket, "invalid")).Status);
    }
}
