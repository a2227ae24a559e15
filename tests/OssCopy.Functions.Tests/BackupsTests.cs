using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OssCopy.AzureStorage;
using OssCopy.Functions.Backups;
using OssCopy.Functions.Tests.Support;

namespace OssCopy.Functions.Tests;

/// <summary>Scheduled and API-started backups through the app's functions, on Azurite's queues, tables and blobs and LocalOss.</summary>
[Collection(BackupAppGroup.Name)]
public sealed class BackupsTests(BackupAppFixture fixture)
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(3);

    private static Dictionary<string, string?> Plans(params string[] names) => names.ToDictionary(n => n, _ => (string?)null);

    private QueueTriggerHost Queues(IHost host) => new(host, fixture.Queue);

    private static async Task<bool> HasReportAsync(IHost host, string plan, string runId)
    {
        using var report = await BackupAppFixture.ReportAsync(host, plan, runId);
        return report is not null;
    }

    [Fact]
    public async Task A_scheduled_run_of_a_1000_object_plan_is_driven_through_the_queue_functions_to_its_report()
    {
        var plan = BackupAppFixture.NewPlanName("thousand");
        await fixture.PutObjectsAsync(plan, 1000);
        using var host = fixture.BuildHost(Plans(plan));

        await BackupAppFixture.TickAsync(host, DateTime.UtcNow.AddMinutes(-5));
        var run = await host.Services.GetRequiredService<RunStore>().GetLatestAsync(plan, CancellationToken.None);
        Assert.NotNull(run);
        var queues = Queues(host);
        await queues.RunUntilAsync(() => HasReportAsync(host, plan, run.RunId), RunTimeout);

        using var report = await BackupAppFixture.ReportAsync(host, plan, run.RunId);
        var root = report!.RootElement;
        Assert.Equal(plan, root.GetProperty("plan").GetString());
        Assert.Equal(1000, root.GetProperty("totals").GetProperty("listed").GetInt64());
        Assert.Equal(1000, root.GetProperty("totals").GetProperty("copied").GetInt64());
        var keys = root.GetProperty("objects").EnumerateArray().Select(o => o.GetProperty("key").GetString()).ToList();
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => $"{plan}/obj-{i:D5}.txt"), keys);
        Assert.True(await fixture.ExistsAsync(BackupAppFixture.DestinationBucket, $"{plan}/obj-00999.txt"));

        var view = await BackupAppFixture.GetRunAsync(host, plan, run.RunId);
        Assert.True(view.Status == 200, view.ToString());
        Assert.Equal("Completed", view.Json.GetProperty("status").GetString());
        Assert.Equal(1000, view.Json.GetProperty("progress").GetProperty("copied").GetInt64());
        Assert.Equal(1000, view.Json.GetProperty("progress").GetProperty("done").GetInt64());
        Assert.True(view.Json.GetProperty("progress").GetProperty("copiedBytes").GetInt64() > 0);
        Assert.True(view.Json.GetProperty("progress").GetProperty("objectsPerSecond").GetDouble() > 0);
        Assert.Equal($"{plan}/{run.RunId}.json", view.Json.GetProperty("report").GetProperty("blob").GetString());
        Assert.Equal("reports", view.Json.GetProperty("report").GetProperty("container").GetString());
        Assert.EndsWith($"/reports/{plan}/{run.RunId}.json", view.Json.GetProperty("report").GetProperty("url").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(fixture.Logs.Lines, l => l.Contains(BackupAppFixture.AccessKeySecret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_timer_tick_and_two_API_starts_at_the_same_time_make_one_run()
    {
        var plan = BackupAppFixture.NewPlanName("once");
        await fixture.PutObjectsAsync(plan, 3);
        using var host = fixture.BuildHost(Plans(plan));

        var tick = BackupAppFixture.TickAsync(host, DateTime.UtcNow.AddMinutes(-5));
        var first = BackupAppFixture.StartRunAsync(host, plan);
        var second = BackupAppFixture.StartRunAsync(host, plan);
        await Task.WhenAll(tick, first, second);

        Assert.Equal(1, await fixture.CountRunsAsync(plan));
        var active = await host.Services.GetRequiredService<RunStore>().GetActiveAsync(plan, CancellationToken.None);
        Assert.NotNull(active);
        foreach (var response in new[] { await first, await second })
        {
            // Whoever won, every answer names the one run: 202 for the starter, 409 for the others.
            Assert.True(response.Status is 202 or 409, response.ToString());
            Assert.Equal(active.RunId, response.Json.GetProperty("runId").GetString());
            Assert.Equal(BackupsFunction.RunLocation(plan, active.RunId), response.Headers["Location"]);
        }

        await Queues(host).RunUntilAsync(() => HasReportAsync(host, plan, active.RunId), RunTimeout);
        Assert.Equal(1, await fixture.CountRunsAsync(plan));
    }

    [Fact]
    public async Task A_start_while_a_run_is_active_is_409_problem_naming_the_run_and_a_start_after_it_finished_is_202()
    {
        var plan = BackupAppFixture.NewPlanName("active");
        await fixture.PutObjectsAsync(plan, 2);
        using var host = fixture.BuildHost(Plans(plan));

        var started = await BackupAppFixture.StartRunAsync(host, plan);
        Assert.True(started.Status == 202, started.ToString());
        var runId = started.Json.GetProperty("runId").GetString()!;
        Assert.Equal($"/api/backups/{plan}/runs/{runId}", started.Headers["Location"]);
        Assert.Equal("Listing", started.Json.GetProperty("status").GetString());

        var conflict = await BackupAppFixture.StartRunAsync(host, plan);
        Assert.True(conflict.Status == 409, conflict.ToString());
        Assert.StartsWith("application/problem+json", conflict.ContentType, StringComparison.Ordinal);
        Assert.Equal(runId, conflict.Json.GetProperty("runId").GetString());
        Assert.Contains(runId, conflict.Json.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var running = await BackupAppFixture.GetRunAsync(host, plan, runId);
        Assert.True(running.Status == 200, running.ToString());
        Assert.False(running.Json.TryGetProperty("report", out _));

        await Queues(host).RunUntilAsync(() => HasReportAsync(host, plan, runId), RunTimeout);
        var again = await BackupAppFixture.StartRunAsync(host, plan);
        Assert.True(again.Status == 202, again.ToString());
        Assert.NotEqual(runId, again.Json.GetProperty("runId").GetString());
    }

    [Fact]
    public async Task An_unknown_plan_is_404_problem_for_a_start_and_for_a_run()
    {
        var plan = BackupAppFixture.NewPlanName("known");
        using var host = fixture.BuildHost(Plans(plan));

        var start = await BackupAppFixture.StartRunAsync(host, "no-such-plan");
        var run = await BackupAppFixture.GetRunAsync(host, "no-such-plan", "20261204T000000Z-0000000000000");
        var unknownRun = await BackupAppFixture.GetRunAsync(host, plan, "20261204T000000Z-0000000000000");

        Assert.True(start.Status == 404, start.ToString());
        Assert.StartsWith("application/problem+json", start.ContentType, StringComparison.Ordinal);
        Assert.Equal("no-such-plan", start.Json.GetProperty("plan").GetString());
        Assert.Contains(plan, start.Json.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(404, run.Status);
        Assert.Equal(404, unknownRun.Status);
        Assert.Equal(0, await fixture.CountRunsAsync("no-such-plan"));
    }

    [Fact]
    public async Task The_list_shows_each_plan_with_its_schedule_and_last_run()
    {
        var ran = BackupAppFixture.NewPlanName("listed");
        var never = BackupAppFixture.NewPlanName("never");
        await fixture.PutObjectsAsync(ran, 1);
        using var host = fixture.BuildHost(new Dictionary<string, string?> { [ran] = null, [never] = "0 30 1 * * *" });
        var started = await BackupAppFixture.StartRunAsync(host, ran);
        Assert.True(started.Status == 202, started.ToString());

        var list = await BackupAppFixture.ListAsync(host);

        Assert.True(list.Status == 200, list.ToString());
        var plans = list.Json.GetProperty("plans").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!);
        Assert.Equal(started.Json.GetProperty("runId").GetString(), plans[ran].GetProperty("lastRun").GetProperty("runId").GetString());
        Assert.Equal($"oss://{BackupAppFixture.SourceBucket}/{ran}/", plans[ran].GetProperty("source").GetString());
        Assert.False(plans[never].TryGetProperty("lastRun", out _));
        Assert.Equal("0 30 1 * * *", plans[never].GetProperty("schedule").GetString());
        await Queues(host).RunUntilAsync(() => HasReportAsync(host, ran, started.Json.GetProperty("runId").GetString()!), RunTimeout);
    }

    [Fact]
    public async Task A_plan_with_its_own_cron_starts_only_on_a_tick_after_an_occurrence()
    {
        var plan = BackupAppFixture.NewPlanName("yearly");
        await fixture.PutObjectsAsync(plan, 1);
        using var host = fixture.BuildHost(new Dictionary<string, string?> { [plan] = "0 0 0 1 1 *" });
        var runs = host.Services.GetRequiredService<RunStore>();

        await BackupAppFixture.TickAsync(host, DateTime.UtcNow.AddMinutes(-5));
        Assert.Null(await runs.GetLatestAsync(plan, CancellationToken.None));

        // The last tick before this year's 1 January 00:00:00: the occurrence fell since, so the plan is due.
        await BackupAppFixture.TickAsync(host, new DateTime(DateTime.UtcNow.Year - 1, 12, 31, 23, 55, 0, DateTimeKind.Utc));
        var run = await runs.GetLatestAsync(plan, CancellationToken.None);
        Assert.NotNull(run);
        await Queues(host).RunUntilAsync(() => HasReportAsync(host, plan, run.RunId), RunTimeout);

        // Ran since that occurrence: the next tick, however late its last one, starts nothing.
        await BackupAppFixture.TickAsync(host, new DateTime(DateTime.UtcNow.Year - 1, 12, 31, 23, 55, 0, DateTimeKind.Utc));
        Assert.Equal(run.RunId, (await runs.GetLatestAsync(plan, CancellationToken.None))!.RunId);
        Assert.Equal(1, await fixture.CountRunsAsync(plan));
    }

    [Fact]
    public async Task A_copy_batch_whose_every_delivery_fails_reaches_the_poison_trigger_and_the_run_reports_its_objects_failed()
    {
        var plan = BackupAppFixture.NewPlanName("poison");
        await fixture.PutObjectsAsync(plan, 3);
        using var host = fixture.BuildHost(Plans(plan));
        var started = await BackupAppFixture.StartRunAsync(host, plan);
        var runId = started.Json.GetProperty("runId").GetString()!;

        // Every delivery of a copy batch is cancelled (its invocation timed out each time): after maxDequeueCount the
        // host moves it to osscopy-copy-poison, whose trigger records its objects Failed, and the run completes.
        var queues = Queues(host);
        queues.CancelDeliveriesFrom = BackupQueueFunctions.CopyQueue;
        await queues.RunUntilAsync(() => HasReportAsync(host, plan, runId), RunTimeout);

        Assert.True(queues.Failures >= QueueTriggerHost.MaxDequeueCount, $"{queues.Failures} failed deliveries");
        using var report = await BackupAppFixture.ReportAsync(host, plan, runId);
        var objects = report!.RootElement.GetProperty("objects").EnumerateArray().Where(o => o.GetProperty("key").GetString()!.StartsWith(plan + "/", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, objects.Count);
        Assert.All(objects, o =>
        {
            Assert.Equal("Failed", o.GetProperty("action").GetString());
            Assert.Equal("BatchFailed", o.GetProperty("errorCode").GetString());
            Assert.Contains("osscopy-copy-poison", o.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        });
        var view = await BackupAppFixture.GetRunAsync(host, plan, runId);
        Assert.Equal("Completed", view.Json.GetProperty("status").GetString());
        Assert.Equal(3, view.Json.GetProperty("progress").GetProperty("failed").GetInt64());
    }

    [Theory]
    [InlineData("3", 3L)]
    [InlineData("\"4\"", 4L)]
    [InlineData(7L, 7L)]
    [InlineData(null, 1L)]
    public void The_dequeue_count_is_read_from_the_trigger_metadata_as_the_host_sends_it(object? sent, long expected)
    {
        var data = new Dictionary<string, object?>();
        if (sent is not null)
        {
            data["DequeueCount"] = sent;
        }

        Assert.Equal(expected, BackupQueueFunctions.DequeueCount(new TestFunctionContext(new ServiceCollection().BuildServiceProvider(), data)));
    }
}
