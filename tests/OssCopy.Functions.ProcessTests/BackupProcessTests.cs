using System.Text.Json;
using OssCopy.AzureStorage;
using OssCopy.Functions.ProcessTests.Host;
using OssCopy.Functions.ProcessTests.Protocol;
using OssCopy.Functions.ProcessTests.Support;
using OssCopy.Oss.Models;

namespace OssCopy.Functions.ProcessTests;

/// <summary>A scheduled backup through the process: the host's timer tick, then the host's queue listeners, to the report.</summary>
[Collection(WorkerAppGroup.Name)]
public sealed class BackupProcessTests(WorkerAppFixture app)
{
    private const int Objects = 150;

    [Fact]
    public async Task A_timer_tick_through_the_worker_protocol_starts_a_plan_run_that_queue_invocations_drive_to_its_report()
    {
        await Parallel.ForEachAsync(Enumerable.Range(0, Objects), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
            await app.Admin.PutObjectAsync(new PutObjectRequest
            {
                Bucket = WorkerAppFixture.SourceBucket,
                Key = $"{WorkerAppFixture.BackupSourcePrefix}item-{i:D4}.txt",
                Body = new MemoryStream(System.Text.Encoding.UTF8.GetBytes($"backed up through the process {i}")),
            }, ct));
        var storage = app.Azurite.CreateClients();
        var options = new AzureStorageOptions();
        var runs = new RunStore(storage, options, TimeProvider.System);
        var reports = new BlobReportStore(storage, options);

        var now = DateTimeOffset.UtcNow;
        var tick = await app.Host.InvokeAsync(TriggerInvocations.Timer(app.Host.Function("BackupSchedule"), now.AddMinutes(-5), now.AddMinutes(5)));
        Assert.True(tick.Result.Status == StatusResult.Types.Status.Success, $"{tick.Result.Exception?.Message}. {app.Host.Describe()}");
        var run = await runs.GetLatestAsync(WorkerAppFixture.BackupPlan, CancellationToken.None);
        Assert.True(run is not null, $"The tick started no run. {app.Host.Describe()}");

        var listeners = new[] { "BackupListStep", "BackupCopyBatch", "BackupListStepPoison", "BackupCopyBatchPoison" }
            .Select(name => new QueueTriggerListener(app.Host, name, storage.Queues)).ToList();
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        Stream? report;
        while ((report = await reports.OpenReadAsync(WorkerAppFixture.BackupPlan, run.RunId, CancellationToken.None)) is null)
        {
            Assert.True(DateTime.UtcNow < deadline,
                $"No report after 3 minutes: {string.Join("; ", listeners.Select(l => $"{l.Queue} {l.Invocations} invocations"))}; " +
                $"{string.Join("; ", listeners.SelectMany(l => l.Failures))}. {app.Host.Describe()}");
            var delivered = 0;
            foreach (var listener in listeners)
            {
                delivered += await listener.PumpOnceAsync();
            }

            if (delivered == 0)
            {
                await Task.Delay(50);
            }
        }

        await using (report)
        {
            using var json = await JsonDocument.ParseAsync(report);
            var totals = json.RootElement.GetProperty("totals");
            Assert.Equal(Objects, totals.GetProperty("listed").GetInt64());
            Assert.Equal(Objects, totals.GetProperty("copied").GetInt64());
            Assert.Equal(Objects, json.RootElement.GetProperty("objects").GetArrayLength());
        }

        Assert.Empty(listeners.SelectMany(l => l.Failures));
        Assert.Equal(RunStatus.Completed, (await runs.GetAsync(WorkerAppFixture.BackupPlan, run.RunId, CancellationToken.None))!.Status);
        Assert.True(listeners.Single(l => l.Queue == "osscopy-copy").Invocations >= 2);
        await using var copied = (await app.Admin.GetObjectAsync(new GetObjectRequest
        {
            Bucket = WorkerAppFixture.DestinationBucket,
            Key = $"{WorkerAppFixture.BackupDestinationPrefix}item-0149.txt",
        })).Content;
        Assert.Equal("backed up through the process 149", await new StreamReader(copied).ReadToEndAsync());
        Assert.DoesNotContain(app.Host.Logs, l => l.Message.Contains(WorkerAppFixture.AccessKeySecret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_queue_message_the_function_cannot_handle_fails_its_invocation_so_the_host_retries_it()
    {
        var now = DateTimeOffset.UtcNow;
        var properties = new QueueMessageProperties(Guid.NewGuid().ToString(), "pop", 2, now, now.AddDays(7), now.AddSeconds(30));

        var response = await app.Host.InvokeAsync(TriggerInvocations.Queue(app.Host.Function("BackupCopyBatch"), "{not a copy batch", properties));

        Assert.True(response.Result.Status == StatusResult.Types.Status.Failure, $"{response.Result.Status}. {app.Host.Describe()}");
    }

    [Fact]
    public async Task A_bad_backup_plan_stops_the_worker_with_a_non_zero_exit_naming_its_setting()
    {
        var settings = WorkerAppFixture.Settings(new Uri("http://127.0.0.1:9/"));
        settings["OssCopy:Backups:Plans:broken:Json"] = """{"source":{"bucket":"UPPER"},"destination":{"bucket":"dst-bucket"}}""";
        await using var host = await FunctionsTestHost.StartAsync(Repository.FunctionsOutput, settings);

        var exitCode = await host.Worker.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(exitCode is not null and not 0, $"The worker did not stop with an error. {host.Describe()}");
        Assert.Contains("OssCopy:Backups:Plans:broken:Json", host.Worker.Output, StringComparison.Ordinal);
    }
}
