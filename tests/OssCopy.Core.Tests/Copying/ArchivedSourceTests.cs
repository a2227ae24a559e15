using Moq;
using OssCopy.Core.Copying;
using OssCopy.Core.Tests.Support;
using OssCopy.Oss;
using OssCopy.Oss.Models;

namespace OssCopy.Core.Tests.Copying;

/// <summary>Archived sources through the client seam: fail (as before), skip and restore, decided from HEAD or from the copy's own answer.</summary>
public class ArchivedSourceTests
{
    private static readonly OssException Frozen = new(403, OssRestore.InvalidObjectState, "The operation is not valid for the object's state", "frozen-req", ec: "0016-00000404");

    private static CopyRequest Request(string? archived = null, int? days = null, string? tier = null) => new()
    {
        Bucket = "dst-bucket", Key = "dst/object.txt", SourceBucket = "src-bucket", SourceKey = "src/object.txt",
        Archived = archived, RestoreDays = days, RestoreTier = tier,
    };

    /// <summary>A plan's request: size and ETag from the listing (ETag verification skips the HEAD), and the listed class.</summary>
    private static CopyRequest Listed(string storageClass, string? archived = null) => new()
    {
        Bucket = "dst-bucket", Key = "dst/object.txt", SourceBucket = "src-bucket", SourceKey = "src/object.txt",
        ExpectedSourceETag = Fake.SourceETag, KnownSourceSize = 1000, KnownSourceStorageClass = storageClass, Archived = archived,
    };

    private static Mock<IOssClient> Source(string storageClass, string? restore = null)
    {
        var oss = Fake.Strict();
        oss.SetupSameRegion();
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (restore is not null)
        {
            headers[OssRestore.Header] = restore;
        }

        oss.Setup(c => c.HeadObjectAsync(It.Is<HeadObjectRequest>(r => r.Bucket == "src-bucket"), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new HeadObjectResult { StatusCode = 200, RequestId = "head-req", Headers = headers, Properties = Fake.Props(storageClass: storageClass) });
        oss.Setup(c => c.HeadObjectAsync(It.Is<HeadObjectRequest>(r => r.Bucket == "dst-bucket"), It.IsAny<CancellationToken>()))
            .ReturnsAsync(Fake.Head(Fake.Props(storageClass: storageClass), "dest-head-req"));
        return oss;
    }

    private static List<RestoreObjectRequest> AcceptRestores(Mock<IOssClient> oss, int status = 202)
    {
        var sent = new List<RestoreObjectRequest>();
        oss.Setup(c => c.RestoreObjectAsync(It.IsAny<RestoreObjectRequest>(), It.IsAny<CancellationToken>()))
            .Callback<RestoreObjectRequest, CancellationToken>((r, _) => sent.Add(r))
            .ReturnsAsync(new RestoreObjectResult { StatusCode = status, RequestId = "restore-req" });
        return sent;
    }

    private static void CopyAnswers(Mock<IOssClient> oss, Exception? error = null)
    {
        var setup = oss.Setup(c => c.CopyObjectAsync(It.IsAny<CopyObjectRequest>(), It.IsAny<CancellationToken>()));
        if (error is null)
        {
            setup.ReturnsAsync(Fake.CopyResult());
        }
        else
        {
            setup.ThrowsAsync(error);
        }
    }

    private static void Never(Mock<IOssClient> oss, string what)
    {
        if (what == "copy")
        {
            oss.Verify(c => c.CopyObjectAsync(It.IsAny<CopyObjectRequest>(), It.IsAny<CancellationToken>()), Times.Never);
        }
        else
        {
            oss.Verify(c => c.RestoreObjectAsync(It.IsAny<RestoreObjectRequest>(), It.IsAny<CancellationToken>()), Times.Never);
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("fail")]
    public async Task By_default_an_unrestored_archived_source_is_copied_anyway_and_fails_with_OSSs_InvalidObjectState(string? archived)
    {
        var oss = Source("Archive");
        CopyAnswers(oss, Frozen);

        var outcome = await Fake.Orchestrator(oss).CopyAsync(Request(archived));

        Assert.Equal(CopyStatus.Failed, outcome.Status);
        Assert.Equal((403, "InvalidObjectState", "The operation is not valid for the object's state", "frozen-req", "0016-00000404"),
            (outcome.Error!.StatusCode, outcome.Error.Code, outcome.Error.Message, outcome.Error.RequestId, outcome.Error.Ec));
        Never(oss, "restore");
    }

    [Theory]
    [InlineData("Archive", null)]
    [InlineData("ColdArchive", null)]
    [InlineData("DeepColdArchive", "ongoing-request=\"true\"")]
    public async Task Skip_reports_an_unrestored_archived_source_Skipped_as_Archived_and_sends_no_copy(string storageClass, string? restore)
    {
        var oss = Source(storageClass, restore);

        var outcome = await Fake.Orchestrator(oss).CopyAsync(Request("skip"));

        Assert.Equal((CopyStatus.Skipped, CopySkipReason.Archived, storageClass, restore), (outcome.Status, outcome.SkipReason, outcome.SourceStorageClass, outcome.SourceRestore));
        Assert.False(outcome.Succeeded);
        Assert.Null(outcome.Error);
        Never(oss, "copy");
        Never(oss, "restore");
    }

    [Theory]
    [InlineData("skip")]
    [InlineData("restore")]
    [InlineData("fail")]
    public async Task A_restored_archived_source_is_copied_whatever_the_option(string archived)
    {
        var oss = Source("ColdArchive", "ongoing-request=\"false\", expiry-date=\"Sun, 06 Dec 2026 08:00:00 GMT\"");
        CopyAnswers(oss);

        var outcome = await Fake.Orchestrator(oss).CopyAsync(Request(archived));

        Assert.Equal(CopyStatus.Copied, outcome.Status);
        Never(oss, "restore");
    }

    [Fact]
    public async Task Restore_of_an_Archive_source_sends_RestoreObject_for_one_day_without_a_tier_and_reports_Restoring()
    {
        var oss = Source("Archive");
        var restores = AcceptRestores(oss);

        var outcome = await Fake.Orchestrator(oss).CopyAsync(Request("Restore"));

        var sent = Assert.Single(restores);
        Assert.Equal(("src-bucket", "src/object.txt", (int?)1, (string?)null), (sent.Bucket, sent.Key, sent.Days, sent.Tier));
        Assert.Equal((CopyStatus.Restoring, true, 202, "restore-req", "Archive"),
            (outcome.Status, outcome.RestoreRequested, outcome.StatusCode, outcome.RequestId, outcome.SourceStorageClass));
        Assert.Null(outcome.Error);
        Never(oss, "copy");
    }

    [Theory]
    [InlineData("ColdArchive", 30, "bulk", 30, "Bulk")]
    [InlineData("DeepColdArchive", 365, "Expedited", 365, "Expedited")]
    [InlineData("ColdArchive", null, null, 1, null)]
    [InlineData("Archive", 30, "Expedited", 7, null)] // Archive: at most 7 days, and OSS refuses a tier (MalformedXML)
    public async Task Restore_sends_days_and_tier_as_the_source_class_allows(string storageClass, int? days, string? tier, int sentDays, string? sentTier)
    {
        var oss = Source(storageClass);
        var restores = AcceptRestores(oss);

        var outcome = await Fake.Orchestrator(oss).CopyAsync(Request("restore", days, tier));

        var sent = Assert.Single(restores);
        Assert.Equal(((int?)sentDays, sentTier), (sent.Days, sent.Tier));
        Assert.Equal(CopyStatus.Restoring, outcome.Status);
    }

    [Fact]
    public async Task A_restore_already_under_way_per_HEAD_is_Restoring_without_a_second_request()
    {
        var oss = Source("ColdArchive", "ongoing-request=\"true\"");

        var outcome = await Fake.Orchestrator(oss).CopyAsync(Request("restore"));

        Assert.Equal((CopyStatus.Restoring, false, "ongoing-request=\"true\""), (outcome.Status, outcome.RestoreRequested, outcome.SourceRestore));
        Never(oss, "restore");
        Never(oss, "copy");
    }

    [Fact]
    public async Task RestoreAlreadyInProgress_from_OSS_is_Restoring_too()
    {
        var oss = Source("Archive");
        oss.Setup(c => c.RestoreObjectAsync(It.IsAny<RestoreObjectRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new OssException(409, OssRestore.RestoreAlreadyInProgress, "The restore operation is in progress.", "409-req", ec: "0016-00000701"));

        var outcome = await Fake.Orchestrator(oss).CopyAsync(Request("restore"));

        Assert.Equal((CopyStatus.Restoring, false, "409-req"), (outcome.Status, outcome.RestoreRequested, outcome.RequestId));
        Assert.Null(outcome.Error);
        Never(oss, "copy");
    }

    [Fact]
    public async Task A_restore_OSS_refuses_otherwise_fails_with_its_error()
    {
        var oss = Source("ColdArchive");
        oss.Setup(c => c.RestoreObjectAsync(It.IsAny<RestoreObjectRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new OssException(400, "MalformedXML", "The XML you provided was not well-formed.", "bad-req"));

        var outcome = await Fake.Orchestrator(oss).CopyAsync(Request("restore", tier: "Bulk"));

        Assert.Equal((CopyStatus.Failed, "MalformedXML", "bad-req"), (outcome.Status, outcome.Error!.Code, outcome.Error.RequestId));
    }

    [Fact]
    public async Task Restored_between_HEAD_and_RestoreObject_200_lets_the_copy_go_on()
    {
        var oss = Source("ColdArchive");
        AcceptRestores(oss, status: 200);
        CopyAnswers(oss);

        var outcome = await Fake.Orchestrator(oss).CopyAsync(Request("restore"));

        Assert.Equal(CopyStatus.Copied, outcome.Status);
    }

    [Fact]
    public async Task A_plan_copy_of_a_listed_Standard_object_sends_no_HEAD()
    {
        var oss = Fake.Strict();
        oss.SetupSameRegion();
        CopyAnswers(oss);

        var outcome = await Fake.Orchestrator(oss, o => o.Verification = CopyVerification.ETag).CopyAsync(Listed("Standard", "restore"));

        Assert.Equal(CopyStatus.Copied, outcome.Status);
        oss.Verify(c => c.HeadObjectAsync(It.IsAny<HeadObjectRequest>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Theory]
    [InlineData("skip", CopyStatus.Skipped)]
    [InlineData("restore", CopyStatus.Restoring)]
    public async Task A_plan_copy_of_a_listed_archived_object_HEADs_it_and_sends_no_CopyObject_that_must_fail(string archived, CopyStatus expected)
    {
        var oss = Source("ColdArchive");
        AcceptRestores(oss);

        var outcome = await Fake.Orchestrator(oss, o => o.Verification = CopyVerification.ETag).CopyAsync(Listed("ColdArchive", archived));

        Assert.Equal(expected, outcome.Status);
        oss.Verify(c => c.HeadObjectAsync(It.Is<HeadObjectRequest>(r => r.Bucket == "src-bucket"), It.IsAny<CancellationToken>()), Times.Once);
        Never(oss, "copy");
    }

    [Fact]
    public async Task A_plan_copy_of_a_listed_archived_object_under_fail_costs_no_HEAD_as_before()
    {
        var oss = Fake.Strict();
        oss.SetupSameRegion();
        CopyAnswers(oss, Frozen);

        var outcome = await Fake.Orchestrator(oss, o => o.Verification = CopyVerification.ETag).CopyAsync(Listed("Archive"));

        Assert.Equal((CopyStatus.Failed, "InvalidObjectState"), (outcome.Status, outcome.Error!.Code));
        oss.Verify(c => c.HeadObjectAsync(It.IsAny<HeadObjectRequest>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Theory]
    [InlineData("skip", CopyStatus.Skipped, 0)]
    [InlineData("restore", CopyStatus.Restoring, 1)]
    public async Task An_InvalidObjectState_answer_to_the_copy_itself_is_handled_as_the_option_says(string archived, CopyStatus expected, int restores)
    {
        // The listing said Standard (or the restore expired since): OSS's refusal of the copy is the first sign.
        var oss = Fake.Strict();
        oss.SetupSameRegion();
        CopyAnswers(oss, Frozen);
        var sent = AcceptRestores(oss);

        var outcome = await Fake.Orchestrator(oss, o => o.Verification = CopyVerification.ETag).CopyAsync(Listed("Standard", archived));

        Assert.Equal(expected, outcome.Status);
        Assert.Equal(restores, sent.Count);
        oss.Verify(c => c.CopyObjectAsync(It.IsAny<CopyObjectRequest>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public void Bad_archived_options_are_named_before_any_request()
    {
        var errors = CopyRequestValidator.Validate(Request("freeze", 0, "Fast")).Select(e => e.Field).ToList();
        Assert.Equal(["Archived", "RestoreDays", "RestoreTier"], errors);

        var tooLong = Assert.Single(CopyRequestValidator.Validate(Request("restore", 366)));
        Assert.Equal("RestoreDays", tooLong.Field);
        Assert.Contains("1 to 365", tooLong.Message, StringComparison.Ordinal);

        var withoutRestore = CopyRequestValidator.Validate(Request("skip", 3, "Bulk"));
        Assert.Equal(["RestoreDays", "RestoreTier"], withoutRestore.Select(e => e.Field));
        Assert.All(withoutRestore, e => Assert.Contains("only with Archived Restore", e.Message, StringComparison.Ordinal));

        Assert.Empty(CopyRequestValidator.Validate(Request("RESTORE", 365, "bulk")));
    }

    [Theory]
    [InlineData(null, OssRestoreState.None)]
    [InlineData("", OssRestoreState.None)]
    [InlineData("ongoing-request=\"true\"", OssRestoreState.Ongoing)]
    [InlineData("ongoing-request=\"false\", expiry-date=\"Sun, 16 Apr 2017 08:12:33 GMT\"", OssRestoreState.Restored)]
    [InlineData("ongoing-request = \"false\",expiry-date=\"x\"", OssRestoreState.Restored)]
    public void The_restore_header_is_read_as_OSS_writes_it(string? header, OssRestoreState expected) =>
        Assert.Equal(expected, OssRestore.Parse(header));
}
