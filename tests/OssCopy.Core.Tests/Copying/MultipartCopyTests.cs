using System.Collections.Concurrent;
using Moq;
using OssCopy.Core.Copying;
using OssCopy.Core.Tests.Support;
using OssCopy.Oss;
using OssCopy.Oss.Models;

namespace OssCopy.Core.Tests.Copying;

public class MultipartCopyTests
{
    private const long Part = CopyEngineOptions.MinPartSize; // 102,400

    private static Mock<IOssClient> MultipartOss(
        OssObjectProperties source, ConcurrentBag<UploadPartCopyRequest> parts, Func<UploadPartCopyRequest, Exception?>? fail = null,
        OssObjectProperties? destination = null)
    {
        var oss = Fake.Strict();
        oss.SetupSameRegion();
        oss.SetupHeads(source, destination ?? source);
        oss.Setup(c => c.InitiateMultipartUploadAsync(It.IsAny<InitiateMultipartUploadRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new InitiateMultipartUploadResult { Bucket = "dst-bucket", Key = "dst/object.txt", UploadId = "upload-1", RequestId = "init-req" });
        oss.Setup(c => c.UploadPartCopyAsync(It.IsAny<UploadPartCopyRequest>(), It.IsAny<CancellationToken>()))
            .Returns<UploadPartCopyRequest, CancellationToken>((r, _) =>
            {
                parts.Add(r);
                return fail?.Invoke(r) is { } error
                    ? Task.FromException<UploadPartCopyResult>(error)
                    : Task.FromResult(new UploadPartCopyResult { ETag = $"\"P{r.PartNumber}\"", SourceVersionId = "src-v9", RequestId = "part-req" });
            });
        oss.Setup(c => c.CompleteMultipartUploadAsync(It.IsAny<CompleteMultipartUploadRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new CompleteMultipartUploadResult
            {
                StatusCode = 200, RequestId = "complete-req", ETag = "\"ABC-3\"", HashCrc64 = source.HashCrc64, VersionId = "dest-v2",
                Headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["x-oss-server-side-encryption"] = "AES256" },
            });
        oss.Setup(c => c.AbortMultipartUploadAsync(It.IsAny<AbortMultipartUploadRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new OssEmptyResult { StatusCode = 204 });
        return oss;
    }

    [Fact]
    public async Task A_source_at_the_threshold_is_copied_in_parts_with_inclusive_ranges_all_pinned_to_the_ETag()
    {
        var size = (2 * Part) + 57;
        var parts = new ConcurrentBag<UploadPartCopyRequest>();
        var oss = MultipartOss(Fake.Props(size: size), parts);
        CompleteMultipartUploadRequest? complete = null;
        oss.Setup(c => c.CompleteMultipartUploadAsync(It.IsAny<CompleteMultipartUploadRequest>(), It.IsAny<CancellationToken>()))
            .Callback<CompleteMultipartUploadRequest, CancellationToken>((r, _) => complete = r)
            .ReturnsAsync(new CompleteMultipartUploadResult { StatusCode = 200, RequestId = "complete-req", ETag = "\"ABC-3\"", HashCrc64 = Fake.SourceCrc, VersionId = "dest-v2" });

        var outcome = await Fake.Orchestrator(oss, o => o.MultipartThreshold = size).CopyAsync(Fake.Request());

        Assert.Equal((CopyStatus.Copied, CopyStrategy.Multipart, 3, Part, "upload-1"), (outcome.Status, outcome.Strategy, outcome.PartCount, outcome.PartSize, outcome.UploadId));
        var ordered = parts.OrderBy(p => p.PartNumber).ToList();
        Assert.Equal(["bytes=0-102399", "bytes=102400-204799", "bytes=204800-204856"], ordered.Select(p => p.SourceRange!.Value.ToString()));
        Assert.All(ordered, p => Assert.Equal((Fake.SourceETag, "src-bucket", "src/object.txt", "upload-1"), (p.CopySourceIfMatch, p.SourceBucket, p.SourceKey, p.UploadId)));
        Assert.Equal([1, 2, 3], complete!.Parts!.Select(p => p.PartNumber));
        Assert.Equal(["\"P1\"", "\"P2\"", "\"P3\""], complete.Parts!.Select(p => p.ETag));
        Assert.Equal(("complete-req", "\"ABC-3\"", "dest-v2", "src-v9"), (outcome.RequestId, outcome.ETag, outcome.VersionId, outcome.SourceVersionId));
        oss.Verify(c => c.CopyObjectAsync(It.IsAny<CopyObjectRequest>(), It.IsAny<CancellationToken>()), Times.Never);
        oss.Verify(c => c.AbortMultipartUploadAsync(It.IsAny<AbortMultipartUploadRequest>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Just_under_the_threshold_is_one_CopyObject()
    {
        var oss = Fake.Strict();
        oss.SetupSameRegion();
        oss.SetupHeads(Fake.Props(size: 999));
        oss.Setup(c => c.CopyObjectAsync(It.IsAny<CopyObjectRequest>(), It.IsAny<CancellationToken>())).ReturnsAsync(Fake.CopyResult());

        var outcome = await Fake.Orchestrator(oss, o => o.MultipartThreshold = 1000).CopyAsync(Fake.Request());

        Assert.Equal(CopyStrategy.SingleCopy, outcome.Strategy);
    }

    [Fact]
    public async Task A_failed_part_aborts_the_upload_and_never_completes_it()
    {
        var parts = new ConcurrentBag<UploadPartCopyRequest>();
        var oss = MultipartOss(Fake.Props(size: 5 * Part), parts, r => r.PartNumber == 2 ? Fake.Error(403, "AccessDenied", "part-2-req") : null);

        var outcome = await Fake.Orchestrator(oss, o => { o.MultipartThreshold = Part; o.PartParallelism = 1; }).CopyAsync(Fake.Request());

        Assert.Equal(CopyStatus.Failed, outcome.Status);
        Assert.Equal(("AccessDenied", "part-2-req"), (outcome.Error!.Code, outcome.Error.RequestId));
        oss.Verify(c => c.AbortMultipartUploadAsync(It.Is<AbortMultipartUploadRequest>(r => r.UploadId == "upload-1" && r.Bucket == "dst-bucket"), It.IsAny<CancellationToken>()), Times.Once);
        oss.Verify(c => c.CompleteMultipartUploadAsync(It.IsAny<CompleteMultipartUploadRequest>(), It.IsAny<CancellationToken>()), Times.Never);
        Assert.True(parts.Count < 5, "no new part is started after a failure");
    }

    [Fact]
    public async Task A_source_changed_during_the_parts_is_SourceChanged_and_aborted()
    {
        var parts = new ConcurrentBag<UploadPartCopyRequest>();
        var oss = MultipartOss(Fake.Props(size: 3 * Part), parts, r => r.PartNumber == 3 ? Fake.Error(412, "PreconditionFailed") : null);

        var outcome = await Fake.Orchestrator(oss, o => o.MultipartThreshold = Part).CopyAsync(Fake.Request());

        Assert.Equal(CopyStatus.SourceChanged, outcome.Status);
        oss.Verify(c => c.AbortMultipartUploadAsync(It.IsAny<AbortMultipartUploadRequest>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task A_failed_complete_is_aborted_too()
    {
        var parts = new ConcurrentBag<UploadPartCopyRequest>();
        var oss = MultipartOss(Fake.Props(size: 2 * Part), parts);
        oss.Setup(c => c.CompleteMultipartUploadAsync(It.IsAny<CompleteMultipartUploadRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(Fake.Error(409, "FileAlreadyExists"));

        var outcome = await Fake.Orchestrator(oss, o => o.MultipartThreshold = Part).CopyAsync(new CopyRequest
        {
            Bucket = "dst-bucket", Key = "dst/object.txt", SourceBucket = "src-bucket", SourceKey = "src/object.txt", ForbidOverwrite = true,
        });

        Assert.Equal("FileAlreadyExists", outcome.Error!.Code);
        oss.Verify(c => c.AbortMultipartUploadAsync(It.IsAny<AbortMultipartUploadRequest>(), It.IsAny<CancellationToken>()), Times.Once);
        oss.Verify(c => c.InitiateMultipartUploadAsync(It.Is<InitiateMultipartUploadRequest>(r => r.ForbidOverwrite == true), It.IsAny<CancellationToken>()), Times.Once);
        oss.Verify(c => c.CompleteMultipartUploadAsync(It.Is<CompleteMultipartUploadRequest>(r => r.ForbidOverwrite == true), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task A_cancelled_multipart_copy_still_aborts_its_upload()
    {
        using var cts = new CancellationTokenSource();
        var parts = new ConcurrentBag<UploadPartCopyRequest>();
        var oss = MultipartOss(Fake.Props(size: 4 * Part), parts, r =>
        {
            cts.Cancel();
            return new OperationCanceledException(cts.Token);
        });
        CancellationToken abortToken = default;
        oss.Setup(c => c.AbortMultipartUploadAsync(It.IsAny<AbortMultipartUploadRequest>(), It.IsAny<CancellationToken>()))
            .Callback<AbortMultipartUploadRequest, CancellationToken>((_, t) => abortToken = t)
            .ReturnsAsync(new OssEmptyResult());

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Fake.Orchestrator(oss, o => o.MultipartThreshold = Part).CopyAsync(Fake.Request(), cts.Token));

        oss.Verify(c => c.AbortMultipartUploadAsync(It.IsAny<AbortMultipartUploadRequest>(), It.IsAny<CancellationToken>()), Times.Once);
        Assert.False(abortToken.IsCancellationRequested);
    }

    [Fact]
    public async Task Under_Copy_directives_the_source_headers_metadata_and_tags_are_re_applied_on_initiate()
    {
        var source = new OssObjectProperties
        {
            ContentLength = 3 * Part, ETag = Fake.SourceETag, HashCrc64 = Fake.SourceCrc, TaggingCount = 2,
            ContentType = "video/mp4", CacheControl = "max-age=60", ContentDisposition = "inline", ContentEncoding = "identity", ContentLanguage = "zh-CN",
            Expires = "Wed, 21 Oct 2026 07:28:00 GMT",
            Metadata = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["camera"] = "x100", ["owner"] = "bob" },
        };
        var parts = new ConcurrentBag<UploadPartCopyRequest>();
        var oss = MultipartOss(source, parts);
        oss.Setup(c => c.GetObjectTaggingAsync(It.IsAny<GetObjectTaggingRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(Fake.Tags("Project=Alpha%20One&Env=prod"));
        InitiateMultipartUploadRequest? init = null;
        oss.Setup(c => c.InitiateMultipartUploadAsync(It.IsAny<InitiateMultipartUploadRequest>(), It.IsAny<CancellationToken>()))
            .Callback<InitiateMultipartUploadRequest, CancellationToken>((r, _) => init = r)
            .ReturnsAsync(new InitiateMultipartUploadResult { Bucket = "dst-bucket", Key = "k", UploadId = "upload-1" });

        var outcome = await Fake.Orchestrator(oss, o => o.MultipartThreshold = Part).CopyAsync(new CopyRequest
        {
            Bucket = "dst-bucket", Key = "dst/object.txt", SourceBucket = "src-bucket", SourceKey = "src/object.txt", StorageClass = "IA",
        });

        Assert.Equal(("video/mp4", "max-age=60", "inline", "identity", "zh-CN", "Wed, 21 Oct 2026 07:28:00 GMT"),
            (init!.ContentType, init.CacheControl, init.ContentDisposition, init.ContentEncoding, init.ContentLanguage, init.Expires));
        Assert.Equal(("x100", "bob"), (init.Metadata!["camera"], init.Metadata["owner"]));
        Assert.Equal(OssTagging.Parse("Project=Alpha%20One&Env=prod"), OssTagging.Parse(init.Tagging));
        Assert.Equal("IA", init.StorageClass);
        oss.Verify(c => c.GetObjectTaggingAsync(It.Is<GetObjectTaggingRequest>(r => r.Bucket == "src-bucket" && r.Key == "src/object.txt"), It.IsAny<CancellationToken>()), Times.Once);
        Assert.Equal(CopyStrategy.Multipart, outcome.Strategy);
    }

    [Fact]
    public async Task Under_Replace_directives_the_request_values_are_used_and_source_tags_are_not_read()
    {
        var source = Fake.Props(size: 2 * Part, tags: 3, metadata: new Dictionary<string, string> { ["old"] = "1" });
        var destination = Fake.Props(size: 2 * Part, tags: 1, metadata: new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["new"] = "2" }, contentType: "text/csv");
        var parts = new ConcurrentBag<UploadPartCopyRequest>();
        var oss = MultipartOss(source, parts, destination: destination);
        oss.Setup(c => c.GetObjectTaggingAsync(It.Is<GetObjectTaggingRequest>(r => r.Bucket == "dst-bucket"), It.IsAny<CancellationToken>()))
            .ReturnsAsync(Fake.Tags("Backup=yes"));
        InitiateMultipartUploadRequest? init = null;
        oss.Setup(c => c.InitiateMultipartUploadAsync(It.IsAny<InitiateMultipartUploadRequest>(), It.IsAny<CancellationToken>()))
            .Callback<InitiateMultipartUploadRequest, CancellationToken>((r, _) => init = r)
            .ReturnsAsync(new InitiateMultipartUploadResult { Bucket = "dst-bucket", Key = "k", UploadId = "upload-1" });

        var outcome = await Fake.Orchestrator(oss, o => o.MultipartThreshold = Part).CopyAsync(new CopyRequest
        {
            Bucket = "dst-bucket", Key = "dst/object.txt", SourceBucket = "src-bucket", SourceKey = "src/object.txt",
            MetadataDirective = "Replace", Metadata = new Dictionary<string, string> { ["new"] = "2" }, ContentType = "text/csv",
            TaggingDirective = "Replace", Tagging = "Backup=yes",
        });

        Assert.True(outcome.Verified, string.Join("; ", outcome.VerificationErrors));
        Assert.Equal(("text/csv", "2", "Backup=yes"), (init!.ContentType, init.Metadata!["new"], init.Tagging));
        Assert.False(init.Metadata.ContainsKey("old"));
        oss.Verify(c => c.GetObjectTaggingAsync(It.Is<GetObjectTaggingRequest>(r => r.Bucket == "src-bucket"), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Recording_the_source_ETag_writes_it_into_the_destination_metadata()
    {
        var source = Fake.Props(size: 2 * Part);
        var destination = Fake.Props(size: 2 * Part, etag: "\"ABC-2\"",
            metadata: new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { [CopyRequestValidator.SourceETagMetadata] = Fake.SourceETag });
        var parts = new ConcurrentBag<UploadPartCopyRequest>();
        var oss = MultipartOss(source, parts, destination: destination);
        InitiateMultipartUploadRequest? init = null;
        oss.Setup(c => c.InitiateMultipartUploadAsync(It.IsAny<InitiateMultipartUploadRequest>(), It.IsAny<CancellationToken>()))
            .Callback<InitiateMultipartUploadRequest, CancellationToken>((r, _) => init = r)
            .ReturnsAsync(new InitiateMultipartUploadResult { Bucket = "dst-bucket", Key = "k", UploadId = "upload-1" });

        var outcome = await Fake.Orchestrator(oss, o => o.MultipartThreshold = Part).CopyAsync(new CopyRequest
        {
            Bucket = "dst-bucket", Key = "dst/object.txt", SourceBucket = "src-bucket", SourceKey = "src/object.txt", RecordSourceETag = true,
        });

        Assert.Equal(Fake.SourceETag, init!.Metadata![CopyRequestValidator.SourceETagMetadata]);
        Assert.True(outcome.Verified, string.Join("; ", outcome.VerificationErrors));
    }

    [Theory]
    [InlineData(100L * 1024 * 1024, 64L * 1024 * 1024, 64L * 1024 * 1024)]
    [InlineData(5L * 1024 * 1024 * 1024, 64L * 1024 * 1024, 64L * 1024 * 1024)]
    [InlineData(1024L * 1024 * 1024 * 1024, 64L * 1024 * 1024, 128L * 1024 * 1024)]
    [InlineData(10_000L * 102_400, 102_400L, 204_800L)]
    [InlineData((10_000L * 102_400) - 1, 102_400L, 102_400L)]
    public void The_part_size_grows_in_steps_until_the_object_fits_in_10000_parts(long objectSize, long partSize, long expected)
    {
        var options = new CopyEngineOptions { PartSize = partSize };

        Assert.Equal(expected, options.PartSizeFor(objectSize));
        Assert.True((objectSize + expected - 1) / expected <= 10_000);
    }

    [Fact]
    public async Task Source_metadata_the_client_will_not_send_fails_that_object_not_the_caller()
    {
        var parts = new ConcurrentBag<UploadPartCopyRequest>();
        var oss = MultipartOss(Fake.Props(size: 2 * Part, metadata: new Dictionary<string, string> { ["old_style"] = "1" }), parts);
        oss.Setup(c => c.InitiateMultipartUploadAsync(It.IsAny<InitiateMultipartUploadRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new ArgumentException("'old_style' is not a valid metadata name: letters, digits and '-' only.", "Metadata"));

        var outcome = await Fake.Orchestrator(oss, o => o.MultipartThreshold = Part).CopyAsync(Fake.Request());

        Assert.Equal((CopyStatus.Failed, CopyErrorCodes.InvalidSource), (outcome.Status, outcome.Error!.Code));
        Assert.Contains("old_style", outcome.Error.Message, StringComparison.Ordinal);
        Assert.Empty(parts);
    }
}
