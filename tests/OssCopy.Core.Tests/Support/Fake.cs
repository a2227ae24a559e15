using Microsoft.Extensions.Options;
using Moq;
using OssCopy.Core.Copying;
using OssCopy.Oss;
using OssCopy.Oss.Models;

namespace OssCopy.Core.Tests.Support;

/// <summary>Builders for the client seam's answers, and an orchestrator over a strict mock (an unexpected call fails the test).</summary>
public static class Fake
{
    public const string SourceETag = "\"5B3C1A2E053D763E1B002CC607C5A0FE\"";
    public const ulong SourceCrc = 11051210869376104954UL;

    public static Mock<IOssClient> Strict() => new(MockBehavior.Strict);

    public static CopyOrchestrator Orchestrator(Mock<IOssClient> mock, Action<CopyEngineOptions>? configure = null)
    {
        var options = new CopyEngineOptions { MultipartThreshold = 1024 * 1024, PartSize = CopyEngineOptions.MinPartSize };
        configure?.Invoke(options);
        return new CopyOrchestrator(mock.Object, Options.Create(options));
    }

    public static OssObjectProperties Props(
        long size = 1000,
        string? etag = SourceETag,
        ulong? crc = SourceCrc,
        int tags = 0,
        IReadOnlyDictionary<string, string>? metadata = null,
        string? contentType = "text/plain",
        string? storageClass = "Standard",
        string? versionId = null,
        string? sse = null) => new()
        {
            ContentLength = size,
            ETag = etag,
            HashCrc64 = crc,
            TaggingCount = tags,
            Metadata = metadata ?? new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase),
            ContentType = contentType,
            StorageClass = storageClass,
            VersionId = versionId,
            Encryption = new OssEncryption(sse, null, null),
            LastModified = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero),
        };

    public static HeadObjectResult Head(OssObjectProperties properties, string requestId = "head-req") =>
        new() { StatusCode = 200, RequestId = requestId, Properties = properties };

    public static CopyObjectResult CopyResult(ulong? crc = SourceCrc, string? etag = SourceETag) => new()
    {
        StatusCode = 200,
        RequestId = "copy-req",
        ETag = etag,
        HashCrc64 = crc,
        VersionId = "dest-v1",
        SourceVersionId = "src-v1",
        LastModified = new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero),
        Encryption = new OssEncryption("KMS", "SM4", "key-1"),
    };

    public static OssException Error(int status, string code, string requestId = "err-req") =>
        new(status, code, code + " message", requestId, ec: "0026-00000001");

    public static GetObjectTaggingResult Tags(string tagging) => new() { StatusCode = 200, RequestId = "tag-req", Tags = OssTagging.Parse(tagging) };

    /// <summary>HEAD answers by bucket: the source bucket's for the source, the destination bucket's after the copy.</summary>
    public static void SetupHeads(this Mock<IOssClient> mock, OssObjectProperties source, OssObjectProperties? destination = null,
        string sourceBucket = "src-bucket", string destinationBucket = "dst-bucket")
    {
        mock.Setup(c => c.HeadObjectAsync(It.Is<HeadObjectRequest>(r => r.Bucket == sourceBucket), It.IsAny<CancellationToken>()))
            .ReturnsAsync(Head(source));
        mock.Setup(c => c.HeadObjectAsync(It.Is<HeadObjectRequest>(r => r.Bucket == destinationBucket), It.IsAny<CancellationToken>()))
            .ReturnsAsync(Head(destination ?? source, "dest-head-req"));
    }

    public static void SetupSameRegion(this Mock<IOssClient> mock, string region = "oss-cn-hangzhou") =>
        mock.Setup(c => c.GetBucketLocationAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new GetBucketLocationResult { StatusCode = 200, Location = region });

    public static CopyRequest Request() => new()
    {
        Bucket = "dst-bucket",
        Key = "dst/object.txt",
        SourceBucket = "src-bucket",
        SourceKey = "src/object.txt",
    };
}
