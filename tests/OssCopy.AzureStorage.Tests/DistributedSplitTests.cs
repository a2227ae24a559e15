using Microsoft.Extensions.DependencyInjection;
using OssCopy.AzureStorage.DistributedBackupRun;
using OssCopy.Core.Backup;

namespace OssCopy.AzureStorage.Tests;

/// <summary>A plan split into key ranges listed in parallel.</summary>
[Collection(AzuriteTests.Name)]
public sealed class DistributedSplitTests(AzuriteFixture azurite, LocalOssServerFixture oss) : IClassFixture<LocalOssServerFixture>
{
    private DistributedRunDriver Driver(int workers) => new(oss.Configuration(azurite, TestNames.UniqueOptions()), workers);

    [Fact]
    public async Task A_1000_object_run_split_into_4_key_ranges_reports_every_object_once_as_the_in_process_run_does()
    {
        var plan = await oss.SeededPlanAsync(1000, "split");
        plan.Exclude = ["*3.txt"];
        var inProcessDestination = await oss.NewBucketAsync("dst");
        foreach (var destination in new[] { plan.Destination.Bucket, inProcessDestination })
        {
            // Some objects there already with other content, and one only in the destination (inside a middle range).
            for (var i = 0; i < 1000; i += 9)
            {
                await oss.PutAsync(destination, $"backup/{i:D5}.txt", "stale"u8.ToArray());
            }

            await oss.PutAsync(destination, "backup/00500-extra.txt", "extra"u8.ToArray());
        }

        await using var driver = Driver(workers: 4);
        var start = await driver.Starter.StartAsync(plan, new DistributedRunOptions { KeyRanges = 4, SplitBy = KeyRangeSplitting.FirstCharacters }, CancellationToken.None);
        Assert.Equal(4, start.Run.Listing.Count);
        Assert.Equal(4, start.Run.Listing.Values.Count(p => p.After is not null || p.Last is not null));
        var run = await driver.WaitAsync(plan.Name, start.Run.RunId);

        Assert.True(run.Status == RunStatus.Completed, $"{run.Status}: {run.Error}");
        var distributed = await driver.ReportAsync(plan.Name, run.RunId);
        Assert.Equal(distributed.Objects.Select(o => o.Key).Order(Utf8Ordinal.Instance), distributed.Objects.Select(o => o.Key));
        Assert.Equal(distributed.Objects.Count, distributed.Objects.Select(o => o.Key).Distinct().Count());
        // Seen once in CI on a loaded machine: 898 copied. Say where the other two went if it happens again.
        var notCopied = distributed.Objects.Where(o => o.Action is not ReportAction.Copied)
            .Select(o => $"{o.Key}: {o.Action} {o.ErrorCode} {o.ErrorMessage}");
        Assert.True((1000L, 100L, 900L) == (run.Totals.Listed, run.Totals.Excluded, run.Totals.Copied),
            $"totals {run.Totals}; report objects {distributed.Objects.Count}; not copied: {string.Join("; ", notCopied)}");
        Assert.True(run.Totals.ExtraInDestination >= 1);

        var inProcess = await oss.RunInProcessAsync(azurite, plan, inProcessDestination);
        Assert.Equal(inProcess.Totals, distributed.Totals);
        Assert.Equal(
            inProcess.Objects.Select(ReportFile.Comparable).OrderBy(o => o.Key, StringComparer.Ordinal),
            distributed.Objects.Select(ReportFile.Comparable).OrderBy(o => o.Key, StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_second_split_run_cuts_its_ranges_at_the_last_runs_sync_ranges_and_makes_listing_requests_only()
    {
        var plan = await oss.SeededPlanAsync(600, "split-rerun");
        await using var driver = Driver(workers: 2);
        var options = new DistributedRunOptions { KeyRanges = 3 };
        var first = await driver.Starter.StartAsync(plan, options, CancellationToken.None);
        var firstRun = await driver.WaitAsync(plan.Name, first.Run.RunId);
        Assert.Equal((RunStatus.Completed, 600L), (firstRun.Status, firstRun.Totals.Copied));

        oss.Server.Counters.Reset();
        var second = await driver.Starter.StartAsync(plan, options, CancellationToken.None);
        var secondRun = await driver.WaitAsync(plan.Name, second.Run.RunId);

        Assert.Equal((RunStatus.Completed, 600L, 0L), (secondRun.Status, secondRun.Totals.Unchanged, secondRun.Totals.Copied));
        Assert.Equal(3, secondRun.Listing.Count);
        var counters = oss.Server.Counters.Snapshot().Where(p => p.Value > 0).ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal(["ListObjectsV2"], counters.Keys);
        var report = await driver.ReportAsync(plan.Name, secondRun.RunId);
        Assert.Equal(0, report.Root.GetProperty("rangesCompared").GetInt32());
        Assert.All(report.Objects, o => Assert.Equal((ReportAction.Unchanged, ReportReason.InSyncRange), (o.Action, o.Reason)));
    }
}
