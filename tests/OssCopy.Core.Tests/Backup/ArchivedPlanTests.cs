using Moq;
using OssCopy.Core.Backup;
using OssCopy.Core.Copying;
using OssCopy.Core.Tests.Support;
using OssCopy.Oss;
using OssCopy.Oss.Models;

namespace OssCopy.Core.Tests.Backup;

/// <summary>A plan's <c>options.archived</c>: from the plan JSON to each copy request, and from each outcome to the report.</summary>
public class ArchivedPlanTests
{
    private static readonly OssException Frozen = new(403, OssRestore.InvalidObjectState, "The operation is not valid for the object's state", "frozen-req", ec: "0016-00000404");

    /// <summary>Five Standard objects and two frozen ones (data/001 Archive, data/003 ColdArchive) that OSS refuses to copy.</summary>
    private static (InMemoryOss Oss, List<RestoreObjectRequest> Restores) Source()
    {
        var oss = InMemoryOss.WithSourceObjects(7);
        oss.SetStorageClass("src-bucket", "data/001.txt", "Archive");
        oss.SetStorageClass("src-bucket", "data/003.txt", "ColdArchive");
        oss.Fault = (operation, subject) =>
            operation == "CopyObject" && subject is CopyObjectRequest r && r.SourceKey is "data/001.txt" or "data/003.txt" ? Frozen : null;
        var restores = new List<RestoreObjectRequest>();
        oss.Mock.Setup(c => c.RestoreObjectAsync(It.IsAny<RestoreObjectRequest>(), It.IsAny<CancellationToken>()))
            .Callback<RestoreObjectRequest, CancellationToken>((r, _) =>
            {
                lock (restores)
                {
                    restores.Add(r);
                }
            })
            .ReturnsAsync(new RestoreObjectResult { StatusCode = 202, RequestId = "restore-req" });
        return (oss, restores);
    }

    private static BackupPlan Plan(string? archived, int? days = null, string? tier = null)
    {
        var plan = Runners.Plan();
        plan.Options = new BackupCopyOptions { Archived = archived, RestoreDays = days, RestoreTier = tier };
        return plan;
    }

    [Fact]
    public async Task Fail_reports_the_frozen_objects_Failed_with_OSSs_error_and_HEADs_nothing()
    {
        var (oss, restores) = Source();
        var sink = new Runners.MemorySink();

        var report = await Runners.Create(oss).RunAsync(Plan(null), new BackupRunOptions { Report = sink });

        Assert.Equal((5L, 2L, 0L, 0L), (report.Totals.Copied, report.Totals.Failed, report.Totals.Restoring, report.Totals.Skipped));
        var failed = sink.Entries.Where(e => e.Action == ReportAction.Failed).OrderBy(e => e.Key, StringComparer.Ordinal).ToList();
        Assert.Equal(["data/001.txt", "data/003.txt"], failed.Select(e => e.Key));
        Assert.All(failed, e => Assert.Equal(("InvalidObjectState", 403, "frozen-req", "0016-00000404"), (e.ErrorCode, e.StatusCode, e.RequestId, e.Ec)));
        Assert.Equal(0, oss.Count("HeadObject"));
        Assert.Empty(restores);
        Assert.True(report.HasFailures);
    }

    [Fact]
    public async Task Skip_HEADs_only_the_listed_archived_objects_and_reports_them_Skipped_as_Archived()
    {
        var (oss, restores) = Source();
        var sink = new Runners.MemorySink();

        var report = await Runners.Create(oss).RunAsync(Plan("skip"), new BackupRunOptions { Report = sink });

        Assert.Equal((5L, 0L, 0L, 2L, 7L), (report.Totals.Copied, report.Totals.Failed, report.Totals.Restoring, report.Totals.Skipped, report.Totals.Listed));
        var skipped = sink.Entries.Where(e => e.Action == ReportAction.Skipped).OrderBy(e => e.Key, StringComparer.Ordinal).ToList();
        Assert.Equal([("data/001.txt", "Archive"), ("data/003.txt", "ColdArchive")], skipped.Select(e => (e.Key, e.StorageClass!)));
        Assert.All(skipped, e => Assert.Equal(ReportReason.Archived, e.Reason));
        Assert.Equal(2, oss.Count("HeadObject"));
        Assert.Equal(5, oss.Count("CopyObject"));
        Assert.Empty(restores);
        Assert.False(report.HasFailures);
        Assert.Equal(["data/001.txt", "data/003.txt"], report.Pending.Select(e => e.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Restore_sends_RestoreObject_with_the_plans_days_and_tier_and_reports_Restoring()
    {
        var (oss, restores) = Source();
        var sink = new Runners.MemorySink();

        var report = await Runners.Create(oss).RunAsync(Plan("restore", 3, "Bulk"), new BackupRunOptions { Report = sink });

        Assert.Equal((5L, 0L, 2L, 0L), (report.Totals.Copied, report.Totals.Failed, report.Totals.Restoring, report.Totals.Skipped));
        Assert.Equal([("data/001.txt", 3, null), ("data/003.txt", 3, "Bulk")],
            restores.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => (r.Key, r.Days!.Value, r.Tier)));
        var restoring = sink.Entries.Where(e => e.Action == ReportAction.Restoring).ToList();
        Assert.Equal(2, restoring.Count);
        Assert.All(restoring, e => Assert.Equal(("requested", 202, "restore-req", ReportReason.Missing), (e.Restore, e.StatusCode, e.RequestId, e.Reason)));
        Assert.Equal(2, report.Requests["RestoreObject"]);
        Assert.Equal(2, report.Requests["HeadObject"]);
        Assert.True(report.HasRestoring);
        Assert.False(report.HasFailures);
    }

    [Fact]
    public void The_plan_JSON_carries_the_archived_options_and_bad_values_are_named_by_their_JSON_path()
    {
        var plan = BackupPlanLoader.Parse("""
            { "name": "p", "source": { "bucket": "src-bucket" }, "destination": { "bucket": "dst-bucket" },
              "options": { "archived": "restore", "restoreDays": 5, "restoreTier": "Expedited" } }
            """);
        Assert.Equal(("restore", 5, "Expedited"), (plan.Options.Archived, plan.Options.RestoreDays!.Value, plan.Options.RestoreTier));

        var bad = Assert.Throws<CopyValidationException>(() => BackupPlanLoader.Parse("""
            { "name": "p", "source": { "bucket": "src-bucket" }, "destination": { "bucket": "dst-bucket" },
              "options": { "archived": "thaw", "restoreDays": 0, "restoreTier": "Fast" } }
            """));
        Assert.Equal(["options.archived", "options.restoreDays", "options.restoreTier"], bad.Errors.Select(e => e.Field));

        var unused = Assert.Throws<CopyValidationException>(() => BackupPlanLoader.Parse("""
            { "name": "p", "source": { "bucket": "src-bucket" }, "destination": { "bucket": "dst-bucket" },
              "options": { "archived": "skip", "restoreDays": 2 } }
            """));
        var error = Assert.Single(unused.Errors);
        Assert.Equal(("options.restoreDays", "applies only with archived: restore."), (error.Field, error.Message));
    }
}
