using Moq;
using OssCopy.Core.Copying;
using OssCopy.Core.Tests.Support;
using OssCopy.Oss;
using OssCopy.Oss.Models;

namespace OssCopy.Core.Tests.Copying;

public class CopyOrchestratorTests
{
    [Fact]
    public async Task A_small_object_is_one_CopyObject_pinned_to_the_ETag_HEAD_saw_and_the_outcome_carries_every_answer_field()
    {
        var oss = Fake.Strict();
        oss.SetupSameRegion();
        oss.SetupHeads(Fake.Props(size: 1000, versionId: "src-v1"));
        CopyObjectRequest? sent = null;
        oss.Setup(c => c.CopyObjectAsync(It.IsAny<CopyObjectRequest>(), It.IsAny<CancellationToken>()))
            .Callback<CopyObjectRequest, CancellationToken>((r, _) => sent = r)
            .ReturnsAsync(Fake.CopyResult());

        var outcome = await Fake.Orchestrator(oss).CopyAsync(Fake.Request());

        Assert.Equal(CopyStatus.Copied, outcome.Status);
        Assert.Equal(CopyStrategy.SingleCopy, outcome.Strategy);
        Assert.True(outcome.Verified);
        Assert.NotNull(sent);
        Assert.Equal(Fake.SourceETag, sent!.CopySourceIfMatch);
        Assert.Equal(("dst-bucket", "dst/object.txt", "src-bucket", "src/object.txt"), (sent.Bucket, sent.Key, sent.SourceBucket, sent.SourceKey));
        Assert.Null(sent.TaggingDirective);
        Assert.Null(sent.MetadataDirective);
        Assert.Equal(
            (200, "copy-req", "dest-v1", "src-v1", (ulong?)Fake.SourceCrc, Fake.SourceETag, new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero), "KMS", "SM4", "key-1"),
            (outcome.StatusCode, outcome.RequestId, outcome.VersionId, outcome.SourceVersionId, outcome.HashCrc64, outcome.ETag, outcome.LastModified!.Value,
                outcome.ServerSideEncryption, outcome.ServerSideDataEncryption, outcome.ServerSideEncryptionKeyId));
        Assert.Equal((1000L, Fake.SourceETag, (ulong?)Fake.SourceCrc), (outcome.SourceSize, outcome.SourceETag, outcome.SourceHashCrc64));
        oss.Verify(c => c.CopyObjectAsync(It.IsAny<CopyObjectRequest>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Every_option_of_the_request_reaches_CopyObject()
    {
        var oss = Fake.Strict();
        oss.SetupSameRegion();
        var metadata = new Dictionary<string, string> { ["owner"] = "alice" };
        oss.SetupHeads(Fake.Props(), new OssObjectProperties
        {
            ContentLength = 1000, ETag = Fake.SourceETag, HashCrc64 = Fake.SourceCrc, TaggingCount = 2,
            Metadata = new Dictionary<string, string>(metadata, StringComparer.OrdinalIgnoreCase), ContentType = "image/png",
            CacheControl = "no-cache", ContentDisposition = "attachment", ContentEncoding = "identity", ContentLanguage = "en", StorageClass = "IA",
            Expires = "Wed, 21 Oct 2026 07:28:00 GMT", Encryption = new OssEncryption("KMS", "SM4", "key-1"),
        });
        oss.Setup(c => c.GetObjectTaggingAsync(It.Is<GetObjectTaggingRequest>(r => r.Bucket == "dst-bucket"), It.IsAny<CancellationToken>()))
            .ReturnsAsync(Fake.Tags("A=1&B=two%20words"));
        CopyObjectRequest? sent = null;
        oss.Setup(c => c.CopyObjectAsync(It.IsAny<CopyObjectRequest>(), It.IsAny<CancellationToken>()))
            .Callback<CopyObjectRequest, CancellationToken>((r, _) => sent = r)
            .ReturnsAsync(Fake.CopyResult());

        var outcome = await Fake.Orchestrator(oss).CopyAsync(new CopyRequest
        {
            Bucket = "dst-bucket", Key = "dst/k", SourceBucket = "src-bucket", SourceKey = "src/k", SourceVersionId = "src-v1",
            ForbidOverwrite = true, TaggingDirective = "replace", Tagging = "A=1&B=two%20words", MetadataDirective = "REPLACE", Metadata = metadata,
            ContentType = "image/png", CacheControl = "no-cache", ContentDisposition = "attachment", ContentEncoding = "identity", ContentLanguage = "en",
            Expires = "Wed, 21 Oct 2026 07:28:00 GMT", StorageClass = "IA", ObjectAcl = "private", ServerSideEncryption = "KMS",
            ServerSideDataEncryption = "SM4", ServerSideEncryptionKeyId = "key-1",
        });

        Assert.True(outcome.Verified, string.Join("; ", outcome.VerificationErrors));
        Assert.Equal(("src-v1", true, "Replace", "A=1&B=two%20words", "Replace"), (sent!.SourceVersionId, sent.ForbidOverwrite, sent.TaggingDirective, sent.Tagging, sent.MetadataDirective));
        Assert.Equal(("alice", "image/png", "no-cache", "attachment", "identity", "en", "Wed, 21 Oct 2026 07:28:00 GMT"),
            (sent.Metadata!["owner"], sent.ContentType, sent.CacheControl, sent.ContentDisposition, sent.ContentEncoding, sent.ContentLanguage, sent.Expires));
        Assert.Equal(("IA", "private", "KMS", "SM4", "key-1"), (sent.StorageClass, sent.ObjectAcl, sent.ServerSideEncryption, sent.ServerSideDataEncryption, sent.ServerSideEncryptionKeyId));
        oss.Verify(c => c.HeadObjectAsync(It.Is<HeadObjectRequest>(r => r.Bucket == "src-bucket" && r.VersionId == "src-v1"), It.IsAny<CancellationToken>()), Times.Once);
    }

    public static TheoryData<string, Func<CopyRequest, CopyRequest>> InvalidRequests => new()
    {
        { "Bucket", r => With(r, bucket: "Bad_Bucket") },
        { "Key", r => With(r, key: string.Empty) },
        { "Key", r => With(r, key: new string('k', 1024)) },
        { "SourceBucket", r => With(r, sourceBucket: "-x") },
        { "SourceKey", r => With(r, sourceKey: string.Empty) },
        { "SourceVersionId", r => Copy(r, sourceVersionId: " ") },
        { "TaggingDirective", r => Copy(r, taggingDirective: "Keep") },
        { "Tagging", r => Copy(r, taggingDirective: "Replace", tagging: "a=b=c") },
        { "Tagging", r => Copy(r, tagging: "a=1") },
        { "MetadataDirective", r => Copy(r, metadataDirective: "Merge") },
        { "Metadata", r => Copy(r, metadataDirective: "Replace", metadata: new Dictionary<string, string> { ["bad name"] = "v" }) },
        { "Metadata", r => Copy(r, metadataDirective: "Replace", metadata: new Dictionary<string, string> { ["under_score"] = "v" }) },
        { "Metadata", r => Copy(r, metadataDirective: "Replace", metadata: new Dictionary<string, string> { ["k"] = "line\nbreak" }) },
        { "Metadata", r => Copy(r, metadataDirective: "Replace", metadata: new Dictionary<string, string> { ["k"] = new string('v', 8200) }) },
        { "CacheControl", r => new CopyRequest { Bucket = r.Bucket, Key = r.Key, SourceBucket = r.SourceBucket, SourceKey = r.SourceKey, MetadataDirective = "Replace", CacheControl = "a\r\nX-Injected: 1" } },
        { "ContentType", r => Copy(r, contentType: "text/plain") },
        { "StorageClass", r => Copy(r, storageClass: "Glacier") },
        { "ObjectAcl", r => Copy(r, acl: "everyone") },
        { "ServerSideEncryption", r => Copy(r, sse: "DES") },
        { "ServerSideEncryptionKeyId", r => Copy(r, sse: "AES256", keyId: "k") },
        { "ServerSideDataEncryption", r => Copy(r, sse: "KMS", dataEncryption: "AES") },
        { "Key", r => With(r, bucket: "same-bucket", key: "k", sourceBucket: "same-bucket", sourceKey: "k") },
    };

    [Theory]
    [MemberData(nameof(InvalidRequests))]
    public async Task Invalid_input_is_refused_naming_the_field_before_any_OSS_call(string field, Func<CopyRequest, CopyRequest> build)
    {
        var oss = Fake.Strict();
        var error = await Assert.ThrowsAsync<CopyValidationException>(() => Fake.Orchestrator(oss).CopyAsync(build(Fake.Request())));

        Assert.Contains(error.Errors, e => e.Field == field);
        Assert.Contains(field, error.Message, StringComparison.Ordinal);
        oss.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task Every_problem_is_named_at_once()
    {
        var error = await Assert.ThrowsAsync<CopyValidationException>(() => Fake.Orchestrator(Fake.Strict()).CopyAsync(new CopyRequest
        {
            Bucket = "B", Key = string.Empty, SourceKey = string.Empty, StorageClass = "Gold",
        }));

        Assert.Equal(["Bucket", "Key", "SourceKey", "StorageClass"], error.Errors.Select(e => e.Field));
        Assert.Equal("Bucket", error.ParamName);
    }

    [Fact]
    public async Task A_source_changed_between_HEAD_and_copy_is_SourceChanged_not_an_error()
    {
        var oss = Fake.Strict();
        oss.SetupSameRegion();
        oss.SetupHeads(Fake.Props());
        oss.Setup(c => c.CopyObjectAsync(It.IsAny<CopyObjectRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(Fake.Error(412, "PreconditionFailed", "412-req"));

        var outcome = await Fake.Orchestrator(oss).CopyAsync(Fake.Request());

        Assert.Equal(CopyStatus.SourceChanged, outcome.Status);
        Assert.Equal(("PreconditionFailed", 412, "412-req"), (outcome.Error!.Code, outcome.Error.StatusCode, outcome.Error.RequestId));
        Assert.Equal(Fake.SourceETag, outcome.SourceETag);
        Assert.False(outcome.Verified);
    }

    [Fact]
    public async Task An_expected_ETag_that_no_longer_matches_stops_before_any_copy()
    {
        var oss = Fake.Strict();
        oss.SetupSameRegion();
        oss.SetupHeads(Fake.Props(etag: "\"NEW\""));
        var request = Fake.Request();

        var outcome = await Fake.Orchestrator(oss).CopyAsync(new CopyRequest
        {
            Bucket = request.Bucket, Key = request.Key, SourceBucket = request.SourceBucket, SourceKey = request.SourceKey, ExpectedSourceETag = "\"OLD\"",
        });

        Assert.Equal(CopyStatus.SourceChanged, outcome.Status);
        oss.Verify(c => c.CopyObjectAsync(It.IsAny<CopyObjectRequest>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task The_ETag_a_caller_listed_is_the_one_the_copy_is_pinned_to()
    {
        var oss = Fake.Strict();
        oss.SetupSameRegion();
        oss.SetupHeads(Fake.Props(etag: "\"abc\""));
        CopyObjectRequest? sent = null;
        oss.Setup(c => c.CopyObjectAsync(It.IsAny<CopyObjectRequest>(), It.IsAny<CancellationToken>()))
            .Callback<CopyObjectRequest, CancellationToken>((r, _) => sent = r).ReturnsAsync(Fake.CopyResult(etag: "\"abc\""));

        var outcome = await Fake.Orchestrator(oss).CopyAsync(new CopyRequest
        {
            Bucket = "dst-bucket", Key = "k", SourceBucket = "src-bucket", SourceKey = "src/k", ExpectedSourceETag = "\"ABC\"",
        });

        Assert.Equal(CopyStatus.Copied, outcome.Status);
        Assert.Equal("\"ABC\"", sent!.CopySourceIfMatch);
    }

    [Theory]
    [InlineData(403, "AccessDenied")]
    [InlineData(404, "NoSuchKey")]
    [InlineData(409, "FileAlreadyExists")]
    public async Task An_OSS_refusal_is_a_failed_outcome_with_code_and_request_id(int status, string code)
    {
        var oss = Fake.Strict();
        oss.SetupSameRegion();
        oss.SetupHeads(Fake.Props());
        oss.Setup(c => c.CopyObjectAsync(It.IsAny<CopyObjectRequest>(), It.IsAny<CancellationToken>())).ThrowsAsync(Fake.Error(status, code, "r-" + code));

        var outcome = await Fake.Orchestrator(oss).CopyAsync(Fake.Request());

        Assert.Equal(CopyStatus.Failed, outcome.Status);
        Assert.Equal((status, code, "r-" + code, "0026-00000001"), (outcome.Error!.StatusCode, outcome.Error.Code, outcome.Error.RequestId, outcome.Error.Ec));
        Assert.Equal((status, "r-" + code), (outcome.StatusCode, outcome.RequestId));
    }

    [Fact]
    public async Task A_missing_source_fails_at_HEAD_without_a_copy()
    {
        var oss = Fake.Strict();
        oss.SetupSameRegion();
        oss.Setup(c => c.HeadObjectAsync(It.IsAny<HeadObjectRequest>(), It.IsAny<CancellationToken>())).ThrowsAsync(Fake.Error(404, "NoSuchKey"));

        var outcome = await Fake.Orchestrator(oss).CopyAsync(Fake.Request());

        Assert.Equal(("NoSuchKey", CopyStrategy.None), (outcome.Error!.Code, outcome.Strategy));
        oss.Verify(c => c.CopyObjectAsync(It.IsAny<CopyObjectRequest>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Buckets_in_different_regions_are_refused_before_HEAD_and_regions_are_asked_once()
    {
        var oss = Fake.Strict();
        oss.Setup(c => c.GetBucketLocationAsync("src-bucket", It.IsAny<CancellationToken>()))
            .ReturnsAsync(new GetBucketLocationResult { Location = "oss-cn-shanghai" });
        oss.Setup(c => c.GetBucketLocationAsync("dst-bucket", It.IsAny<CancellationToken>()))
            .ReturnsAsync(new GetBucketLocationResult { Location = "oss-cn-hangzhou" });
        var orchestrator = Fake.Orchestrator(oss);

        var first = await orchestrator.CopyAsync(Fake.Request());
        var second = await orchestrator.CopyAsync(Fake.Request());

        Assert.Equal(CopyErrorCodes.CrossRegionCopy, first.Error!.Code);
        Assert.Contains("cn-shanghai", first.Error.Message, StringComparison.Ordinal);
        Assert.Contains("cn-hangzhou", first.Error.Message, StringComparison.Ordinal);
        Assert.Equal(CopyStatus.Failed, second.Status);
        oss.Verify(c => c.GetBucketLocationAsync("src-bucket", It.IsAny<CancellationToken>()), Times.Once);
        oss.Verify(c => c.HeadObjectAsync(It.IsAny<HeadObjectRequest>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task A_region_the_caller_may_not_read_does_not_block_the_copy()
    {
        var oss = Fake.Strict();
        oss.Setup(c => c.GetBucketLocationAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).ThrowsAsync(Fake.Error(403, "AccessDenied"));
        oss.SetupHeads(Fake.Props());
        oss.Setup(c => c.CopyObjectAsync(It.IsAny<CopyObjectRequest>(), It.IsAny<CancellationToken>())).ReturnsAsync(Fake.CopyResult());

        var outcome = await Fake.Orchestrator(oss).CopyAsync(Fake.Request());

        Assert.Equal(CopyStatus.Copied, outcome.Status);
    }

    [Fact]
    public async Task A_copy_within_one_bucket_asks_no_region()
    {
        var oss = Fake.Strict();
        oss.SetupHeads(Fake.Props(), sourceBucket: "one-bucket", destinationBucket: "one-bucket");
        oss.Setup(c => c.CopyObjectAsync(It.IsAny<CopyObjectRequest>(), It.IsAny<CancellationToken>())).ReturnsAsync(Fake.CopyResult());

        var outcome = await Fake.Orchestrator(oss).CopyAsync(new CopyRequest { Bucket = "one-bucket", Key = "b", SourceKey = "a" });

        Assert.Equal(CopyStatus.Copied, outcome.Status);
        oss.Verify(c => c.GetBucketLocationAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Every_outcome_carries_how_long_the_copy_took()
    {
        var oss = Fake.Strict();
        oss.SetupSameRegion();
        oss.SetupHeads(Fake.Props());
        oss.Setup(c => c.CopyObjectAsync(It.IsAny<CopyObjectRequest>(), It.IsAny<CancellationToken>()))
            .Returns(async () =>
            {
                await Task.Delay(20);
                return Fake.CopyResult();
            });

        var copied = await Fake.Orchestrator(oss).CopyAsync(Fake.Request());

        Assert.Equal(CopyStatus.Copied, copied.Status);
        Assert.InRange(copied.Duration, TimeSpan.FromMilliseconds(15), TimeSpan.FromMinutes(1));
        Assert.Empty(copied.VerificationErrors);

        oss.Setup(c => c.CopyObjectAsync(It.IsAny<CopyObjectRequest>(), It.IsAny<CancellationToken>()))
            .Returns(async () =>
            {
                await Task.Delay(20);
                throw new OssException(403, "AccessDenied", "no", "req-1");
            });

        var failed = await Fake.Orchestrator(oss).CopyAsync(Fake.Request());

        Assert.Equal((CopyStatus.Failed, "AccessDenied"), (failed.Status, failed.Error!.Code));
        Assert.InRange(failed.Duration, TimeSpan.FromMilliseconds(15), TimeSpan.FromMinutes(1));
    }

    [Theory]
    [InlineData("\"5B3C\"", "5b3c", true)]
    [InlineData(" \"5B3C\" ", "\"5b3c\"", true)]
    [InlineData("\"\"5B3C\"\"", "5B3C", true)]
    [InlineData("\" 5B3C\"", "5B3C", false)]
    [InlineData("5B3C-2", "5B3C", false)]
    [InlineData("", "\"\"", true)]
    [InlineData(null, "5B3C", false)]
    [InlineData(null, null, false)]
    public void ETags_compare_as_their_normalized_forms(string? a, string? b, bool equal)
    {
        Assert.Equal(equal, ETags.Equal(a, b));
        Assert.Equal(equal, ETags.Equal(b, a));
        Assert.Equal(equal, a is not null && b is not null && ETags.Normalize(a) == ETags.Normalize(b));
    }

    private static CopyRequest With(CopyRequest r, string? bucket = null, string? key = null, string? sourceBucket = null, string? sourceKey = null) => new()
    {
        Bucket = bucket ?? r.Bucket, Key = key ?? r.Key, SourceBucket = sourceBucket ?? r.SourceBucket, SourceKey = sourceKey ?? r.SourceKey,
    };

    private static CopyRequest Copy(
        CopyRequest r, string? sourceVersionId = null, string? taggingDirective = null, string? tagging = null, string? metadataDirective = null,
        IReadOnlyDictionary<string, string>? metadata = null, string? contentType = null, string? storageClass = null, string? acl = null, string? sse = null,
        string? keyId = null, string? dataEncryption = null) => new()
        {
            Bucket = r.Bucket, Key = r.Key, SourceBucket = r.SourceBucket, SourceKey = r.SourceKey, SourceVersionId = sourceVersionId,
            TaggingDirective = taggingDirective, Tagging = tagging, MetadataDirective = metadataDirective, Metadata = metadata, ContentType = contentType,
            StorageClass = storageClass, ObjectAcl = acl, ServerSideEncryption = sse, ServerSideEncryptionKeyId = keyId, ServerSideDataEncryption = dataEncryption,
        };
}
