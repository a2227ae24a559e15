using Moq;
using OssCopy.Core.Copying;
using OssCopy.Core.Tests.Support;
using OssCopy.Oss;
using OssCopy.Oss.Models;

namespace OssCopy.Core.Tests.Copying;

public class VerificationTests
{
    private static Mock<IOssClient> SingleCopy(OssObjectProperties source, OssObjectProperties destination, ulong? answerCrc = Fake.SourceCrc)
    {
        var oss = Fake.Strict();
        oss.SetupSameRegion();
        oss.SetupHeads(source, destination);
        oss.Setup(c => c.CopyObjectAsync(It.IsAny<CopyObjectRequest>(), It.IsAny<CancellationToken>())).ReturnsAsync(Fake.CopyResult(crc: answerCrc));
        return oss;
    }

    [Fact]
    public async Task A_destination_of_another_size_is_a_mismatch_that_says_size()
    {
        var oss = SingleCopy(Fake.Props(size: 1000), Fake.Props(size: 999));

        var outcome = await Fake.Orchestrator(oss).CopyAsync(Fake.Request());

        Assert.Equal(CopyStatus.VerificationFailed, outcome.Status);
        Assert.False(outcome.Verified);
        Assert.Equal(["size: source 1000 bytes, destination 999 bytes"], outcome.VerificationErrors);
        Assert.Equal(CopyErrorCodes.VerificationFailed, outcome.Error!.Code);
    }

    [Fact]
    public async Task A_CRC_mismatch_in_the_copy_answer_is_caught_even_without_a_destination_HEAD()
    {
        var oss = SingleCopy(Fake.Props(), Fake.Props(), answerCrc: 42);

        var outcome = await Fake.Orchestrator(oss, o => o.Verification = CopyVerification.Crc).CopyAsync(Fake.Request());

        Assert.Equal(CopyStatus.VerificationFailed, outcome.Status);
        Assert.Equal([$"CRC-64: source {Fake.SourceCrc}, copy answer 42"], outcome.VerificationErrors);
        oss.Verify(c => c.HeadObjectAsync(It.Is<HeadObjectRequest>(r => r.Bucket == "dst-bucket"), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task A_CRC_mismatch_on_the_destination_is_caught_by_full_verification()
    {
        var oss = SingleCopy(Fake.Props(), Fake.Props(crc: 7));

        var outcome = await Fake.Orchestrator(oss).CopyAsync(Fake.Request());

        Assert.Equal([$"CRC-64: source {Fake.SourceCrc}, destination 7"], outcome.VerificationErrors);
    }

    [Fact]
    public async Task Full_verification_reads_the_version_the_copy_wrote()
    {
        var oss = SingleCopy(Fake.Props(), Fake.Props());

        await Fake.Orchestrator(oss).CopyAsync(Fake.Request());

        oss.Verify(c => c.HeadObjectAsync(It.Is<HeadObjectRequest>(r => r.Bucket == "dst-bucket" && r.VersionId == "dest-v1"), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Metadata_that_the_Copy_directive_should_have_carried_is_named_when_missing_or_different()
    {
        var source = Fake.Props(metadata: new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["a"] = "1", ["b"] = "2" });
        var destination = Fake.Props(metadata: new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["a"] = "9", ["c"] = "3" }, contentType: "application/octet-stream");
        var oss = SingleCopy(source, destination);

        var outcome = await Fake.Orchestrator(oss).CopyAsync(Fake.Request());

        Assert.Equal(
            [
                "metadata 'a': expected '1', destination has '9'",
                "metadata 'b': expected '2', missing on the destination",
                "metadata 'c': not expected, destination has '3'",
                "Content-Type: expected 'text/plain', destination has 'application/octet-stream'",
            ],
            outcome.VerificationErrors);
    }

    [Fact]
    public async Task Tags_of_the_source_that_did_not_arrive_are_a_mismatch()
    {
        var oss = SingleCopy(Fake.Props(tags: 2), Fake.Props(tags: 2));
        oss.Setup(c => c.GetObjectTaggingAsync(It.Is<GetObjectTaggingRequest>(r => r.Bucket == "src-bucket"), It.IsAny<CancellationToken>()))
            .ReturnsAsync(Fake.Tags("a=1&b=2"));
        oss.Setup(c => c.GetObjectTaggingAsync(It.Is<GetObjectTaggingRequest>(r => r.Bucket == "dst-bucket"), It.IsAny<CancellationToken>()))
            .ReturnsAsync(Fake.Tags("a=1&b=3"));

        var outcome = await Fake.Orchestrator(oss).CopyAsync(Fake.Request());

        Assert.Equal(["tags: expected a=1&b=2, destination has a=1&b=3"], outcome.VerificationErrors);
    }

    [Fact]
    public async Task A_tag_count_that_differs_is_reported_without_reading_the_destination_tags()
    {
        var oss = SingleCopy(Fake.Props(), Fake.Props(tags: 1));

        var outcome = await Fake.Orchestrator(oss).CopyAsync(new CopyRequest
        {
            Bucket = "dst-bucket", Key = "k", SourceBucket = "src-bucket", SourceKey = "src/k", TaggingDirective = "Replace", Tagging = "x=1&y=2",
        });

        Assert.Equal(["tags: expected 2 (x=1&y=2), destination has 1"], outcome.VerificationErrors);
    }

    [Fact]
    public async Task Storage_class_and_encryption_asked_for_are_checked()
    {
        var oss = SingleCopy(Fake.Props(), Fake.Props(storageClass: "Standard", sse: null));

        var outcome = await Fake.Orchestrator(oss).CopyAsync(new CopyRequest
        {
            Bucket = "dst-bucket", Key = "k", SourceBucket = "src-bucket", SourceKey = "src/k", StorageClass = "Archive", ServerSideEncryption = "AES256",
        });

        Assert.Equal(["storage class: expected Archive, destination has Standard", "server-side encryption: expected AES256, destination has (none)"], outcome.VerificationErrors);
    }

    [Fact]
    public async Task Merge_sends_the_source_tags_plus_the_rule_tags_as_a_Replace()
    {
        var oss = SingleCopy(Fake.Props(tags: 2), Fake.Props(tags: 3));
        oss.Setup(c => c.GetObjectTaggingAsync(It.Is<GetObjectTaggingRequest>(r => r.Bucket == "src-bucket"), It.IsAny<CancellationToken>()))
            .ReturnsAsync(Fake.Tags("team=a&stage=raw"));
        oss.Setup(c => c.GetObjectTaggingAsync(It.Is<GetObjectTaggingRequest>(r => r.Bucket == "dst-bucket"), It.IsAny<CancellationToken>()))
            .ReturnsAsync(Fake.Tags("team=a&stage=backup&plan=nightly"));
        CopyObjectRequest? sent = null;
        oss.Setup(c => c.CopyObjectAsync(It.IsAny<CopyObjectRequest>(), It.IsAny<CancellationToken>()))
            .Callback<CopyObjectRequest, CancellationToken>((r, _) => sent = r).ReturnsAsync(Fake.CopyResult());

        var outcome = await Fake.Orchestrator(oss).CopyAsync(new CopyRequest
        {
            Bucket = "dst-bucket", Key = "k", SourceBucket = "src-bucket", SourceKey = "src/k", TaggingDirective = "merge", Tagging = "stage=backup&plan=nightly",
        });

        Assert.True(outcome.Verified, string.Join("; ", outcome.VerificationErrors));
        Assert.Equal("Replace", sent!.TaggingDirective);
        Assert.Equal(OssTagging.Parse("team=a&stage=backup&plan=nightly"), OssTagging.Parse(sent.Tagging));
    }

    [Fact]
    public async Task A_merge_past_ten_tags_fails_before_the_copy()
    {
        var oss = Fake.Strict();
        oss.SetupSameRegion();
        oss.SetupHeads(Fake.Props(tags: 9));
        oss.Setup(c => c.GetObjectTaggingAsync(It.IsAny<GetObjectTaggingRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(Fake.Tags(string.Join('&', Enumerable.Range(1, 9).Select(i => $"t{i}=v"))));

        var outcome = await Fake.Orchestrator(oss).CopyAsync(new CopyRequest
        {
            Bucket = "dst-bucket", Key = "k", SourceBucket = "src-bucket", SourceKey = "src/k", TaggingDirective = "Merge", Tagging = "x=1&y=2",
        });

        Assert.Equal((CopyStatus.Failed, CopyErrorCodes.InvalidTagging), (outcome.Status, outcome.Error!.Code));
        oss.Verify(c => c.CopyObjectAsync(It.IsAny<CopyObjectRequest>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    private static CopyRequest Listed(string etag = Fake.SourceETag, long size = 1000) => new()
    {
        Bucket = "dst-bucket", Key = "dst/k", SourceBucket = "src-bucket", SourceKey = "src/k", ExpectedSourceETag = etag, KnownSourceSize = size,
    };

    [Fact]
    public async Task ETag_verification_of_a_listed_source_costs_one_CopyObject_and_no_HEAD()
    {
        var oss = Fake.Strict();
        oss.SetupSameRegion();
        CopyObjectRequest? sent = null;
        oss.Setup(c => c.CopyObjectAsync(It.IsAny<CopyObjectRequest>(), It.IsAny<CancellationToken>()))
            .Callback<CopyObjectRequest, CancellationToken>((r, _) => sent = r).ReturnsAsync(Fake.CopyResult());

        var outcome = await Fake.Orchestrator(oss, o => o.Verification = CopyVerification.ETag).CopyAsync(Listed());

        Assert.True(outcome.Verified);
        Assert.Equal((CopyStrategy.SingleCopy, 1000L, Fake.SourceETag), (outcome.Strategy, outcome.SourceSize, sent!.CopySourceIfMatch));
        oss.Verify(c => c.HeadObjectAsync(It.IsAny<HeadObjectRequest>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task An_answer_with_another_ETag_falls_back_to_the_CRC_against_a_source_HEAD()
    {
        var oss = SingleCopy(Fake.Props(), Fake.Props(), answerCrc: 99);
        oss.Setup(c => c.CopyObjectAsync(It.IsAny<CopyObjectRequest>(), It.IsAny<CancellationToken>())).ReturnsAsync(Fake.CopyResult(crc: 99, etag: "\"OTHER\""));

        var outcome = await Fake.Orchestrator(oss, o => o.Verification = CopyVerification.ETag).CopyAsync(Listed());

        Assert.Equal(CopyStatus.VerificationFailed, outcome.Status);
        Assert.Equal([$"CRC-64: source {Fake.SourceCrc}, copy answer 99"], outcome.VerificationErrors);
        oss.Verify(c => c.HeadObjectAsync(It.Is<HeadObjectRequest>(r => r.Bucket == "src-bucket"), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task ETag_verification_still_HEADs_a_source_that_needs_parts()
    {
        var oss = SingleCopy(Fake.Props(size: 1000), Fake.Props(size: 1000));

        var outcome = await Fake.Orchestrator(oss, o => { o.Verification = CopyVerification.ETag; o.MultipartThreshold = 2000; })
            .CopyAsync(Listed(size: 5000));

        Assert.True(outcome.Verified, string.Join("; ", outcome.VerificationErrors));
        Assert.Equal(1000L, outcome.SourceSize); // the HEAD's size, not the listed one, decides
        oss.Verify(c => c.HeadObjectAsync(It.Is<HeadObjectRequest>(r => r.Bucket == "src-bucket"), It.IsAny<CancellationToken>()), Times.Once);
    }
}
