using LocalOss.Tests.Support;

namespace LocalOss.Tests;

/// <summary>What a REPLACE copy keeps from its source and what it takes from the request alone.</summary>
public sealed class CopyReplaceTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly (string Name, string Value)[] ClientSideEncryption =
    [
        ("x-oss-meta-client-side-encryption-key", "d3JhcHBlZC1rZXk="),
        ("x-oss-meta-client-side-encryption-start", "aXY="),
        ("x-oss-meta-client-side-encryption-cek-alg", "AES/CTR/NoPadding"),
        ("x-oss-meta-client-side-encryption-wrap-alg", "RSA/NONE/PKCS1Padding"),
        ("x-oss-meta-client-side-encryption-matdesc", "{\"k\":\"v\"}"),
        ("x-oss-meta-client-side-encryption-unencrypted-content-length", "5"),
        ("x-oss-meta-client-side-encryption-unencrypted-content-md5", "XUFAKrxLKna5cZ2REBfFkg=="),
        ("x-oss-meta-client-side-encryption-data-size", "5"),
        ("x-oss-meta-client-side-encryption-part-size", "102400"),
    ];

    private OssTestClient Client => fixture.Client;

    [Fact]
    public async Task A_replace_copy_without_content_type_keeps_the_source_type_and_takes_every_other_header_from_the_request()
    {
        var bucket = await fixture.NewBucketAsync();
        await Client.PutAsync(bucket, "src", "hello", c => c.H("Content-Type", "text/x-source").H("x-oss-meta-a", "1")
            .H("Content-Disposition", "inline").H("Content-Encoding", "gzip").H("Cache-Control", "no-cache")
            .H("Expires", "Wed, 01 Jan 2031 00:00:00 GMT").H("Content-Language", "en"));

        var bare = await Client.CopyAsync(bucket, "src", bucket, "bare", c => c.H("x-oss-metadata-directive", "REPLACE"));
        Assert.Equal(200, bare.Status);
        var head = await Client.HeadAsync(bucket, "bare");
        Assert.Equal("text/x-source", head.Header("Content-Type"));
        foreach (var name in new[] { "x-oss-meta-a", "Content-Disposition", "Content-Encoding", "Cache-Control", "Expires", "Content-Language" })
        {
            Assert.Null(head.Header(name));
        }

        await Client.CopyAsync(bucket, "src", bucket, "given", c => c.H("x-oss-metadata-directive", "REPLACE")
            .H("Content-Type", "text/x-given").H("Content-Language", "fr").H("x-oss-meta-b", "2"));
        var given = await Client.HeadAsync(bucket, "given");
        Assert.Equal("text/x-given", given.Header("Content-Type"));
        Assert.Equal("fr", given.Header("Content-Language"));
        Assert.Equal("2", given.Header("x-oss-meta-b"));
        Assert.Null(given.Header("x-oss-meta-a"));
        Assert.Null(given.Header("Content-Disposition"));
    }

    [Fact]
    public async Task Client_side_encryption_metadata_survives_a_replace_copy_that_does_not_send_it()
    {
        var bucket = await fixture.NewBucketAsync();
        await Client.PutAsync(bucket, "sealed", "ciphertext", c =>
        {
            foreach (var (name, value) in ClientSideEncryption)
            {
                c.H(name, value);
            }

            c.H("x-oss-meta-owner", "alice");
        });

        await Client.CopyAsync(bucket, "sealed", bucket, "replaced", c => c.H("x-oss-metadata-directive", "REPLACE").H("x-oss-meta-owner", "bob"));
        var head = await Client.HeadAsync(bucket, "replaced");
        foreach (var (name, value) in ClientSideEncryption)
        {
            Assert.Equal(value, head.Header(name));
        }

        Assert.Equal("bob", head.Header("x-oss-meta-owner"));
        Assert.Equal("ciphertext", (await Client.GetAsync(bucket, "replaced")).Text);

        Assert.Equal(200, (await Client.CopyAsync(bucket, "sealed", bucket, "copied")).Status);
        var copied = await Client.HeadAsync(bucket, "copied");
        Assert.All(ClientSideEncryption, pair => Assert.Equal(pair.Value, copied.Header(pair.Name)));
    }

    [Fact]
    public async Task A_replace_copy_that_sends_some_client_side_encryption_keys_wins_for_those_and_keeps_the_rest()
    {
        var bucket = await fixture.NewBucketAsync();
        await Client.PutAsync(bucket, "sealed", "ciphertext", c =>
        {
            foreach (var (name, value) in ClientSideEncryption)
            {
                c.H(name, value);
            }
        });

        await Client.CopyAsync(bucket, "sealed", bucket, "rewrapped", c => c.H("x-oss-metadata-directive", "REPLACE")
            .H("x-oss-meta-client-side-encryption-key", "bmV3LWtleQ==").H("x-oss-meta-client-side-encryption-matdesc", "{\"k\":\"new\"}"));
        var head = await Client.HeadAsync(bucket, "rewrapped");
        Assert.Equal("bmV3LWtleQ==", head.Header("x-oss-meta-client-side-encryption-key"));
        Assert.Equal("{\"k\":\"new\"}", head.Header("x-oss-meta-client-side-encryption-matdesc"));
        Assert.Equal("aXY=", head.Header("x-oss-meta-client-side-encryption-start"));
        Assert.Equal("102400", head.Header("x-oss-meta-client-side-encryption-part-size"));
    }

    [Theory]
    [InlineData("test", "0013-00000101")]
    [InlineData("", "0017-00000131")]
    public async Task An_invalid_or_empty_storage_class_on_a_copy_or_put_answers_the_ec_of_its_error_page(string storageClass, string ec)
    {
        var bucket = await fixture.NewBucketAsync();
        await Client.PutAsync(bucket, "src", "x");
        foreach (var answer in new[]
                 {
                     await Client.CopyAsync(bucket, "src", bucket, "dest", c => c.H("x-oss-storage-class", storageClass)),
                     await Client.PutAsync(bucket, "dest", "y", c => c.H("x-oss-storage-class", storageClass)),
                 })
        {
            Assert.Equal(400, answer.Status);
            Assert.Equal("InvalidArgument", answer.ErrorCode);
            Assert.Equal(ec, answer.Header("x-oss-ec"));
        }

        Assert.Equal(404, (await Client.HeadAsync(bucket, "dest")).Status);
    }
}
