using System.Diagnostics;
using OssCopy.AzureStorage;
using OssCopy.AzureStorage.Tests;
using OssCopy.Core.Backup;
using OssCopy.Reliability.Tests.Support;
using Xunit.Abstractions;

namespace OssCopy.Reliability.Tests;

/// <summary>The same faults under a distributed run (Azure Storage queues on Azurite, worker hosts in this process).</summary>
[Collection(AzuriteTests.Name)]
[Trait(ReliabilityScale.Category, ReliabilityScale.Reliability)]
public sealed class DistributedFaultTests(AzuriteFixture azurite, LocalOssWorld oss, ITestOutputHelper output) : IClassFixture<LocalOssWorld>
{
    [Fact]
    public async Task A_distributed_backup_under_injected_faults_copies_or_reports_every_object_once_and_a_second_run_completes_the_rest()
    {
        var count = ReliabilityScale.DistributedObjects;
        var source = await oss.NewBucketAsync("dsrc");
        var destination = await oss.NewBucketAsync("ddst");
        var objects = await oss.SeedAsync(source, "data/", count);
        var plan = new BackupPlan
        {
            Name = "dfaults-" + Guid.NewGuid().ToString("N")[..6],
            Source = new BucketLocation { Bucket = source, Prefix = "data/" },
            Destination = new BucketLocation { Bucket = destination, Prefix = "copy/" },
        };
        var names = TestNames.UniqueOptions();
        var log = new CapturedLog();
        oss.Server.Counters.Reset();
        FaultProfile.Apply(oss.Server, seed: 16);
        var timeout = TimeSpan.FromSeconds(60 + (count / 20));

        // First run: few retries, so some objects fail; the second run of the plan, with the usual retries, finishes.
        var clock = Stopwatch.StartNew();
        RunRecord firstRun;
        ReportFile first;
        await using (var hosts = new DistributedHosts(DistributedHosts.Configuration(azurite, oss, names, new Dictionary<string, string?>
        {
            ["Oss:MaxRetries"] = "1", ["Backup:ThrottleRetries"] = "0",
        }), workers: 2, log))
        {
            firstRun = await hosts.RunAsync(plan, timeout);
            Assert.True(firstRun.Status == RunStatus.Completed, $"first run {firstRun.Status}: {firstRun.Error}");
            first = await hosts.ReportAsync(plan.Name, firstRun.RunId);
        }

        var firstTime = clock.Elapsed;
        clock.Restart();
        RunRecord secondRun;
        ReportFile second;
        await using (var hosts = new DistributedHosts(DistributedHosts.Configuration(azurite, oss, names), workers: 2, log))
        {
            secondRun = await hosts.RunAsync(plan, timeout);
            Assert.True(secondRun.Status == RunStatus.Completed, $"second run {secondRun.Status}: {secondRun.Error}");
            second = await hosts.ReportAsync(plan.Name, secondRun.RunId);
        }

        var secondTime = clock.Elapsed;
        var faults = FaultProfile.Totals(oss.Server);
        var copyRequests = oss.Server.Counters["CopyObject"];
        var copiesRun = copyRequests - FaultProfile.Failed(oss.Server, "CopyObject");
        var totalRequests = oss.Server.Counters.Total;
        oss.Server.Faults.Clear();

        Figures.Write(output, $"distributed faults: {count} objects, 2 workers x 2; first run {firstTime.TotalSeconds:0.0} s ({firstRun.BatchesEnqueued} batches) copied {first.Totals.Copied} " +
            $"failed {first.Totals.Failed} [{string.Join(", ", first.Objects.Where(o => o.Action == ReportAction.Failed).GroupBy(o => o.ErrorCode).Select(g => $"{g.Key} {g.Count()}"))}]; " +
            $"second run {secondTime.TotalSeconds:0.0} s copied {second.Totals.Copied} unchanged {second.Totals.Unchanged} failed {second.Totals.Failed}; " +
            $"injected SlowDown {faults.SlowDowns}, dropped {faults.Drops}, delayed {faults.Delayed} of {totalRequests} requests; CopyObject requests {copyRequests}, run {copiesRun}");
        Assert.NotEqual(firstRun.RunId, secondRun.RunId);
        first.AssertAccountsFor(objects.Select(o => o.Key));
        second.AssertAccountsFor(objects.Select(o => o.Key));
        Assert.True(faults.SlowDowns > 0 && faults.Drops > 0, "the faults were injected");
        Assert.Equal(0, second.Totals.Failed);
        Assert.Equal(first.Objects.Where(o => o.Action == ReportAction.Failed).Select(o => o.Key).Order(StringComparer.Ordinal),
            second.Objects.Where(o => o.Action == ReportAction.Copied).Select(o => o.Key).Order(StringComparer.Ordinal));
        Assert.Equal(count, copiesRun); // every object copied exactly once over both runs, redeliveries included
        var audit = await LocalOssWorld.AuditAsync(oss.Admin, objects, "data/", destination, "copy/");
        Assert.True(audit.IsComplete, audit.ToString());
        SecretScan.AssertClean("distributed reports", first.Text, second.Text);
        SecretScan.AssertClean("distributed hosts' log", log.Lines);
    }
}
