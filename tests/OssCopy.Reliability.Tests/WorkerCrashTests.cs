using System.Globalization;
using System.Text.RegularExpressions;
using LocalOss;
using OssCopy.AzureStorage;
using OssCopy.AzureStorage.DistributedBackupRun;
using OssCopy.AzureStorage.Tests;
using OssCopy.Core.Backup;
using OssCopy.Oss.Models;
using OssCopy.Reliability.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace OssCopy.Reliability.Tests;

/// <summary>An <c>osscopy worker</c> process killed with SIGKILL mid-batch: the batch reappears, completes, and nothing is copied twice.</summary>
[Collection(AzuriteTests.Name)]
[Trait(ReliabilityScale.Category, ReliabilityScale.Reliability)]
public sealed partial class WorkerCrashTests(AzuriteFixture azurite, LocalOssWorld oss, ITestOutputHelper output) : IClassFixture<LocalOssWorld>
{
    /// <summary>
    /// The copies the dead worker made but had not recorded (outcomes are written per batch) are found in the
    /// destination by the redelivered batch (its claim is not fresh, so it HEADs them first) and not copied again.
    /// </summary>
    [Fact]
    public async Task A_worker_process_killed_mid_batch_leaves_its_batch_to_reappear_and_complete_with_nothing_copied_twice()
    {
        const int Count = 300;
        var source = await oss.NewBucketAsync("wsrc");
        var destination = await oss.NewBucketAsync("wdst");
        await oss.Admin.PutBucketVersioningAsync(destination, OssVersioningStatus.Enabled);
        var objects = await oss.SeedAsync(source, "data/", Count);
        var plan = new BackupPlan
        {
            Name = "wcrash-" + Guid.NewGuid().ToString("N")[..6],
            Source = new BucketLocation { Bucket = source, Prefix = "data/" },
            Destination = new BucketLocation { Bucket = destination, Prefix = "copy/" },
        };
        var names = TestNames.UniqueOptions();
        var settings = new Dictionary<string, string?>
        {
            ["OssCopy:AzureStorage:MessageVisibility"] = "00:00:04",
            ["OssCopy:AzureStorage:MaxItemsPerBatch"] = "25",
        };
        var log = new CapturedLog();
        await using var hosts = new DistributedHosts(DistributedHosts.Configuration(azurite, oss, names, settings), workers: 1, log);
        var start = await hosts.Control.GetRequiredService<DistributedRunStarter>().StartAsync(plan, null, CancellationToken.None);

        // The worker process is given the same storage names and the short visibility through its environment.
        var environment = new Dictionary<string, string>
        {
            ["OSS_ACCESS_KEY_ID"] = SecretScan.AccessKeyId,
            ["OSS_ACCESS_KEY_SECRET"] = SecretScan.AccessKeySecret,
            ["OssCopy__AzureStorage__ListQueue"] = names.ListQueue,
            ["OssCopy__AzureStorage__CopyQueue"] = names.CopyQueue,
            ["OssCopy__AzureStorage__RunsTable"] = names.RunsTable,
            ["OssCopy__AzureStorage__OutcomesTable"] = names.OutcomesTable,
            ["OssCopy__AzureStorage__ReportsContainer"] = names.ReportsContainer,
            ["OssCopy__AzureStorage__StateContainer"] = names.StateContainer,
            ["OssCopy__AzureStorage__MessageVisibility"] = "00:00:04",
            ["OssCopy__AzureStorage__MaxItemsPerBatch"] = "25",
        };
        oss.Server.Faults.Configure(1, [new LocalOssFaultRule { Operation = "CopyObject", Kind = LocalOssFaultKind.Latency, Rate = 1, LatencyMilliseconds = 30 }]);
        oss.Server.Counters.Reset();
        using (var worker = ChildProcess.Start("osscopy.dll",
            ["worker", "--storage", azurite.ConnectionString, "--region", "cn-hangzhou", "--endpoint", oss.Endpoint, "--path-style", "--parallel", "2"], environment))
        {
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (oss.Server.Counters["CopyObject"] < 40)
            {
                Assert.False(worker.HasExited, "the worker ended on its own: " + worker.Output);
                Assert.True(DateTime.UtcNow < deadline, "the worker copied nothing: " + worker.Output);
                await Task.Delay(10);
            }

            worker.Kill();
            SecretScan.AssertClean("osscopy worker output", worker.Output);
        }

        await Task.Delay(500);
        oss.Server.Faults.Clear();
        var copiedBeforeKill = (await Versions.PerKeyAsync(oss.Client(3), destination)).Count;
        var stopped = await hosts.Runs.GetAsync(plan.Name, start.Run.RunId, CancellationToken.None);
        oss.Server.Counters.Reset();
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var run = await hosts.WaitAsync(plan.Name, start.Run.RunId, TimeSpan.FromSeconds(120));

        var rest = oss.Server.Counters["CopyObject"];
        var report = await hosts.ReportAsync(plan.Name, run.RunId);
        var versions = await Versions.PerKeyAsync(oss.Client(3), destination);
        var found = log.Lines.Select(l => FoundCopied().Match(l)).Where(m => m.Success).Sum(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        Figures.Write(output, $"worker SIGKILL: {Count} objects; {copiedBeforeKill} copied before the kill ({stopped?.BatchesCompleted} of {stopped?.BatchesEnqueued} batches done); " +
            $"the run completed {clock.Elapsed.TotalSeconds:0.0} s later with {rest} more copies; report copied {report.Totals.Copied}, failed {report.Totals.Failed}; " +
            $"keys written more than once: {versions.Count(v => v.Value > 1)}; found copied on redelivery: {found}");
        Assert.NotNull(stopped);
        Assert.False(stopped.IsFinished);
        Assert.InRange(copiedBeforeKill, 1, Count - 1);
        Assert.True(run.Status == RunStatus.Completed, $"{run.Status}: {run.Error}");
        report.AssertAccountsFor(objects.Select(o => o.Key));
        Assert.Equal(((long)Count, 0L), (report.Totals.Copied, report.Totals.Failed));
        var duplicates = versions.Values.Sum(v => v - 1);
        Assert.Equal(objects.Count, versions.Count);
        Assert.True(duplicates == 0, $"{duplicates} copies ran twice: " + string.Join(", ", versions.Where(v => v.Value > 1).Select(v => v.Key)));
        Assert.Equal(Count - copiedBeforeKill, rest);

        // The dead worker was mid-batch on two batches (at least 40 copies, 25 per batch): some of its copies were
        // unrecorded, and the redelivered batches said how many they found.
        Assert.InRange(found, 1, copiedBeforeKill);
        var audit = await LocalOssWorld.AuditAsync(oss.Admin, objects, "data/", destination, "copy/");
        Assert.True(audit.IsComplete, audit.ToString());
        SecretScan.AssertClean("distributed report", report.Text);
        SecretScan.AssertClean("distributed hosts' log", log.Lines);
    }

    [GeneratedRegex(@"\bFoundCopied=(\d+)\b")]
    private static partial Regex FoundCopied();
}
