using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OssCopy.Core;
using OssCopy.Core.Backup;
using OssCopy.Core.State;
using OssCopy.Oss;
using OssCopy.Reliability.Tests.Support;
using Xunit.Abstractions;

namespace OssCopy.Reliability.Tests;

/// <summary>A backup under 503 SlowDown, dropped connections and random latency, in-process: nothing lost, nothing copied twice.</summary>
[Trait(ReliabilityScale.Category, ReliabilityScale.Reliability)]
public sealed class FaultTests(LocalOssWorld oss, ITestOutputHelper output) : IClassFixture<LocalOssWorld>
{
    [Fact]
    public async Task A_backup_under_injected_faults_copies_or_reports_every_object_and_a_second_run_completes_the_rest()
    {
        var count = ReliabilityScale.InProcessObjects;
        var source = await oss.NewBucketAsync("fsrc");
        var destination = await oss.NewBucketAsync("fdst");
        var objects = await oss.SeedAsync(source, "data/", count);
        var plan = new BackupPlan
        {
            Name = "faults-" + Guid.NewGuid().ToString("N")[..6],
            Source = new BucketLocation { Bucket = source, Prefix = "data/" },
            Destination = new BucketLocation { Bucket = destination, Prefix = "copy/" },
        };
        var dir = Directory.CreateTempSubdirectory("osscopy-reliab-").FullName;
        oss.Server.Counters.Reset();
        FaultProfile.Apply(oss.Server, seed: 15);

        // First run: few retries, so some objects are left failed; the second run, with the usual retries, finishes.
        var clock = Stopwatch.StartNew();
        var first = await RunAsync(plan, Path.Combine(dir, "first.json"), clientRetries: 1, throttleRetries: 0);
        var firstTime = clock.Elapsed;
        clock.Restart();
        var second = await RunAsync(plan, Path.Combine(dir, "second.json"), clientRetries: 3, throttleRetries: new BackupRunnerOptions().ThrottleRetries);
        var secondTime = clock.Elapsed;
        var faults = FaultProfile.Totals(oss.Server);
        var copyRequests = oss.Server.Counters["CopyObject"];
        var copiesRun = copyRequests - FaultProfile.Failed(oss.Server, "CopyObject");
        var totalRequests = oss.Server.Counters.Total;
        oss.Server.Faults.Clear();

        Figures.Write(output, $"in-process faults: {count} objects; first run {firstTime.TotalSeconds:0.0} s copied {first.Totals.Copied} failed {first.Totals.Failed} " +
            $"[{string.Join(", ", first.Objects.Where(o => o.Action == ReportAction.Failed).GroupBy(o => o.ErrorCode).Select(g => $"{g.Key} {g.Count()}"))}]; " +
            $"second run {secondTime.TotalSeconds:0.0} s copied {second.Totals.Copied} unchanged {second.Totals.Unchanged} failed {second.Totals.Failed}; " +
            $"injected SlowDown {faults.SlowDowns}, dropped {faults.Drops}, delayed {faults.Delayed} of {totalRequests} requests; CopyObject requests {copyRequests}, run {copiesRun}");
        first.AssertAccountsFor(objects.Select(o => o.Key));
        second.AssertAccountsFor(objects.Select(o => o.Key));
        Assert.True(faults.SlowDowns > 0 && faults.Drops > 0, "the faults were injected");
        Assert.Equal(0, second.Totals.Failed);
        Assert.Equal(first.Totals.Failed, second.Totals.Copied);
        Assert.Equal(first.Objects.Where(o => o.Action == ReportAction.Failed).Select(o => o.Key).Order(StringComparer.Ordinal),
            second.Objects.Where(o => o.Action == ReportAction.Copied).Select(o => o.Key).Order(StringComparer.Ordinal));
        Assert.Equal(count, copiesRun); // every object copied exactly once over both runs: no duplicate copies
        var audit = await LocalOssWorld.AuditAsync(oss.Admin, objects, "data/", destination, "copy/");
        Assert.True(audit.IsComplete, audit.ToString());
        SecretScan.AssertClean("reports", first.Text, second.Text);
    }

    private async Task<ReportFile> RunAsync(BackupPlan plan, string reportPath, int clientRetries, int throttleRetries)
    {
        var log = new CapturedLog();
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(log).SetMinimumLevel(LogLevel.Trace));
        services.AddSingleton<IOssClient>(oss.Client(clientRetries));
        services.AddOssRequestCounting();
        services.AddSingleton<ICopyStateStore>(NullCopyStateStore.Instance);
        services.AddOssCopyEngine(new ConfigurationBuilder().Build());
        services.Configure<BackupRunnerOptions>(o =>
        {
            o.ThrottleRetries = throttleRetries;
            o.ThrottleBackoff = TimeSpan.FromMilliseconds(10);
            o.CheckpointInterval = TimeSpan.FromMilliseconds(200);
        });
        await using (var provider = services.BuildServiceProvider())
        {
            await using var writer = new JsonReportWriter(reportPath);
            await provider.GetRequiredService<BackupRunner>().RunAsync(plan, new BackupRunOptions { Report = writer });
        }

        SecretScan.AssertClean("engine log", log.Lines);
        return await ReportFile.ReadAsync(reportPath);
    }
}
