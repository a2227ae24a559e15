using System.Text.Json;
using OssCopy.Core.Backup;
using OssCopy.Core.Copying;
using OssCopy.Core.State;
using OssCopy.Core.Tests.Support;
using OssCopy.Oss;

namespace OssCopy.Core.Tests.Backup;

public class BackupRunnerTests
{
    private static InMemoryOss Seeded(int count = 10)
    {
        var oss = InMemoryOss.WithSourceObjects(count);
        oss.Put("src-bucket", "outside/x.txt");
        return oss;
    }

    [Fact]
    public async Task A_first_run_copies_everything_under_the_prefix_and_accounts_for_every_object()
    {
        var oss = Seeded();
        var sink = new Runners.MemorySink();

        var report = await Runners.Create(oss).RunAsync(Runners.Plan(), new BackupRunOptions { Report = sink });

        Assert.Equal("Completed", report.Status);
        Assert.Equal((10L, 10L, 0L, 0L), (report.Totals.Listed, report.Totals.Copied, report.Totals.Unchanged, report.Totals.Failed));
        Assert.Equal(Enumerable.Range(0, 10).Sum(i => 100L + i), report.Totals.CopiedBytes);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"backup/{i:D3}.txt"), oss.Keys("dst-bucket"));
        Assert.Equal(10, sink.Entries.Count);
        Assert.All(sink.Entries, e => Assert.Equal((ReportAction.Copied, ReportReason.Missing, true, "SingleCopy"), (e.Action, e.Reason, e.Verified, e.Strategy)));
        Assert.Equal("copy-backup/003.txt", sink.Entries.Single(e => e.Key == "data/003.txt").RequestId);
        Assert.Equal(10, report.Requests["CopyObject"]);
        Assert.Null(oss.Find("dst-bucket", "backup/x.txt"));
    }

    [Fact]
    public async Task A_rerun_with_nothing_changed_makes_listing_requests_only()
    {
        var oss = Seeded(25);
        await Runners.Create(oss).RunAsync(Runners.Plan());
        oss.Calls.Clear();

        var report = await Runners.Create(oss).RunAsync(Runners.Plan());

        Assert.Equal((25L, 0L), (report.Totals.Unchanged, report.Totals.Copied));
        Assert.Equal(["ListObjectsV2"], oss.Calls.Keys);
        Assert.Equal(new Dictionary<string, long> { ["ListObjectsV2"] = oss.Count("ListObjectsV2") }, report.Requests);
        Assert.Equal(18, oss.Count("ListObjectsV2")); // 25 keys at 3 per page on each side: 9 pages each
    }

    [Fact]
    public async Task Only_missing_and_changed_objects_are_copied_and_extra_destination_objects_stay()
    {
        var oss = Seeded(5);
        await Runners.Create(oss).RunAsync(Runners.Plan());
        oss.Put("src-bucket", "data/001.txt", size: 999);           // size differs
        oss.Put("src-bucket", "data/002.txt", size: 102, etag: "\"CHANGED\""); // same size, other content
        oss.Put("src-bucket", "data/new.txt");                       // missing
        oss.Put("dst-bucket", "backup/only-here.txt");               // extra, never deleted
        var sink = new Runners.MemorySink();
        oss.Calls.Clear();

        var report = await Runners.Create(oss).RunAsync(Runners.Plan(), new BackupRunOptions { Report = sink });

        var copied = sink.Entries.Where(e => e.Action == ReportAction.Copied).ToDictionary(e => e.Key, e => e.Reason);
        Assert.Equal(new Dictionary<string, ReportReason>
        {
            ["data/001.txt"] = ReportReason.SizeDiffers, ["data/002.txt"] = ReportReason.ETagDiffers, ["data/new.txt"] = ReportReason.Missing,
        }, copied);
        Assert.Equal((3L, 3L, 1L), (report.Totals.Copied, report.Totals.Unchanged, report.Totals.ExtraInDestination));
        Assert.NotNull(oss.Find("dst-bucket", "backup/only-here.txt"));
        Assert.Equal(999, oss.Find("dst-bucket", "backup/001.txt")!.Size);
    }

    [Fact]
    public async Task One_failing_object_is_reported_with_its_OSS_code_and_request_id_and_the_rest_goes_on()
    {
        var oss = Seeded(6);
        oss.Fault = (op, subject) => op == "CopyObject" && subject is Oss.Models.CopyObjectRequest { Key: "backup/002.txt" }
            ? new OssException(403, "AccessDenied", "You have no right to access this object.", "req-403", ec: "0003-00000001")
            : null;
        var sink = new Runners.MemorySink();

        var report = await Runners.Create(oss).RunAsync(Runners.Plan(), new BackupRunOptions { Report = sink });

        Assert.Equal((5L, 1L), (report.Totals.Copied, report.Totals.Failed));
        var failed = Assert.Single(report.Failures);
        Assert.Equal(("data/002.txt", "AccessDenied", "req-403", 403, "0003-00000001"), (failed.Key, failed.ErrorCode, failed.RequestId, failed.StatusCode, failed.Ec));
        Assert.True(report.HasFailures);
        Assert.Contains(sink.Entries, e => e.Action == ReportAction.Failed && e.Key == "data/002.txt");
    }

    [Fact]
    public async Task Include_and_exclude_patterns_select_by_the_key_relative_to_the_prefix()
    {
        var oss = new InMemoryOss("src-bucket", "dst-bucket");
        foreach (var key in new[] { "data/a.jpg", "data/sub/b.jpg", "data/sub/tmp/c.jpg", "data/d.png", "data/e.jpg.bak" })
        {
            oss.Put("src-bucket", key);
        }

        var plan = Runners.Plan();
        plan.Include.Add("**/*.jpg");
        plan.Exclude.Add("**/tmp/**");

        var progress = new BackupProgress();
        var report = await Runners.Create(oss).RunAsync(plan, new BackupRunOptions { Progress = progress });

        Assert.Equal(["backup/a.jpg", "backup/sub/b.jpg"], oss.Keys("dst-bucket"));
        Assert.Equal((5L, 5L, 2L, 0L, 0L), (progress.Listed, progress.Done, progress.Copied, progress.Unchanged, progress.Failed));
        Assert.Equal((5L, 3L, 2L), (report.Totals.Listed, report.Totals.Excluded, report.Totals.Copied));
    }

    [Fact]
    public async Task The_first_matching_tag_rule_decides_and_placeholders_are_filled()
    {
        var oss = new InMemoryOss("src-bucket", "dst-bucket");
        oss.Put("src-bucket", "data/logs/app.log", size: 10, tags: "team=ops");
        oss.Put("src-bucket", "data/logs/big.log", size: 5000, tags: "team=ops");
        oss.Put("src-bucket", "data/img/cat.png", size: 10, tags: "team=web");
        oss.Put("src-bucket", "data/readme.md", size: 10, tags: "team=docs");
        var plan = Runners.Plan();
        plan.TagRules.Add(new TagRule { Prefix = "logs/", MaxSize = 1000, Action = TagAction.Replace, Tagging = "Backup={plan}&Date={date}" });
        plan.TagRules.Add(new TagRule { Prefix = "logs/", Action = TagAction.Replace, Tagging = "Tier=cold" });
        plan.TagRules.Add(new TagRule { Suffix = ".png", Action = TagAction.Merge, Tagging = "From={sourceBucket}" });
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 23, 0, 0, TimeSpan.Zero));

        var report = await Runners.Create(oss, time: time).RunAsync(plan);

        Assert.Equal(0, report.Totals.Failed);
        Assert.Equal(OssTagging.Parse("Backup=nightly&Date=2026-11-25"), oss.Find("dst-bucket", "backup/logs/app.log")!.Tags);
        Assert.Equal(OssTagging.Parse("Tier=cold"), oss.Find("dst-bucket", "backup/logs/big.log")!.Tags);
        Assert.Equal(OssTagging.Parse("team=web&From=src-bucket"), oss.Find("dst-bucket", "backup/img/cat.png")!.Tags);
        Assert.Equal(OssTagging.Parse("team=docs"), oss.Find("dst-bucket", "backup/readme.md")!.Tags);
    }

    [Fact]
    public async Task Throttling_lowers_concurrency_and_throttled_objects_are_retried_until_copied()
    {
        var oss = Seeded(40);
        oss.CopyDelay = TimeSpan.FromMilliseconds(5);
        var throttled = 0;
        oss.Fault = (op, _) => op == "CopyObject" && Interlocked.Increment(ref throttled) <= 12
            ? new OssException(503, OssErrorCodes.SlowDown, "Please reduce your request rate.", "req-503")
            : null;
        var progress = new BackupProgress();

        // Retries enough for any spread of the 12 refusals: which objects they hit depends on scheduling (on a loaded CI
        // machine one object once took 4 of them in a row and failed, as An_object_throttled_past_every_retry… expects).
        var report = await Runners.Create(oss, configure: o =>
        {
            o.MaxParallelism = 8;
            o.ThrottleRetries = 12;
        }).RunAsync(Runners.Plan(), new BackupRunOptions { Progress = progress });

        Assert.Equal((40L, 0L), (report.Totals.Copied, report.Totals.Failed));
        Assert.InRange(report.ConcurrencyDecreases, 1, 12); // one per congestion epoch: at most one per throttled request
        Assert.InRange(report.LowestConcurrency, 1, 4);
        Assert.True(report.FinalConcurrency > report.LowestConcurrency, "concurrency recovers once OSS stops throttling");
        Assert.Equal(52, oss.Count("CopyObject"));
    }

    [Fact]
    public async Task An_object_throttled_past_every_retry_fails_alone()
    {
        var oss = Seeded(3);
        oss.Fault = (op, subject) => op == "CopyObject" && subject is Oss.Models.CopyObjectRequest { Key: "backup/001.txt" }
            ? new OssException(503, OssErrorCodes.SlowDown, "Please reduce your request rate.", "req-503")
            : null;

        var report = await Runners.Create(oss, configure: o => o.ThrottleRetries = 2).RunAsync(Runners.Plan());

        Assert.Equal((2L, 1L), (report.Totals.Copied, report.Totals.Failed));
        Assert.Equal("SlowDown", report.Failures.Single().ErrorCode);
        Assert.Equal(5, oss.Count("CopyObject"));
    }

    [Fact]
    public async Task Parallelism_is_bounded()
    {
        var oss = Seeded(30);
        oss.CopyDelay = TimeSpan.FromMilliseconds(10);

        await Runners.Create(oss).RunAsync(Runners.Plan(), new BackupRunOptions { Parallelism = 4 });

        Assert.InRange(oss.MaxCopiesInFlight, 2, 4);
    }

    [Fact]
    public async Task A_dry_run_copies_nothing_and_reports_what_would_be_copied_with_bytes_and_requests()
    {
        var oss = Seeded(4);
        oss.Put("src-bucket", "data/big.bin", size: 3 * CopyEngineOptions.MinPartSize);
        var sink = new Runners.MemorySink();

        var report = await Runners.Create(oss, engine: e => e.MultipartThreshold = CopyEngineOptions.MinPartSize)
            .RunAsync(Runners.Plan(), new BackupRunOptions { DryRun = true, Report = sink });

        Assert.True(report.DryRun);
        Assert.Empty(oss.Keys("dst-bucket"));
        Assert.Equal(0, oss.Count("CopyObject") + oss.Count("HeadObject"));
        Assert.Equal((5L, 0L), (report.Totals.WouldCopy, report.Totals.Copied));
        Assert.Equal(100 + 101 + 102 + 103 + (3 * CopyEngineOptions.MinPartSize), report.Totals.WouldCopyBytes);
        // A plan's default verification is by the pinned ETag. Small: one CopyObject; the 3-part one at a 100 KiB
        // threshold: HEAD (the headers to re-apply) + Initiate + 3 parts + Complete, verified by the answer's CRC-64 = 6.
        Assert.Equal((4 * 1) + 6, report.Totals.WouldCopyRequests);
        Assert.All(sink.Entries, e => Assert.Equal(ReportAction.WouldCopy, e.Action));
        Assert.Equal(6, sink.Entries.Single(e => e.Key == "data/big.bin").Requests);
    }

    [Theory]
    [InlineData(CopyVerification.Full, 3, 7)]
    [InlineData(CopyVerification.Crc, 2, 6)]
    [InlineData(CopyVerification.ETag, 1, 6)]
    public async Task A_dry_run_counts_the_requests_of_the_verification_asked_for(CopyVerification verification, int small, int big)
    {
        var oss = Seeded(4);
        oss.Put("src-bucket", "data/big.bin", size: 3 * CopyEngineOptions.MinPartSize);

        // Full: HEAD + CopyObject + verifying HEAD = 3, multipart HEAD + Initiate + 3 parts + Complete + HEAD = 7; Crc: no verifying HEAD.
        var report = await Runners.Create(oss, engine: e => e.MultipartThreshold = CopyEngineOptions.MinPartSize)
            .RunAsync(Runners.Plan(), new BackupRunOptions { DryRun = true, Verification = verification });

        Assert.Equal((4 * small) + big, report.Totals.WouldCopyRequests);
    }

    [Fact]
    public async Task Multipart_copies_are_not_copied_again_thanks_to_the_lineage_in_the_state_store()
    {
        var oss = Seeded(2);
        oss.Put("src-bucket", "data/big.bin", size: 3 * CopyEngineOptions.MinPartSize);
        var dir = TempDir();
        using var store = new FileCopyStateStore(dir);
        await Runners.Create(oss, store, engine: e => e.MultipartThreshold = CopyEngineOptions.MinPartSize).RunAsync(Runners.Plan());
        Assert.Equal("\"MULTI-3\"", oss.Find("dst-bucket", "backup/big.bin")!.ETag);
        oss.Calls.Clear();

        using var reopened = new FileCopyStateStore(dir);
        var report = await Runners.Create(oss, reopened, engine: e => e.MultipartThreshold = CopyEngineOptions.MinPartSize).RunAsync(Runners.Plan());

        Assert.Equal((3L, 0L), (report.Totals.Unchanged, report.Totals.Copied));
        Assert.Equal(["ListObjectsV2"], oss.Calls.Keys);
    }

    [Fact]
    public async Task Without_a_state_store_the_recorded_source_ETag_in_the_metadata_proves_a_multipart_copy_current()
    {
        var oss = Seeded(0);
        oss.Put("src-bucket", "data/big.bin", size: 3 * CopyEngineOptions.MinPartSize);
        await Runners.Create(oss, engine: e => e.MultipartThreshold = CopyEngineOptions.MinPartSize).RunAsync(Runners.Plan());
        var source = oss.Find("src-bucket", "data/big.bin")!;
        Assert.Equal(source.ETag, oss.Find("dst-bucket", "backup/big.bin")!.Metadata[CopyRequestValidator.SourceETagMetadata]);
        oss.Calls.Clear();
        var sink = new Runners.MemorySink();

        var report = await Runners.Create(oss, engine: e => e.MultipartThreshold = CopyEngineOptions.MinPartSize)
            .RunAsync(Runners.Plan(), new BackupRunOptions { Report = sink });

        Assert.Equal(1L, report.Totals.Unchanged);
        Assert.Equal(ReportReason.CopiedBefore, sink.Entries.Single().Reason);
        Assert.Equal(1, oss.Count("HeadObject"));
        Assert.Equal(0, oss.Count("InitiateMultipartUpload") + oss.Count("CopyObject"));
    }

    [Fact]
    public async Task A_cancelled_run_resumes_from_its_checkpoint_and_copies_nothing_twice_and_loses_nothing()
    {
        var oss = Seeded(60);
        var dir = TempDir();
        using var store = new FileCopyStateStore(dir);
        await Runners.RunAndCancelAfterAsync(oss, store, copies: 20);
        var checkpoint = await store.LoadCheckpointAsync("nightly", CancellationToken.None);
        Assert.NotNull(checkpoint);
        Assert.StartsWith("0", checkpoint!.AfterSourceKey, StringComparison.Ordinal);
        var copiedBefore = oss.Keys("dst-bucket").Count;
        Assert.InRange(copiedBefore, 20, 59);
        oss.Calls.Clear();
        var sink = new Runners.MemorySink();

        var report = await Runners.Create(oss, store).RunAsync(Runners.Plan(), new BackupRunOptions { Report = sink });

        Assert.Equal("Completed", report.Status);
        Assert.Equal(checkpoint.AfterSourceKey, report.ResumedAfter);
        Assert.Equal(60, oss.Keys("dst-bucket").Count);
        Assert.All(oss.CopiesPerKey, p => Assert.Equal(1, p.Value));
        Assert.Equal(60 - copiedBefore, oss.Count("CopyObject"));
        Assert.DoesNotContain(sink.Entries, e => Utf8Ordinal.Instance.Compare(e.Key, "data/" + checkpoint.AfterSourceKey) <= 0);
        Assert.Equal(60L, report.Totals.Copied + report.Totals.Unchanged);
        Assert.Null(await store.LoadCheckpointAsync("nightly", CancellationToken.None));
    }

    [Fact]
    public async Task A_checkpoint_of_a_plan_with_another_shape_is_ignored()
    {
        var oss = Seeded(3);
        using var store = new FileCopyStateStore(TempDir());
        await store.SaveCheckpointAsync("nightly", new BackupCheckpoint("old", "not-this-plan", "002.txt", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, new ReportTotals { Copied = 3 }), CancellationToken.None);

        var report = await Runners.Create(oss, store).RunAsync(Runners.Plan());

        Assert.Null(report.ResumedAfter);
        Assert.Equal(3L, report.Totals.Copied);
    }

    [Fact]
    public async Task A_failing_listing_stops_the_plan_with_the_OSS_error_and_still_writes_the_report()
    {
        var oss = Seeded(3);
        oss.Fault = (op, _) => op == "ListObjectsV2" ? new OssException(404, OssErrorCodes.NoSuchBucket, "The specified bucket does not exist.", "req-nsb") : null;
        var sink = new Runners.MemorySink();

        var error = await Assert.ThrowsAsync<OssException>(() => Runners.Create(oss).RunAsync(Runners.Plan(), new BackupRunOptions { Report = sink }));

        Assert.Equal("NoSuchBucket", error.ErrorCode);
        Assert.Equal("Failed", sink.Final!.Status);
    }

    [Fact]
    public async Task The_JSON_report_writes_each_entry_on_its_own_line_exactly_as_the_compact_serializer_does()
    {
        var path = Path.Combine(TempDir(), "report.json");
        var entries = Enumerable.Range(0, 3000).Select(i => new ReportEntry
        {
            Key = $"data/文件 \"{i}\".txt", DestinationKey = $"backup/文件 \"{i}\".txt", Action = ReportAction.Copied, Reason = ReportReason.Missing,
            Size = i, SourceETag = "\"0123456789ABCDEF\"", DurationMs = i / 10.0,
        }).ToList();
        var header = new CopyReport
        {
            Plan = "p", RunId = "r", Status = "Running", Source = "oss://a/", Destination = "oss://b/", StartedAt = DateTimeOffset.UnixEpoch, Totals = new ReportTotals(),
        };
        await using (var writer = new JsonReportWriter(path))
        {
            await writer.StartAsync(header, CancellationToken.None);
            foreach (var entry in entries)
            {
                await writer.WriteAsync(entry, CancellationToken.None);
            }

            await writer.CompleteAsync(header with { Status = "Completed" }, CancellationToken.None);
        }

        var lines = (await File.ReadAllTextAsync(path)).Split('\n');
        var first = Array.FindIndex(lines, l => l.StartsWith("{\"key\"", StringComparison.Ordinal));
        Assert.Equal(JsonSerializer.Serialize(entries[0], ReportJson.CompactOptions), lines[first]);
        for (var i = 1; i < entries.Count; i++)
        {
            Assert.Equal("," + JsonSerializer.Serialize(entries[i], ReportJson.CompactOptions), lines[first + i]);
        }

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(path));
        Assert.Equal(entries.Count, json.RootElement.GetProperty("objects").GetArrayLength());
    }

    [Fact]
    public async Task The_JSON_report_file_holds_every_object_totals_and_requests()
    {
        var oss = Seeded(4);
        await Runners.Create(oss).RunAsync(Runners.Plan(), new BackupRunOptions { Parallelism = 1 });
        oss.Put("src-bucket", "data/zz new.txt");
        var path = Path.Combine(TempDir(), "report.json");

        await using (var writer = new JsonReportWriter(path))
        {
            await Runners.Create(oss).RunAsync(Runners.Plan(), new BackupRunOptions { Report = writer });
        }

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(path));
        var root = json.RootElement;
        Assert.Equal(("nightly", "Completed", false, "oss://src-bucket/data/", "oss://dst-bucket/backup/"),
            (root.GetProperty("plan").GetString(), root.GetProperty("status").GetString(), root.GetProperty("dryRun").GetBoolean(),
                root.GetProperty("source").GetString(), root.GetProperty("destination").GetString()));
        var objects = root.GetProperty("objects").EnumerateArray().ToList();
        Assert.Equal(5, objects.Count);
        Assert.Equal(4, objects.Count(o => o.GetProperty("action").GetString() == "Unchanged"));
        var copied = objects.Single(o => o.GetProperty("action").GetString() == "Copied");
        Assert.Equal(("data/zz new.txt", "backup/zz new.txt", "Missing", "copy-backup/zz new.txt"),
            (copied.GetProperty("key").GetString(), copied.GetProperty("destinationKey").GetString(), copied.GetProperty("reason").GetString(), copied.GetProperty("requestId").GetString()));
        Assert.Equal((5, 1, 4), (root.GetProperty("totals").GetProperty("listed").GetInt32(), root.GetProperty("totals").GetProperty("copied").GetInt32(),
            root.GetProperty("totals").GetProperty("unchanged").GetInt32()));
        Assert.Equal(1, root.GetProperty("requests").GetProperty("CopyObject").GetInt32());
        Assert.True(root.GetProperty("durationSeconds").GetDouble() >= 0);
    }

    internal static string TempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "osscopy-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }
}
