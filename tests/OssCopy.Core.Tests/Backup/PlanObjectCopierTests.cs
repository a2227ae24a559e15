using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OssCopy.Core.Backup;
using OssCopy.Core.Copying;
using OssCopy.Core.State;
using OssCopy.Core.Tests.Support;

namespace OssCopy.Core.Tests.Backup;

public class PlanObjectCopierTests
{
    private static readonly DateTimeOffset RunStart = new(2026, 3, 14, 23, 59, 0, TimeSpan.Zero);

    /// <summary>The work item a queue message would carry: made from the listing, sent as JSON, read back.</summary>
    private static CopyWorkItem ThroughJson(CopyWorkItem item) =>
        JsonSerializer.Deserialize<CopyWorkItem>(JsonSerializer.Serialize(item))!;

    private static CopyWorkItem Missing(InMemoryOss oss, string relativeKey)
    {
        var stored = oss.Find("src-bucket", "data/" + relativeKey)!;
        return new CopyWorkItem
        {
            RelativeKey = relativeKey,
            Reason = DiffKind.Missing,
            Source = new ListedObject { Bucket = "src-bucket", Key = "data/" + relativeKey, Size = stored.Size, ETag = stored.ETag, StorageClass = "Standard" },
        };
    }

    [Fact]
    public void A_work_item_round_trips_through_json_with_its_reason_by_name()
    {
        var item = new CopyWorkItem
        {
            RelativeKey = "a/b.txt",
            Reason = DiffKind.ETagDiffers,
            Source = new ListedObject { Bucket = "s", Key = "data/a/b.txt", Size = 5, ETag = "\"E1\"", StorageClass = "IA", LastModified = RunStart, VersionId = "v1" },
            Destination = new ListedObject { Bucket = "d", Key = "backup/a/b.txt", Size = 5, ETag = "\"E2\"" },
        };

        var json = JsonSerializer.Serialize(item);

        Assert.Contains("\"Reason\":\"ETagDiffers\"", json, StringComparison.Ordinal);
        Assert.Equal(item, ThroughJson(item));
    }

    [Fact]
    public async Task One_work_item_read_from_a_message_is_copied_verified_and_reported_on_its_own()
    {
        var oss = InMemoryOss.WithSourceObjects(3);
        await using var services = Runners.Services(oss.Client);
        var copier = services.GetRequiredService<PlanObjectCopier>();
        var context = new PlanCopyContext(Runners.Plan(), RunStart, CopyVerification.ETag);

        var entry = await copier.CopyAsync(context, ThroughJson(Missing(oss, "001.txt")));

        Assert.Equal((ReportAction.Copied, ReportReason.Missing, true), (entry.Action, entry.Reason, entry.Verified));
        Assert.Equal(("data/001.txt", "backup/001.txt", 101L), (entry.Key, entry.DestinationKey, entry.Size));
        Assert.Equal(oss.Find("src-bucket", "data/001.txt")!.ETag, oss.Find("dst-bucket", "backup/001.txt")!.ETag);
        Assert.Equal(1, oss.Count("CopyObject"));
        Assert.Equal(0, oss.Count("HeadObject")); // ETag verification: the copy answer proves it
        Assert.Equal(new ReportTotals { Listed = 1, Copied = 1, CopiedBytes = 101 }, ReportMapping.Totals(entry));
    }

    [Fact]
    public async Task The_plan_context_sets_the_verification_not_the_engine_options()
    {
        var oss = InMemoryOss.WithSourceObjects(1);
        await using var services = Runners.Services(oss.Client, engine: e => e.Verification = CopyVerification.ETag);
        var copier = services.GetRequiredService<PlanObjectCopier>();

        var entry = await copier.CopyAsync(new PlanCopyContext(Runners.Plan(), RunStart, CopyVerification.Full), Missing(oss, "000.txt"));

        Assert.Equal(ReportAction.Copied, entry.Action);
        Assert.True(oss.Count("HeadObject") >= 2, "Full verification HEADs the source and the destination");
        Assert.Same(services.GetRequiredService<CopyOrchestrator>(), copier.OrchestratorFor(CopyVerification.ETag));
        Assert.Equal(CopyVerification.Full, copier.OrchestratorFor(CopyVerification.Full).Options.Verification);
    }

    [Fact]
    public async Task A_dry_run_context_reports_what_would_be_copied_and_copies_nothing()
    {
        var oss = InMemoryOss.WithSourceObjects(1);
        await using var services = Runners.Services(oss.Client);
        var copier = services.GetRequiredService<PlanObjectCopier>();

        var entry = await copier.CopyAsync(new PlanCopyContext(Runners.Plan(), RunStart, CopyVerification.ETag, dryRun: true), Missing(oss, "000.txt"));

        Assert.Equal((ReportAction.WouldCopy, 1), (entry.Action, entry.Requests));
        Assert.Equal(0, oss.Count("CopyObject"));
        Assert.Null(oss.Find("dst-bucket", "backup/000.txt"));
    }

    [Fact]
    public async Task A_destination_with_another_etag_that_the_store_knows_as_our_copy_is_unchanged_without_a_request()
    {
        var oss = InMemoryOss.WithSourceObjects(1);
        var source = oss.Find("src-bucket", "data/000.txt")!;
        oss.Put("dst-bucket", "backup/000.txt", size: source.Size, etag: "\"MULTI-1\"");
        using var store = new FileCopyStateStore(BackupRunnerTests.TempDir());
        await store.RecordLineageAsync("nightly", new CopyLineage("backup/000.txt", source.ETag, "\"MULTI-1\"", source.Size, RunStart), CancellationToken.None);
        await using var services = Runners.Services(oss.Client, store);
        var item = Missing(oss, "000.txt") with
        {
            Reason = DiffKind.ETagDiffers,
            Destination = new ListedObject { Bucket = "dst-bucket", Key = "backup/000.txt", Size = source.Size, ETag = "\"MULTI-1\"" },
        };

        var entry = await services.GetRequiredService<PlanObjectCopier>().CopyAsync(new PlanCopyContext(Runners.Plan(), RunStart, CopyVerification.ETag), ThroughJson(item));

        Assert.Equal((ReportAction.Unchanged, ReportReason.CopiedBefore, "\"MULTI-1\""), (entry.Action, entry.Reason, entry.ETag));
        Assert.Equal((0, 0), (oss.Count("CopyObject"), oss.Count("HeadObject")));
    }

    [Fact]
    public void Tag_templates_take_the_date_the_run_started_not_the_date_the_object_is_copied()
    {
        var plan = Runners.Plan();
        plan.TagRules = [new TagRule { Action = TagAction.Replace, Tagging = "backup={plan}-{date}" }];
        var context = new PlanCopyContext(plan, RunStart, CopyVerification.ETag);
        var item = new CopyWorkItem
        {
            RelativeKey = "x.txt", Reason = DiffKind.Missing, Source = new ListedObject { Bucket = "src-bucket", Key = "data/x.txt", Size = 1, ETag = "\"E\"" },
        };

        var request = PlanObjectCopier.CopyRequestFor(context, item);

        Assert.Equal(("Replace", "backup=nightly-2026-03-14"), (request.TaggingDirective, request.Tagging));
        Assert.Equal(("dst-bucket", "backup/x.txt", "\"E\"", 1L), (request.Bucket, request.Key, request.ExpectedSourceETag, request.KnownSourceSize));
    }
}
