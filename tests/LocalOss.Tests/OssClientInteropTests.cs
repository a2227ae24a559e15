using System.Security.Cryptography;
using LocalOss.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OssCopy.Oss;
using OssCopy.Oss.Hashing;
using OssCopy.Oss.Models;

namespace LocalOss.Tests;

/// <summary>Our typed <see cref="IOssClient"/> (as the engine uses it) against an in-process LocalOss.</summary>
public sealed class OssClientInteropTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private ServiceProvider Build(string signatureVersion)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Oss:Region"] = "cn-hangzhou",
            ["Oss:Endpoint"] = fixture.Server.BaseAddress.ToString(),
            ["Oss:UsePathStyle"] = "true",
            ["Oss:DisableSsl"] = "true",
            ["Oss:SignatureVersion"] = signatureVersion,
            ["Oss:MaxRetries"] = "0",
            ["Oss:AccessKeyId"] = LocalOssOptions.DefaultAccessKeyId,
            ["Oss:AccessKeySecret"] = LocalOssOptions.DefaultAccessKeySecret,
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddOssClient(configuration);
        return services.BuildServiceProvider();
    }

    [Theory]
    [InlineData("V4")]
    [InlineData("V1")]
    public async Task Put_copy_head_get_list_and_errors_through_the_typed_client(string signatureVersion)
    {
        await using var provider = Build(signatureVersion);
        var client = provider.GetRequiredService<IOssClient>();
        var bucket = OssTestClient.NewBucketName();
        await client.PutBucketAsync(new PutBucketRequest { Bucket = bucket });
        Assert.Equal("cn-hangzhou", (await client.GetBucketInfoAsync(bucket)).Bucket.Region);

        var data = RandomNumberGenerator.GetBytes(50_000);
        var put = await client.PutObjectAsync(new PutObjectRequest
        {
            Bucket = bucket, Key = "src/a b+c.bin", Body = new MemoryStream(data), ContentType = "application/x-a",
            Metadata = new Dictionary<string, string> { ["owner"] = "alice" }, Tagging = "A=1&B=2",
        });
        Assert.Equal(200, put.StatusCode);

        var copy = await client.CopyObjectAsync(new CopyObjectRequest
        {
            Bucket = bucket, Key = "dst/copy.bin", SourceKey = "src/a b+c.bin",
            ForbidOverwrite = true, TaggingDirective = "Replace", Tagging = "Backup=true",
        });
        Assert.Equal(Crc64.Compute(data), copy.HashCrc64);

        var head = await client.HeadObjectAsync(new HeadObjectRequest { Bucket = bucket, Key = "dst/copy.bin" });
        Assert.Equal(data.Length, head.Properties.ContentLength);
        Assert.Equal("alice", head.Properties.Metadata["owner"]);
        Assert.Equal(1, head.Properties.TaggingCount);

        await using (var get = await client.GetObjectAsync(new GetObjectRequest { Bucket = bucket, Key = "dst/copy.bin" }))
        {
            using var buffer = new MemoryStream();
            await get.Content.CopyToAsync(buffer);
            Assert.Equal(data, buffer.ToArray());
        }

        var again = await Assert.ThrowsAsync<OssException>(() => client.CopyObjectAsync(new CopyObjectRequest
        {
            Bucket = bucket, Key = "dst/copy.bin", SourceKey = "src/a b+c.bin", ForbidOverwrite = true,
        }));
        Assert.Equal("FileAlreadyExists", again.ErrorCode);
        Assert.Equal(409, again.StatusCode);
        Assert.NotNull(again.RequestId);

        var missing = await Assert.ThrowsAsync<OssException>(() => client.HeadObjectAsync(new HeadObjectRequest { Bucket = bucket, Key = "nope" }));
        Assert.Equal("NoSuchKey", missing.ErrorCode);
        Assert.Equal("0026-00000001", missing.Ec);

        var keys = new List<string>();
        await foreach (var page in client.ListObjectsV2PagesAsync(new ListObjectsV2Request { Bucket = bucket, MaxKeys = 1 }))
        {
            keys.AddRange(page.Contents.Select(c => c.Key));
        }

        Assert.Equal(["dst/copy.bin", "src/a b+c.bin"], keys);
        var tags = await client.GetObjectTaggingAsync(new GetObjectTaggingRequest { Bucket = bucket, Key = "dst/copy.bin" });
        Assert.NotNull(tags);

        var presigned = await client.PresignGetObjectAsync(new PresignGetObjectRequest { Bucket = bucket, Key = "src/a b+c.bin" });
        Assert.Equal(data, await fixture.Http.GetByteArrayAsync(presigned.Url));
    }

    [Fact]
    public async Task Multipart_copy_through_the_typed_client_keeps_the_crc()
    {
        await using var provider = Build("V4");
        var client = provider.GetRequiredService<IOssClient>();
        var bucket = OssTestClient.NewBucketName();
        await client.PutBucketAsync(new PutBucketRequest { Bucket = bucket });
        var data = RandomNumberGenerator.GetBytes(250 * 1024);
        await client.PutObjectAsync(new PutObjectRequest { Bucket = bucket, Key = "src", Body = new MemoryStream(data) });

        var upload = await client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { Bucket = bucket, Key = "dst" });
        var parts = new List<OssUploadedPart>();
        const int size = 100 * 1024;
        for (var offset = 0; offset < data.Length; offset += size)
        {
            var number = parts.Count + 1;
            var part = await client.UploadPartCopyAsync(new UploadPartCopyRequest
            {
                Bucket = bucket, Key = "dst", UploadId = upload.UploadId, PartNumber = number, SourceKey = "src",
                SourceRange = new OssByteRange(offset, Math.Min(data.Length, offset + size) - 1),
            });
            parts.Add(new OssUploadedPart(number, part.ETag));
        }

        var complete = await client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            Bucket = bucket, Key = "dst", UploadId = upload.UploadId, Parts = parts,
        });
        Assert.Equal(Crc64.Compute(data), complete.HashCrc64);
        Assert.EndsWith("-3\"", complete.ETag, StringComparison.Ordinal);
        var head = await client.HeadObjectAsync(new HeadObjectRequest { Bucket = bucket, Key = "dst" });
        Assert.Equal("Multipart", head.Properties.ObjectType);
        Assert.Equal(data.Length, head.Properties.ContentLength);
    }
}
