using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using OssCopy.AzureStorage.DistributedBackupRun;
using OssCopy.Core.Backup;

namespace OssCopy.AzureStorage.Tests;

[Collection(AzuriteTests.Name)]
public sealed class DistributedRunTests(AzuriteFixture azurite, LocalOssServerFixture oss) : IClassFixture<LocalOssServerFixture>
{
    private async Task<BackupPlan> PlanAsync(int objects, string name, Func<int, string>? key = null, string sourcePrefix = "data/", string destinationPrefix = "backup/")
    {
        var source = await oss.NewBucketAsync("src");
        var destination = await oss.NewBucketAsync("dst");
        key ??= i => $"{sourcePrefix}{i:D5}.txt";
        await Parallel.ForEachAsync(Enumerable.Range(0, objects), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
            await oss.PutAsync(source, key(i), RandomNumberGenerator.GetBytes(10 + (i % 50))));
        return new BackupPlan
        {
            Name = name + "-" + Guid.NewGuid().ToString("N")[..6],
            Source = new BucketLocation { Bucket = source, Prefix = sourcePrefix },
            Destination = new BucketLocation { Bucket = destination, Prefix = destinationPrefix },
        };
    }

    private DistributedRunDriver Driver(int workers, Action<Dictionary<string, string?>>? change = null) =>
        new(oss.Configuration(azurite, TestNames.UniqueOptions(), change), workers);

    [Fact]
    public async Task A_1000_object_plan_through_the_queues_reports_every_object_once_and_as_the_in_process_run_does()
    {
        var plan = await PlanAsync(1000, "thousand");
        plan.Exclude = ["*5.txt"];
        var inProcessDestination = await oss.NewBucketAsync("dst");

        // Both destinations start alike: some objects already there, some different.
        foreach (var destination in new[] { plan.Destination.Bucket, inProcessDestination })
        {
            for (var i = 0; i < 1000; i += 7)
            {
                var data = i % 2 == 0 ? await GetAsync(plan.Source.Bucket, $"data/{i:D5}.txt") : Encoding.UTF8.GetBytes("stale");
                await oss.PutAsync(destination, $"backup/{i:D5}.txt", data);
            }
        }

        await using var driver = Driver(workers: 4);
        var run = await driver.RunAsync(plan);

        Assert.True(run.Status == RunStatus.Completed, $"{run.Status}: {run.Error}");
        var distributed = await driver.ReportAsync(plan.Name, run.RunId);
        Assert.Equal(900, distributed.Objects.Count);
        Assert.Equal(900, distributed.Objects.Select(o => o.Key).Distinct().Count());
        Assert.Equal(run.Totals, distributed.Totals);
        Assert.Equal("Completed", distributed.Root.GetProperty("status").GetString());
        Assert.Equal(distributed.Objects.Select(o => o.Key).Order(Utf8Ordinal.Instance), distributed.Objects.Select(o => o.Key));

        var inProcess = await oss.RunInProcessAsync(azurite, plan, inProcessDestination);
        Assert.Equal(inProcess.Totals, distributed.Totals);
        // 100 excluded; every 14th is in the destination already, every other 7th is there with other content.
        var unchanged = Enumerable.Range(0, 1000).Count(i => i % 14 == 0);
        Assert.Equal((1000L, 100L, 900L - unchanged, (long)unchanged, 0L), (distributed.Totals.Listed, distributed.Totals.Excluded, distributed.Totals.Copied, distributed.Totals.Unchanged, distributed.Totals.Failed));
        Assert.Equal(
            inProcess.Objects.Select(ReportFile.Comparable).OrderBy(o => o.Key, StringComparer.Ordinal),
            distributed.Objects.Select(ReportFile.Comparable).OrderBy(o => o.Key, StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_worker_cancelled_mid_batch_leaves_the_message_to_reappear_and_nothing_is_copied_twice_or_lost()
    {
        var plan = await PlanAsync(300, "cancel");
        await using var driver = Driver(workers: 1);
        var start = await driver.Starter.StartAsync(plan, null, CancellationToken.None);
        oss.Server.Counters.Reset();

        // The first worker stops once it has copied some objects of its first batch.
        using (var stop = new CancellationTokenSource())
        {
            var worker = driver.Worker(0).GetRequiredService<DistributedWorker>().RunAsync(1, stop.Token);
            while (oss.Server.Counters["CopyObject"] < 20)
            {
                await Task.Delay(2);
            }

            await stop.CancelAsync();
            await worker;
        }

        var stopped = await driver.Runs.GetAsync(plan.Name, start.Run.RunId, CancellationToken.None);
        Assert.NotNull(stopped);
        Assert.False(stopped.IsFinished);
        Assert.True(stopped.BatchesCompleted < stopped.BatchesEnqueued, $"{stopped.BatchesCompleted} of {stopped.BatchesEnqueued} batches completed");

        var run = await driver.WaitAsync(plan.Name, start.Run.RunId);

        Assert.True(run.Status == RunStatus.Completed, $"{run.Status}: {run.Error}");
        Assert.Equal(300, oss.Server.Counters["CopyObject"]);
        var report = await driver.ReportAsync(plan.Name, run.RunId);
        Assert.Equal(300, report.Objects.Count);
        Assert.All(report.Objects, o => Assert.Equal(ReportAction.Copied, o.Action));
        Assert.Equal((300L, 300L, 0L), (report.Totals.Listed, report.Totals.Copied, report.Totals.Failed));
    }

    [Fact]
    public async Task Two_starts_at_once_make_one_run()
    {
        var plan = await PlanAsync(5, "twice");
        await using var driver = Driver(workers: 1);
        var other = driver.Worker(0).GetRequiredService<DistributedRunStarter>();
        await driver.Starter.EnsureStorageAsync(CancellationToken.None);

        var starts = await Task.WhenAll(driver.Starter.StartAsync(plan, null, CancellationToken.None), other.StartAsync(plan, null, CancellationToken.None));

        Assert.Equal([RunStartOutcome.Started, RunStartOutcome.AlreadyActive], starts.Select(s => s.Outcome).Order());
        Assert.Single(starts.Select(s => s.Run.RunId).Distinct());
        var run = await driver.WaitAsync(plan.Name, starts[0].Run.RunId);
        Assert.Equal((RunStatus.Completed, 5L), (run.Status, run.Totals.Copied));
    }

    [Fact]
    public async Task A_stale_run_is_taken_over_and_resumed_under_its_run_id()
    {
        var plan = await PlanAsync(120, "stale");
        await using var driver = Driver(workers: 2, s => s["OssCopy:AzureStorage:StalePeriod"] = "00:00:03");
        var first = await driver.Starter.StartAsync(plan, null, CancellationToken.None);

        // Its first list step is lost with the process that started it; nothing else happens until the heartbeat ages.
        var list = driver.Control.GetRequiredKeyedService<QueueTransport>(StorageQueues.List);
        Assert.Equal([MessageDisposition.Completed], await list.ProcessAsync((_, _) => Task.CompletedTask, null, 1, CancellationToken.None));
        var alive = await driver.Starter.StartAsync(plan, null, CancellationToken.None);
        Assert.Equal(RunStartOutcome.AlreadyActive, alive.Outcome);
        await Task.Delay(3200);

        var second = await driver.Starter.StartAsync(plan, null, CancellationToken.None);

        Assert.Equal((RunStartOutcome.TookOver, first.Run.RunId, 1), (second.Outcome, second.Run.RunId, second.Run.Takeovers));
        var run = await driver.WaitAsync(plan.Name, first.Run.RunId);
        Assert.Equal((RunStatus.Completed, 120L, 120L), (run.Status, run.Totals.Listed, run.Totals.Copied));
        Assert.Equal(120, (await driver.ReportAsync(plan.Name, run.RunId)).Objects.Count);
    }

    [Fact]
    public async Task A_poison_batch_reports_its_objects_failed_with_the_error_and_the_run_completes()
    {
        var plan = await PlanAsync(120, "poison");
        await using var driver = Driver(workers: 2);
        var start = await driver.Starter.StartAsync(plan, null, CancellationToken.None);
        var host = driver.Worker(0);
        var list = host.GetRequiredKeyedService<QueueTransport>(StorageQueues.List);
        var copy = host.GetRequiredKeyedService<QueueTransport>(StorageQueues.Copy);
        var lists = host.GetRequiredService<ListStepHandler>();
        var copies = host.GetRequiredService<CopyBatchHandler>();
        await list.ProcessAsync((m, ct) => lists.HandleAsync(m.Decode<ListStepMessage>(), m.DequeueCount, ct), null, 1, CancellationToken.None);

        // One batch fails on every delivery (3 allowed): the third makes it poison.
        CopyBatchMessage<CopyWorkItem>? poisoned = null;
        var results = new List<MessageDisposition>();
        while (poisoned is null)
        {
            results.AddRange(await copy.ProcessAsync(
                (_, _) => throw new IOException("simulated: the worker's disk is full"),
                async (m, error, ct) =>
                {
                    poisoned = m.Decode<CopyBatchMessage<CopyWorkItem>>();
                    await copies.HandlePoisonAsync(poisoned, error, ct);
                },
                1, CancellationToken.None));
            await Task.Delay(50);
        }

        Assert.Equal(MessageDisposition.Poisoned, results[^1]);
        var run = await driver.WaitAsync(plan.Name, start.Run.RunId);

        Assert.True(run.Status == RunStatus.Completed, $"{run.Status}: {run.Error}");
        var report = await driver.ReportAsync(plan.Name, run.RunId);
        Assert.Equal(120, report.Objects.Count);
        var failedKeys = poisoned.Items.Select(i => i.Source.Key).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(50, failedKeys.Count);
        Assert.All(report.Objects.Where(o => failedKeys.Contains(o.Key)), o =>
        {
            Assert.Equal(ReportAction.Failed, o.Action);
            Assert.Contains("simulated: the worker's disk is full", o.ErrorMessage, StringComparison.Ordinal);
        });
        Assert.Equal((50L, 70L), (report.Totals.Failed, report.Totals.Copied));
    }

    [Fact]
    public async Task A_second_run_trusts_the_sync_manifest_and_makes_listing_requests_only()
    {
        var plan = await PlanAsync(250, "rerun");
        await using var driver = Driver(workers: 2);
        var first = await driver.RunAsync(plan);
        Assert.Equal((RunStatus.Completed, 250L), (first.Status, first.Totals.Copied));

        oss.Server.Counters.Reset();
        var second = await driver.RunAsync(plan);

        Assert.Equal((RunStatus.Completed, 250L, 0L), (second.Status, second.Totals.Unchanged, second.Totals.Copied));
        var counters = oss.Server.Counters.Snapshot().Where(p => p.Value > 0).ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal(["ListObjectsV2"], counters.Keys);
        var report = await driver.ReportAsync(plan.Name, second.RunId);
        Assert.True(report.Root.GetProperty("rangesTrusted").GetInt32() >= 1);
        Assert.Equal(0, report.Root.GetProperty("rangesCompared").GetInt32());
        Assert.All(report.Objects, o => Assert.Equal((ReportAction.Unchanged, ReportReason.InSyncRange), (o.Action, o.Reason)));
    }

    [Fact]
    public async Task Objects_with_1023_byte_keys_travel_in_batches_under_the_message_limit()
    {
        static string Key(int i) => OutcomeStoreTests.Exactly1023Bytes(i % 2 == 0 ? '中' : 'x', i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture));
        var plan = await PlanAsync(40, "longkeys", Key, sourcePrefix: "", destinationPrefix: "");
        await using var driver = Driver(workers: 2);

        var run = await driver.RunAsync(plan);

        Assert.Equal((RunStatus.Completed, 40L, 0L), (run.Status, run.Totals.Copied, run.Totals.Failed));
        Assert.True(run.BatchesEnqueued >= 2, $"{run.BatchesEnqueued} batches: 40 items of 1,023-byte keys fit no single message");
        var report = await driver.ReportAsync(plan.Name, run.RunId);
        Assert.Equal(Enumerable.Range(0, 40).Select(Key).Order(Utf8Ordinal.Instance), report.Objects.Select(o => o.Key));
    }

    [Fact]
    public async Task A_batch_takes_every_slot_its_worker_s_limiter_opens_while_it_runs()
    {
        // One batch of 100, started while the limiter allows 1 copy (slow start from InitialParallelism 1, +1 per
        // success): the batch must take the slots that open as it runs, up to MaxParallelism 8. It used to run at most
        // twice the limit it started with (2), whatever the limiter allowed later.
        var plan = await PlanAsync(100, "fills");
        await using var driver = Driver(workers: 1, s =>
        {
            s["Backup:InitialParallelism"] = "1";
            s["OssCopy:AzureStorage:MaxItemsPerBatch"] = "100";
        });
        var limiter = driver.Worker(0).GetRequiredService<RunContexts>().Limiter;
        using var sampling = new CancellationTokenSource();
        var mostInFlight = 0;
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                mostInFlight = Math.Max(mostInFlight, limiter.InFlight);
                await Task.Delay(1);
            }
        });

        oss.Server.Options.Latency.Fixed = TimeSpan.FromMilliseconds(20);
        RunRecord run;
        try
        {
            run = await driver.RunAsync(plan);
        }
        finally
        {
            oss.Server.Options.Latency.Fixed = TimeSpan.Zero;
            await sampling.CancelAsync();
            await sampler;
        }

        Assert.Equal((RunStatus.Completed, 100L, 1L), (run.Status, run.Totals.Copied, run.BatchesEnqueued));
        Assert.Equal(8, limiter.Limit);
        Assert.True(mostInFlight >= 6, $"at most {mostInFlight} copies in flight while the limiter allowed 8");
    }

    private async Task<byte[]> GetAsync(string bucket, string key)
    {
        await using var result = await oss.Admin.GetObjectAsync(new Oss.Models.GetObjectRequest { Bucket = bucket, Key = key });
        using var buffer = new MemoryStream();
        await result.Content.CopyToAsync(buffer);
        return buffer.ToArray();
    }
}
