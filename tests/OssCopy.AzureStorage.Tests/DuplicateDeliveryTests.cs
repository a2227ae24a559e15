using Microsoft.Extensions.DependencyInjection;
using OssCopy.AzureStorage.DistributedBackupRun;
using OssCopy.Core.Backup;

namespace OssCopy.AzureStorage.Tests;

/// <summary>Two deliveries of one message at the same moment: the copies happen once.</summary>
[Collection(AzuriteTests.Name)]
public sealed class DuplicateDeliveryTests(AzuriteFixture azurite, LocalOssServerFixture oss) : IClassFixture<LocalOssServerFixture>
{
    [Fact]
    public async Task The_same_copy_batch_handled_by_two_workers_at_once_copies_each_object_once()
    {
        var plan = await oss.SeededPlanAsync(120, "dupbatch");
        await using var driver = new DistributedRunDriver(oss.Configuration(azurite, TestNames.UniqueOptions()), workers: 2);
        var start = await driver.Starter.StartAsync(plan, null, CancellationToken.None);
        var lists = driver.Worker(0).GetRequiredService<ListStepHandler>();
        var list = driver.Worker(0).GetRequiredKeyedService<QueueTransport>(StorageQueues.List);
        await list.ProcessAsync((m, ct) => lists.HandleAsync(m.Decode<ListStepMessage>(), m.DequeueCount, ct), null, 1, CancellationToken.None);
        oss.Server.Counters.Reset();

        // One batch, handed to the handlers of two worker hosts at once (a message delivered again while its first
        // delivery still runs).
        var copy = driver.Worker(0).GetRequiredKeyedService<QueueTransport>(StorageQueues.Copy);
        CopyBatchMessage<CopyWorkItem>? batch = null;
        var handled = await copy.ProcessAsync(async (m, ct) =>
        {
            batch = m.Decode<CopyBatchMessage<CopyWorkItem>>();
            await Task.WhenAll(
                Task.Run(() => driver.Worker(0).GetRequiredService<CopyBatchHandler>().HandleAsync(batch, 1, ct), ct),
                Task.Run(() => driver.Worker(1).GetRequiredService<CopyBatchHandler>().HandleAsync(batch, 2, ct), ct));
        }, null, 1, CancellationToken.None);

        Assert.Equal([MessageDisposition.Completed], handled);
        Assert.NotNull(batch);
        Assert.Equal(batch.Items.Count, oss.Server.Counters["CopyObject"]);
        var afterBatch = await driver.Runs.GetAsync(plan.Name, start.Run.RunId, CancellationToken.None);
        Assert.Equal(1, afterBatch!.BatchesCompleted);
        Assert.Equal(batch.Items.Count, afterBatch.Totals.Copied);

        var run = await driver.WaitAsync(plan.Name, start.Run.RunId);
        Assert.Equal((RunStatus.Completed, 120L, 120L), (run.Status, run.Totals.Copied, oss.Server.Counters["CopyObject"]));
        Assert.Equal(120, (await driver.ReportAsync(plan.Name, run.RunId)).Objects.Select(o => o.Key).Distinct().Count());
    }

    [Fact]
    public async Task A_list_step_handled_by_two_workers_at_once_leads_to_each_object_copied_once()
    {
        var plan = await oss.SeededPlanAsync(200, "dupstep");
        await using var driver = new DistributedRunDriver(oss.Configuration(azurite, TestNames.UniqueOptions()), workers: 3);
        var start = await driver.Starter.StartAsync(plan, null, CancellationToken.None);
        oss.Server.Counters.Reset();

        // The first step, delivered to two workers at once: both list and both send the step's batches.
        var list = driver.Worker(0).GetRequiredKeyedService<QueueTransport>(StorageQueues.List);
        await list.ProcessAsync(async (m, ct) =>
        {
            var step = m.Decode<ListStepMessage>();
            await Task.WhenAll(
                Task.Run(() => driver.Worker(0).GetRequiredService<ListStepHandler>().HandleAsync(step, 1, ct), ct),
                Task.Run(() => driver.Worker(1).GetRequiredService<ListStepHandler>().HandleAsync(step, 2, ct), ct));
        }, null, 1, CancellationToken.None);
        var copy = driver.Worker(0).GetRequiredKeyedService<QueueTransport>(StorageQueues.Copy);
        Assert.True(await copy.ApproximateCountAsync(CancellationToken.None) > 4, "both deliveries sent the step's 4 batches");

        var run = await driver.WaitAsync(plan.Name, start.Run.RunId);

        Assert.True(run.Status == RunStatus.Completed, $"{run.Status}: {run.Error}");
        Assert.Equal((200L, 200L, 200L), (run.Totals.Listed, run.Totals.Copied, oss.Server.Counters["CopyObject"]));
        Assert.Equal(run.BatchesEnqueued, run.BatchesCompleted);
        var report = await driver.ReportAsync(plan.Name, run.RunId);
        Assert.Equal(200, report.Objects.Count);
        Assert.Equal(200, report.Objects.Select(o => o.Key).Distinct().Count());
    }
}
