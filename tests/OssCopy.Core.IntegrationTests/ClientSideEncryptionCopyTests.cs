using System.Security.Cryptography;
using OssCopy.Core.Copying;
using OssCopy.Oss;
using OssCopy.Oss.Models;

namespace OssCopy.Core.IntegrationTests;

/// <summary>
/// Regression: a client-side-encrypted object copied without its <c>client-side-encryption-*</c> metadata can never be
/// decrypted. Every path keeps it: single and multipart, metadata directive Copy and Replace.
/// </summary>
public class ClientSideEncryptionCopyTests(LocalOssFixture oss) : IClassFixture<LocalOssFixture>
{
    private static readonly Dictionary<string, string> EncryptionMetadata = ClientSideEncryptionMetadata.Names
        .Select((name, i) => (name, value: $"value-{i}-of-{name}"))
        .ToDictionary(p => p.name, p => p.value, StringComparer.OrdinalIgnoreCase);

    [Theory]
    [InlineData(CopyStrategy.SingleCopy, "Copy")]
    [InlineData(CopyStrategy.SingleCopy, "Replace")]
    [InlineData(CopyStrategy.Multipart, "Copy")]
    [InlineData(CopyStrategy.Multipart, "Replace")]
    public async Task A_copy_keeps_every_client_side_encryption_entry_of_the_source(CopyStrategy strategy, string directive)
    {
        var bucket = await oss.NewBucketAsync("cse");
        var data = RandomNumberGenerator.GetBytes((int)(2.5 * CopyEngineOptions.MinPartSize));
        var sourceMetadata = new Dictionary<string, string>(EncryptionMetadata, StringComparer.OrdinalIgnoreCase) { ["owner"] = "ops" };
        await oss.PutAsync(bucket, "secret.bin", data, metadata: sourceMetadata, contentType: "application/x-encrypted");
        var replace = directive == OssDirective.Replace;
        var request = new CopyRequest
        {
            Bucket = bucket,
            Key = "copy.bin",
            SourceKey = "secret.bin",
            MetadataDirective = directive,
            Metadata = replace ? new Dictionary<string, string> { ["note"] = "replaced" } : null,
        };

        var outcome = await LocalOssFixture.Orchestrator(oss.Admin, o =>
        {
            if (strategy == CopyStrategy.Multipart)
            {
                o.MultipartThreshold = 1;
                o.PartSize = CopyEngineOptions.MinPartSize;
            }
        }).CopyAsync(request);

        Assert.Equal((CopyStatus.Copied, strategy, true), (outcome.Status, outcome.Strategy, outcome.Verified));
        var copied = (await oss.Admin.HeadObjectAsync(new HeadObjectRequest { Bucket = bucket, Key = "copy.bin" })).Properties;
        foreach (var (name, value) in EncryptionMetadata)
        {
            Assert.True(copied.Metadata.TryGetValue(name, out var got), $"{name} was lost ({strategy}, {directive})");
            Assert.Equal(value, got);
        }

        Assert.Equal(replace ? null : "ops", copied.Metadata.GetValueOrDefault("owner"));
        Assert.Equal(replace ? "replaced" : null, copied.Metadata.GetValueOrDefault("note"));
        Assert.Equal("application/x-encrypted", copied.ContentType);
        Assert.Equal(data, await oss.GetAsync(bucket, "copy.bin"));
    }
}
