using Moq;
using OssCopy.Core.Copying;
using OssCopy.Core.Tests.Support;
using OssCopy.Oss;
using OssCopy.Oss.Models;

namespace OssCopy.Core.Tests.Copying;

/// <summary>The copy requests and the verifier read the one description: what each of them sends and expects.</summary>
public class CopySemanticsTests
{
    private static readonly Dictionary<string, string> Encrypted = new(StringComparer.OrdinalIgnoreCase)
    {
        [ClientSideEncryptionMetadata.Key] = "d3JhcHBlZA==",
        [ClientSideEncryptionMetadata.Start] = "aXY=",
        [ClientSideEncryptionMetadata.CekAlgorithm] = "AES/CTR/NoPadding",
        [ClientSideEncryptionMetadata.WrapAlgorithm] = "RSA/NONE/PKCS1Padding",
        ["owner"] = "ops",
    };

    private static CopyRequest Replace(Dictionary<string, string>? metadata = null, string? cacheControl = null) => new()
    {
        Bucket = "dst-bucket",
        Key = "dst/object.txt",
        SourceBucket = "src-bucket",
        SourceKey = "src/object.txt",
        MetadataDirective = "REPLACE",
        Metadata = metadata,
        CacheControl = cacheControl,
    };

    private static Dictionary<string, string> With(Dictionary<string, string> metadata, params (string Name, string Value)[] more)
    {
        var all = new Dictionary<string, string>(metadata, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in more)
        {
            all[name] = value;
        }

        return all;
    }

    private static Dictionary<string, string> EncryptionOnly() =>
        Encrypted.Where(m => ClientSideEncryptionMetadata.IsClientSideEncryption(m.Key)).ToDictionary(StringComparer.OrdinalIgnoreCase);

    [Fact]
    public async Task A_single_Replace_without_a_Content_Type_sends_the_sources_and_leaves_client_side_encryption_to_OSS()
    {
        var source = Fake.Props(metadata: Encrypted, contentType: "image/png");
        var destination = Fake.Props(metadata: With(EncryptionOnly(), ("note", "n")), contentType: "image/png");
        var oss = Fake.Strict();
        oss.SetupSameRegion();
        oss.SetupHeads(source, destination);
        CopyObjectRequest? sent = null;
        oss.Setup(c => c.CopyObjectAsync(It.IsAny<CopyObjectRequest>(), It.IsAny<CancellationToken>()))
            .Callback<CopyObjectRequest, CancellationToken>((r, _) => sent = r).ReturnsAsync(Fake.CopyResult());

        var outcome = await Fake.Orchestrator(oss).CopyAsync(Replace(new() { ["note"] = "n" }));

        Assert.Equal(CopyStatus.Copied, outcome.Status);
        Assert.Equal((OssDirective.Replace, "image/png"), (sent!.MetadataDirective, sent.ContentType));
        Assert.Equal([new KeyValuePair<string, string>("note", "n")], sent.Metadata!);
    }

    [Fact]
    public async Task A_multipart_Replace_sends_the_sources_client_side_encryption_metadata_on_Initiate()
    {
        var size = 2 * CopyEngineOptions.MinPartSize;
        var source = Fake.Props(size: size, metadata: Encrypted);
        var oss = Fake.Strict();
        oss.SetupSameRegion();
        oss.SetupHeads(source, Fake.Props(size: size, metadata: With(EncryptionOnly(), ("note", "n"))));
        InitiateMultipartUploadRequest? initiate = null;
        oss.Setup(c => c.InitiateMultipartUploadAsync(It.IsAny<InitiateMultipartUploadRequest>(), It.IsAny<CancellationToken>()))
            .Callback<InitiateMultipartUploadRequest, CancellationToken>((r, _) => initiate = r)
            .ReturnsAsync(new InitiateMultipartUploadResult { Bucket = "dst-bucket", Key = "dst/object.txt", UploadId = "upload-1" });
        oss.Setup(c => c.UploadPartCopyAsync(It.IsAny<UploadPartCopyRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new UploadPartCopyResult { ETag = "\"P\"" });
        oss.Setup(c => c.CompleteMultipartUploadAsync(It.IsAny<CompleteMultipartUploadRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new CompleteMultipartUploadResult { StatusCode = 200, ETag = "\"ABC-2\"", HashCrc64 = Fake.SourceCrc });

        var outcome = await Fake.Orchestrator(oss, o => o.MultipartThreshold = size).CopyAsync(Replace(new() { ["note"] = "n" }));

        Assert.Equal((CopyStatus.Copied, CopyStrategy.Multipart), (outcome.Status, outcome.Strategy));
        Assert.Equal(With(EncryptionOnly(), ("note", "n")).OrderBy(m => m.Key), initiate!.Metadata!.OrderBy(m => m.Key));
        Assert.Equal("text/plain", initiate.ContentType);
    }

    [Fact]
    public async Task Full_verification_of_a_Replace_flags_a_standard_header_the_request_did_not_ask_for()
    {
        var source = Fake.Props();
        var destination = new OssObjectProperties
        {
            ContentLength = source.ContentLength, ETag = source.ETag, HashCrc64 = source.HashCrc64, ContentType = "text/plain", CacheControl = "max-age=60",
        };
        var oss = Fake.Strict();
        oss.SetupSameRegion();
        oss.SetupHeads(source, destination);
        oss.Setup(c => c.CopyObjectAsync(It.IsAny<CopyObjectRequest>(), It.IsAny<CancellationToken>())).ReturnsAsync(Fake.CopyResult());

        var outcome = await Fake.Orchestrator(oss).CopyAsync(Replace());

        Assert.Equal(CopyStatus.VerificationFailed, outcome.Status);
        Assert.Equal(["Cache-Control: expected none, destination has 'max-age=60'"], outcome.VerificationErrors);
    }

    [Fact]
    public async Task Full_verification_flags_client_side_encryption_metadata_lost_on_a_Replace()
    {
        var source = Fake.Props(metadata: Encrypted);
        var oss = Fake.Strict();
        oss.SetupSameRegion();
        oss.SetupHeads(source, Fake.Props(metadata: new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["note"] = "n" }));
        oss.Setup(c => c.CopyObjectAsync(It.IsAny<CopyObjectRequest>(), It.IsAny<CancellationToken>())).ReturnsAsync(Fake.CopyResult());

        var outcome = await Fake.Orchestrator(oss).CopyAsync(Replace(new() { ["note"] = "n" }));

        Assert.Equal(CopyStatus.VerificationFailed, outcome.Status);
        Assert.Equal(4, outcome.VerificationErrors.Count);
        Assert.All(outcome.VerificationErrors, e => Assert.Contains("client-side-encryption-", e, StringComparison.Ordinal));
        Assert.All(outcome.VerificationErrors, e => Assert.EndsWith("missing on the destination", e, StringComparison.Ordinal));
    }
}
