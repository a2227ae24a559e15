using System.Text.Json;
using LocalOss;
using OssCopy.Cli;
using OssCopy.Core.Backup;
using OssCopy.Core.Copying;
using OssCopy.Core.State;
using OssCopy.Oss.Models;

namespace OssCopy.Core.IntegrationTests;

/// <summary>LocalOss with a restore that takes long enough to be seen under way (3 s) on a loaded machine.</summary>
public sealed class ArchiveFixture : LocalOssFixture
{
    public static readonly TimeSpan RestoreDelay = TimeSpan.FromSeconds(3);

    protected override void Configure(LocalOssOptions options) => options.RestoreDelay = RestoreDelay;
}

/// <summary>
/// Archived sources against LocalOss, which freezes Archive, ColdArchive and DeepColdArchive objects as OSS does.
/// LocalOss only: a real restore takes hours.
/// </summary>
[Trait("Backend", "LocalOssOnly")]
public sealed class ArchivedIntegrationTests(ArchiveFixture oss) : IClassFixture<ArchiveFixture>
{
    private static readonly string[] Cold = ["data/2-archive.bin", "data/4-cold.bin"];

    /// <summary>Four Standard objects and two frozen ones: data/2-archive.bin (Archive) and data/4-cold.bin (ColdArchive).</summary>
    private async Task<(string Source, string Destination)> SeedAsync()
    {
        var source = await oss.NewBucketAsync("arc-src");
        var destination = await oss.NewBucketAsync("arc-dst");
        string[] keys = ["data/1.txt", "data/2-archive.bin", "data/3.txt", "data/4-cold.bin", "data/5.txt", "data/6.txt"];
        foreach (var key in keys)
        {
            var storageClass = key.Contains("archive", StringComparison.Ordinal) ? "Archive" : key.Contains("cold", StringComparison.Ordinal) ? "ColdArchive" : null;
            await oss.Admin.PutObjectAsync(new PutObjectRequest
            {
                Bucket = source, Key = key, Body = new MemoryStream(System.Text.Encoding.UTF8.GetBytes("content of " + key)), StorageClass = storageClass,
            });
        }

        return (source, destination);
    }

    private static BackupPlan Plan(string source, string destination, string? archived, string? tier = null) => new()
    {
        Name = "arc-" + source,
        Source = new BucketLocation { Bucket = source, Prefix = "data/" },
        Destination = new BucketLocation { Bucket = destination, Prefix = "copy/" },
        Options = new BackupCopyOptions { Archived = archived, RestoreTier = tier },
    };

    private async Task<List<string>> KeysAsync(string bucket)
    {
        var keys = new List<string>();
        await foreach (var page in oss.Admin.ListObjectsV2PagesAsync(new ListObjectsV2Request { Bucket = bucket }))
        {
            keys.AddRange(page.Contents.Select(c => c.Key));
        }

        return keys;
    }

    private async Task WaitRestoredAsync(string bucket, params string[] keys)
    {
        // Polls HEAD rather than sleeping the restore delay: x-oss-restore says when it is done.
        var deadline = DateTime.UtcNow + ArchiveFixture.RestoreDelay + TimeSpan.FromSeconds(20);
        foreach (var key in keys)
        {
            while (true)
            {
                var head = await oss.Admin.HeadObjectAsync(new HeadObjectRequest { Bucket = bucket, Key = key });
                if (OssRestore.Parse(head.Headers.TryGetValue(OssRestore.Header, out var v) ? v : null) == OssRestoreState.Restored)
                {
                    break;
                }

                Assert.True(DateTime.UtcNow < deadline, $"{key} was not restored in time");
                await Task.Delay(200);
            }
        }
    }

    private static Dictionary<string, long> Requests(CopyReport report) => report.Requests.Where(p => p.Value > 0).ToDictionary(p => p.Key, p => p.Value);

    [Fact]
    public async Task Fail_copies_the_Standard_objects_and_fails_the_frozen_ones_with_OSSs_InvalidObjectState()
    {
        var (source, destination) = await SeedAsync();
        var sink = new EntrySink();

        var report = await LocalOssFixture.Runner(oss.Client()).RunAsync(Plan(source, destination, null), new BackupRunOptions { Report = sink });

        Assert.Equal((4L, 2L, 0L, 0L), (report.Totals.Copied, report.Totals.Failed, report.Totals.Restoring, report.Totals.Skipped));
        var failed = sink.Entries.Where(e => e.Action == ReportAction.Failed).ToList();
        Assert.Equal(Cold, failed.Select(e => e.Key).Order(StringComparer.Ordinal));
        Assert.All(failed, e =>
        {
            Assert.Equal(("InvalidObjectState", 403, "0016-00000404"), (e.ErrorCode, e.StatusCode, e.Ec));
            Assert.False(string.IsNullOrEmpty(e.RequestId));
        });
        Assert.Equal(new Dictionary<string, long> { ["ListObjectsV2"] = 2, ["GetBucketLocation"] = 2, ["CopyObject"] = 6 }, Requests(report)); // no HEAD: as before the option
    }

    [Fact]
    public async Task Skip_copies_the_Standard_objects_and_skips_the_frozen_ones_with_one_HEAD_each_and_no_copy()
    {
        var (source, destination) = await SeedAsync();
        var reportPath = Path.Combine(Path.GetTempPath(), "osscopy-it", Guid.NewGuid().ToString("N"), "report.json");

        CopyReport report;
        await using (var writer = new JsonReportWriter(reportPath))
        {
            report = await LocalOssFixture.Runner(oss.Client()).RunAsync(Plan(source, destination, "skip"), new BackupRunOptions { Report = writer });
        }

        Assert.Equal((4L, 0L, 0L, 2L), (report.Totals.Copied, report.Totals.Failed, report.Totals.Restoring, report.Totals.Skipped));
        Assert.Equal(new Dictionary<string, long> { ["ListObjectsV2"] = 2, ["GetBucketLocation"] = 2, ["HeadObject"] = 2, ["CopyObject"] = 4 }, Requests(report));
        Assert.Equal(["copy/1.txt", "copy/3.txt", "copy/5.txt", "copy/6.txt"], await KeysAsync(destination));

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(reportPath));
        var skipped = json.RootElement.GetProperty("objects").EnumerateArray().Where(o => o.GetProperty("action").GetString() == "Skipped").ToList();
        Assert.Equal([("data/2-archive.bin", "Archived", "Archive"), ("data/4-cold.bin", "Archived", "ColdArchive")],
            skipped.Select(o => (o.GetProperty("key").GetString()!, o.GetProperty("reason").GetString()!, o.GetProperty("storageClass").GetString()!))
                .OrderBy(o => o.Item1, StringComparer.Ordinal)); // entries are written as copies finish, not in key order
        Assert.Equal(2, json.RootElement.GetProperty("totals").GetProperty("skipped").GetInt32());
    }

    [Fact]
    public async Task Restore_restores_the_frozen_objects_finds_them_restoring_next_and_copies_them_once_restored()
    {
        var (source, destination) = await SeedAsync();
        var plan = Plan(source, destination, "restore", tier: "Expedited");
        using var store = new FileCopyStateStore(Path.Combine(Path.GetTempPath(), "osscopy-it", Guid.NewGuid().ToString("N")));

        var first = await LocalOssFixture.Runner(oss.Client(), store).RunAsync(plan);

        Assert.Equal((4L, 0L, 2L), (first.Totals.Copied, first.Totals.Failed, first.Totals.Restoring));
        Assert.Equal(new Dictionary<string, long> { ["ListObjectsV2"] = 2, ["GetBucketLocation"] = 2, ["HeadObject"] = 2, ["RestoreObject"] = 2, ["CopyObject"] = 4 }, Requests(first));
        var head = await oss.Admin.HeadObjectAsync(new HeadObjectRequest { Bucket = source, Key = Cold[0] });
        Assert.Equal("ongoing-request=\"true\"", head.Headers[OssRestore.Header]);

        // Still restoring: found so from HEAD, no second RestoreObject; the range holding them was not recorded as in sync.
        var second = await LocalOssFixture.Runner(oss.Client(), store).RunAsync(plan);

        Assert.Equal((0L, 4L, 2L), (second.Totals.Copied, second.Totals.Unchanged, second.Totals.Restoring));
        Assert.Equal(new Dictionary<string, long> { ["ListObjectsV2"] = 2, ["GetBucketLocation"] = 2, ["HeadObject"] = 2 }, Requests(second));

        await WaitRestoredAsync(source, Cold);
        var third = await LocalOssFixture.Runner(oss.Client(), store).RunAsync(plan);

        Assert.Equal((2L, 4L, 0L, 0L), (third.Totals.Copied, third.Totals.Unchanged, third.Totals.Restoring, third.Totals.Failed));
        Assert.Equal("content of data/4-cold.bin"u8.ToArray(), await oss.GetAsync(destination, "copy/4-cold.bin"));

        // Everything is in the destination now: the next run trusts the range and only lists the source.
        var fourth = await LocalOssFixture.Runner(oss.Client(), store).RunAsync(plan);
        Assert.Equal((6L, 1), (fourth.Totals.Unchanged, fourth.RangesTrusted));
        Assert.Equal(new Dictionary<string, long> { ["ListObjectsV2"] = 1 }, Requests(fourth));
    }

    [Fact]
    public async Task A_single_copy_restores_then_copies_once_restored()
    {
        var (source, destination) = await SeedAsync();
        var orchestrator = LocalOssFixture.Orchestrator(oss.Client());
        var request = new CopyRequest { Bucket = destination, Key = "one.bin", SourceBucket = source, SourceKey = Cold[1], Archived = "restore", RestoreDays = 2 };

        var skipped = await orchestrator.CopyAsync(new CopyRequest { Bucket = destination, Key = "one.bin", SourceBucket = source, SourceKey = Cold[1], Archived = "skip" });
        var restoring = await orchestrator.CopyAsync(request);
        var again = await orchestrator.CopyAsync(request);

        Assert.Equal((CopyStatus.Skipped, CopySkipReason.Archived), (skipped.Status, skipped.SkipReason));
        Assert.Equal((CopyStatus.Restoring, true, 202), (restoring.Status, restoring.RestoreRequested, restoring.StatusCode));
        Assert.Equal((CopyStatus.Restoring, false), (again.Status, again.RestoreRequested));
        Assert.Empty(await KeysAsync(destination));

        await WaitRestoredAsync(source, Cold[1]);
        var copied = await orchestrator.CopyAsync(request);

        Assert.True(copied.Status == CopyStatus.Copied, copied.Error?.ToString());
        Assert.True(copied.Verified);
        Assert.Equal("content of data/4-cold.bin"u8.ToArray(), await oss.GetAsync(destination, "one.bin"));
    }

    private static async Task<(int Code, string Out, string Error)> CliAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var env = CliEnvironment.ForWriters(output, error);
        var app = new CliApp(new CliEnvironment
        {
            Out = env.Out, Error = env.Error, Console = env.Console,
            GetVariable = name => name switch
            {
                "OSS_ACCESS_KEY_ID" => LocalOssOptions.DefaultAccessKeyId,
                "OSS_ACCESS_KEY_SECRET" => LocalOssOptions.DefaultAccessKeySecret,
                _ => null,
            },
        });
        var code = await app.RunAsync(args, CancellationToken.None);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Osscopy_copy_archived_restore_exits_3_while_restoring_then_0_once_copied()
    {
        var (source, destination) = await SeedAsync();
        string[] copy = ["copy", "--region", "cn-hangzhou", "--endpoint", oss.Server.BaseAddress.ToString(), "--bucket", destination, "--key", "cli.bin",
            "--source-bucket", source, "--source-key", Cold[0]];

        var frozen = await CliAsync(copy);
        var skipped = await CliAsync([.. copy, "--archived", "skip"]);
        var restoring = await CliAsync([.. copy, "--archived", "restore", "--restore-days", "3"]);
        var bad = await CliAsync([.. copy, "--archived", "thaw", "--restore-tier", "Fast"]);

        Assert.Equal(1, frozen.Code);
        Assert.Contains("InvalidObjectState (HTTP 403)", frozen.Error, StringComparison.Ordinal);
        Assert.Equal(0, skipped.Code);
        Assert.Contains("skipped oss://", skipped.Out, StringComparison.Ordinal);
        Assert.Equal(CliApp.Restoring, restoring.Code);
        Assert.Contains("restore requested (HTTP 202", restoring.Out, StringComparison.Ordinal);
        Assert.Equal(2, bad.Code);
        Assert.Contains("--archived: ", bad.Error, StringComparison.Ordinal);
        Assert.Contains("--restore-tier: ", bad.Error, StringComparison.Ordinal);

        await WaitRestoredAsync(source, Cold[0]);
        var done = await CliAsync([.. copy, "--archived", "restore"]);

        Assert.True(done.Code == 0, done.Error + done.Out);
        Assert.Equal("content of data/2-archive.bin"u8.ToArray(), await oss.GetAsync(destination, "cli.bin"));
    }

    [Fact]
    public async Task Osscopy_backup_archived_skip_exits_0_and_restore_exits_3_with_a_summary_row()
    {
        var (source, destination) = await SeedAsync();
        var dir = Path.Combine(Path.GetTempPath(), "osscopy-it", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var plan = Path.Combine(dir, "plan.json");
        await File.WriteAllTextAsync(plan, $$"""
            {
              "name": "archived",
              "source": { "bucket": "{{source}}", "prefix": "data/" },
              "destination": { "bucket": "{{destination}}", "prefix": "copy/" },
              "options": { "archived": "skip" },
              "oss": { "region": "cn-hangzhou", "endpoint": "{{oss.Server.BaseAddress}}", "usePathStyle": true }
            }
            """);
        string[] backup = ["backup", "--plan", plan, "--state-dir", Path.Combine(dir, "state")];

        var skip = await CliAsync(backup);
        var badDays = await CliAsync([.. backup, "--restore-days", "4"]);
        var restore = await CliAsync([.. backup, "--archived", "restore", "--restore-days", "4", "--report", Path.Combine(dir, "report.json")]);

        Assert.True(skip.Code == 0, skip.Error + skip.Out);
        Assert.Matches(@"skipped \(archived, not restored\)\s*│\s*2", skip.Out);
        Assert.Equal(2, badDays.Code);
        Assert.Contains("--restore-days: applies only with archived: restore.", badDays.Error, StringComparison.Ordinal);
        Assert.True(restore.Code == CliApp.Restoring, restore.Error + restore.Out);
        Assert.Matches(@"restoring \(archived; run again once restored\)\s*│\s*2", restore.Out);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dir, "report.json")));
        Assert.Equal(2, json.RootElement.GetProperty("totals").GetProperty("restoring").GetInt32());
        Assert.Equal(2, json.RootElement.GetProperty("objects").EnumerateArray().Count(o => o.GetProperty("action").GetString() == "Restoring"));
    }

    private sealed class EntrySink : IReportSink
    {
        public List<ReportEntry> Entries { get; } = [];

        public ValueTask StartAsync(CopyReport header, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask WriteAsync(ReportEntry entry, CancellationToken cancellationToken)
        {
            lock (Entries)
            {
                Entries.Add(entry);
            }

            return ValueTask.CompletedTask;
        }

        public ValueTask CompleteAsync(CopyReport report, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
