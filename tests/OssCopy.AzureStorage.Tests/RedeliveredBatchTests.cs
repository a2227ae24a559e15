using Microsoft.Extensions.DependencyInjection;
using OssCopy.AzureStorage.DistributedBackupRun;
using OssCopy.Core.Backup;
using OssCopy.Oss.Models;

namespace OssCopy.AzureStorage.Tests;

/// <summary>A batch worked on before (its claim not fresh): what the earlier worker copied but did not record is not copied again.</summary>
[Collection(AzuriteTests.Name)]
public sealed class RedeliveredBatchTests(AzuriteFixture azurite, LocalOssServerFixture oss) : IClassFixture<LocalOssServerFixture>
{
    [Fact]
    public async Task A_batch_claimed_not_fresh_finds_half_its_items_in_the_destination_and_copies_only_the_other_half()
    {
        var plan = await oss.SeededPlanAsync(100, "redelivered");
        var (source, destination) = (plan.Source.Bucket, plan.Destination.Bucket);
        await using var driver = new DistributedRunDriver(oss.Configuration(azurite, TestNames.UniqueOptions()), workers: 1);
        var start = await driver.Starter.StartAsync(plan, null, CancellationToken.None);
        var host = driver.Worker(0);
        var lists = host.GetRequiredService<ListStepHandler>();
        await host.GetRequiredKeyedService<QueueTransport>(StorageQueues.List)
            .ProcessAsync((m, ct) => lists.HandleAsync(m.Decode<ListStepMessage>(), m.DequeueCount, ct), null, 1, CancellationToken.None);

        // A worker claimed the first batch, copied every other item (as the engine would: one CopyObject each) and died
        // before recording anything; its claim is gone, so the next delivery's claim is not fresh.
        CopyBatchMessage<CopyWorkItem>? batch = null;
        var copiedBefore = new HashSet<string>(StringComparer.Ordinal);
        var handled = await host.GetRequiredKeyedService<QueueTransport>(StorageQueues.Copy).ProcessAsync(async (m, ct) =>
        {
            batch = m.Decode<CopyBatchMessage<CopyWorkItem>>();
            var (state, earlier) = await driver.Runs.TryClaimBatchAsync(plan.Name, start.Run.RunId, batch.BatchId, TimeSpan.FromMinutes(1), ct);
            Assert.Equal(BatchClaimState.Claimed, state);
            Assert.True(earlier!.Fresh);
            foreach (var item in batch.Items.Where((_, i) => i % 2 == 0))
            {
                await oss.Admin.CopyObjectAsync(new CopyObjectRequest
                {
                    Bucket = destination, Key = "backup/" + item.RelativeKey, SourceBucket = source, SourceKey = item.Source.Key, CopySourceIfMatch = item.Source.ETag,
                }, ct);
                copiedBefore.Add(item.Source.Key);
            }

            Assert.True(await driver.Runs.ReleaseBatchClaimAsync(earlier, ct));
            oss.Server.Counters.Reset();
            await host.GetRequiredService<CopyBatchHandler>().HandleAsync(batch, 2, ct);
        }, null, 1, CancellationToken.None);

        Assert.Equal([MessageDisposition.Completed], handled);
        Assert.NotNull(batch);
        var items = batch.Items.Count;
        Assert.True(items >= 10, $"a batch of {items} items");
        Assert.Equal((items - copiedBefore.Count, (long)items), (oss.Server.Counters["CopyObject"], oss.Server.Counters["HeadObject"]));

        // The other batch is claimed fresh: copied without a HEAD.
        var run = await driver.WaitAsync(plan.Name, start.Run.RunId);

        Assert.Equal((RunStatus.Completed, 100L, 0L), (run.Status, run.Totals.Copied, run.Totals.Failed));
        Assert.Equal((100L - copiedBefore.Count, (long)items), (oss.Server.Counters["CopyObject"], oss.Server.Counters["HeadObject"]));
        var report = await driver.ReportAsync(plan.Name, run.RunId);
        Assert.Equal(100, report.Objects.Count);
        Assert.All(report.Objects, o => Assert.Equal((ReportAction.Copied, ReportReason.Missing, true, "SingleCopy"), (o.Action, o.Reason, o.Verified, o.Strategy)));
        var found = report.Objects.Where(o => copiedBefore.Contains(o.Key)).ToList();
        Assert.Equal(copiedBefore.Count, found.Count);
        Assert.All(found, o =>
        {
            Assert.Equal(o.SourceETag, o.ETag);
            Assert.False(string.IsNullOrEmpty(o.RequestId));
            Assert.NotNull(o.HashCrc64);
        });
    }
}
