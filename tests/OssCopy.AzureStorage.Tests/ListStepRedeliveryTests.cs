using Microsoft.Extensions.DependencyInjection;
using OssCopy.AzureStorage.DistributedBackupRun;
using OssCopy.Core.Backup;
using OssCopy.Oss.Models;

namespace OssCopy.AzureStorage.Tests;

/// <summary>
/// A list step delivered again after its first delivery sent its batches and stopped before moving the position:
/// the second delivery sends what the first found, not a new diff of a destination the first one's batches have
/// been filling meanwhile (seen under load in CI as objects reported Unchanged that the run copied, and, when batches
/// packed differently under the same ids, as objects no batch copied).
/// </summary>
[Collection(AzuriteTests.Name)]
public sealed class ListStepRedeliveryTests(AzuriteFixture azurite, LocalOssServerFixture oss) : IClassFixture<LocalOssServerFixture>
{
    [Fact]
    public async Task A_list_step_delivered_again_sends_the_first_deliverys_work_though_the_destination_changed_meanwhile()
    {
        const int Count = 300;
        var plan = await oss.SeededPlanAsync(Count, "relist");
        var (source, destination) = (plan.Source.Bucket, plan.Destination.Bucket);
        await using var driver = new DistributedRunDriver(
            oss.Configuration(azurite, TestNames.UniqueOptions(), s => s["OssCopy:AzureStorage:MaxItemsPerBatch"] = "50"), workers: 1);
        var start = await driver.Starter.StartAsync(plan, null, CancellationToken.None);
        var worker = driver.Worker(0);

        // The first delivery: took the step off the queue, diffed its window and kept the result (then stopped).
        var list = worker.GetRequiredKeyedService<QueueTransport>(StorageQueues.List);
        ListStepMessage? step = null;
        await list.ProcessAsync((m, _) =>
        {
            step = m.Decode<ListStepMessage>();
            return Task.CompletedTask;
        }, null, 1, CancellationToken.None);
        Assert.NotNull(step);
        var context = await worker.GetRequiredService<RunContexts>().GetAsync(plan.Name, start.Run.RunId, CancellationToken.None);
        var first = await worker.GetRequiredService<ListingWindowDiff>().DiffAsync(context!.Context, ListingWindow.Page(step.After, step.Last), CancellationToken.None);
        var results = worker.GetRequiredService<ListStepResults>();
        var stepId = ListStepHandler.StepId(step);
        Assert.Same(first, await results.KeepFirstAsync(plan.Name, start.Run.RunId, stepId, first, CancellationToken.None));
        Assert.Equal(Count, first.Work.Count);

        // Its batches copied every other object before the step came back.
        await Parallel.ForEachAsync(Enumerable.Range(0, Count).Where(i => i % 2 == 0), async (i, ct) =>
            await oss.Admin.CopyObjectAsync(new CopyObjectRequest { Bucket = destination, Key = $"backup/{i:D5}.txt", SourceBucket = source, SourceKey = $"data/{i:D5}.txt" }, ct));

        await worker.GetRequiredService<ListStepHandler>().HandleAsync(step, 2, CancellationToken.None);

        var advanced = await driver.Runs.GetAsync(plan.Name, start.Run.RunId, CancellationToken.None);
        Assert.Equal(Count / 50, advanced!.BatchesEnqueued);
        Assert.NotNull(await results.FindAsync(plan.Name, start.Run.RunId, stepId, CancellationToken.None));
        var run = await driver.WaitAsync(plan.Name, start.Run.RunId);
        Assert.Null(await results.FindAsync(plan.Name, start.Run.RunId, stepId, CancellationToken.None));
        Assert.True(run.Status == RunStatus.Completed, $"{run.Status}: {run.Error}");
        Assert.Equal(((long)Count, (long)Count, 0L), (run.Totals.Listed, run.Totals.Copied, run.Totals.Unchanged));
        var report = await driver.ReportAsync(plan.Name, run.RunId);
        Assert.Equal(Count, report.Objects.Select(o => o.Key).Distinct().Count());
        Assert.All(report.Objects, o => Assert.Equal(ReportAction.Copied, o.Action));
    }

    [Fact]
    public async Task The_first_result_kept_for_a_step_wins_and_the_runs_results_go_together()
    {
        var names = TestNames.UniqueOptions();
        await using var host = LocalOssServerFixture.Host(oss.Configuration(azurite, names));
        await host.GetRequiredService<DistributedRunStarter>().EnsureStorageAsync(CancellationToken.None);
        var results = host.GetRequiredService<ListStepResults>();
        static ListingWindowResult Result(string next) => new() { Work = [], Unchanged = [], Totals = new ReportTotals { Listed = next.Length }, Recorded = [], NextAfter = next };

        Assert.Null(await results.FindAsync("plan", "run1", "step", CancellationToken.None));
        var kept = await results.KeepFirstAsync("plan", "run1", "step", Result("first"), CancellationToken.None);
        var second = await results.KeepFirstAsync("plan", "run1", "step", Result("second!"), CancellationToken.None);

        Assert.Equal(("first", 5L), (kept.NextAfter, kept.Totals.Listed));
        Assert.Equal(("first", 5L), (second.NextAfter, second.Totals.Listed));
        await results.KeepFirstAsync("plan", "run1", "step2", Result("other"), CancellationToken.None);
        await results.KeepFirstAsync("plan", "run10", "step", Result("next run"), CancellationToken.None);
        await results.ForgetRunAsync("plan", "run1", CancellationToken.None);
        Assert.Null(await results.FindAsync("plan", "run1", "step", CancellationToken.None));
        Assert.Null(await results.FindAsync("plan", "run1", "step2", CancellationToken.None));
        Assert.Equal("next run", (await results.FindAsync("plan", "run10", "step", CancellationToken.None))?.NextAfter);
        await results.ForgetRunAsync("plan", "run1", CancellationToken.None);
    }
}
