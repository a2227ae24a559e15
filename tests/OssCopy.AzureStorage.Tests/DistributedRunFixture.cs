using System.Text.Json;
using LocalOss;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OssCopy.AzureStorage.DistributedBackupRun;
using OssCopy.Core;
using OssCopy.Core.Backup;
using OssCopy.Oss;
using OssCopy.Oss.Credentials;
using OssCopy.Oss.Models;

namespace OssCopy.AzureStorage.Tests;

/// <summary>An in-process LocalOss (in memory, free port) for the distributed run's tests; Azurite comes from the collection.</summary>
public sealed class LocalOssServerFixture : IAsyncLifetime
{
    private LocalOssServer? _server;
    private int _buckets;

    public LocalOssServer Server => _server ?? throw new InvalidOperationException("Not started.");

    public IOssClient Admin { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _server = await LocalOssServer.StartAsync(new LocalOssOptions { Port = 0, DataDirectory = null });
        Admin = OssClient.Create(
            new OssClientOptions { Region = "cn-hangzhou", Endpoint = Server.BaseAddress.ToString(), UsePathStyle = true, MaxRetries = 2, RetryBaseDelay = TimeSpan.FromMilliseconds(5) },
            new StaticCredentialsProvider(new OssCredentials(LocalOssOptions.DefaultAccessKeyId, LocalOssOptions.DefaultAccessKeySecret)));
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    public async Task<string> NewBucketAsync(string prefix)
    {
        var name = $"{prefix}-{Environment.ProcessId}-{Interlocked.Increment(ref _buckets)}";
        await Admin.PutBucketAsync(new PutBucketRequest { Bucket = name });
        return name;
    }

    public Task PutAsync(string bucket, string key, byte[] data) =>
        Admin.PutObjectAsync(new PutObjectRequest { Bucket = bucket, Key = key, Body = new MemoryStream(data) });

    /// <summary>A plan from a new source bucket of <paramref name="objects"/> random objects (<c>data/00000.txt</c>, …) to a new, empty destination under <c>backup/</c>.</summary>
    public async Task<BackupPlan> SeededPlanAsync(int objects, string name)
    {
        var source = await NewBucketAsync("src");
        var destination = await NewBucketAsync("dst");
        await Parallel.ForEachAsync(Enumerable.Range(0, objects), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
            await PutAsync(source, $"data/{i:D5}.txt", System.Security.Cryptography.RandomNumberGenerator.GetBytes(10 + (i % 50))));
        return new BackupPlan
        {
            Name = name + "-" + Guid.NewGuid().ToString("N")[..6],
            Source = new BucketLocation { Bucket = source, Prefix = "data/" },
            Destination = new BucketLocation { Bucket = destination, Prefix = "backup/" },
        };
    }

    /// <summary>The same plan run in process (BackupRunner) into <paramref name="destinationBucket"/>: its JSON report, to compare with a distributed run's.</summary>
    public async Task<(ReportTotals Totals, List<ReportEntry> Objects, JsonElement Root)> RunInProcessAsync(AzuriteFixture azurite, BackupPlan plan, string destinationBucket)
    {
        var inProcessPlan = BackupPlanLoader.Parse(RunSpec.PlanToJson(plan));
        inProcessPlan.Destination.Bucket = destinationBucket;
        var path = Path.Combine(Path.GetTempPath(), $"inprocess-{Guid.NewGuid():N}.json");
        try
        {
            var services = new ServiceCollection().AddLogging();
            services.AddOssCopy(Configuration(azurite, TestNames.UniqueOptions()));
            await using var provider = services.BuildServiceProvider();
            await using (var writer = new JsonReportWriter(path))
            {
                await provider.GetRequiredService<BackupRunner>().RunAsync(inProcessPlan, new BackupRunOptions { Report = writer });
            }

            await using var file = File.OpenRead(path);
            return await ReportFile.ReadAsync(file);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The configuration every host of one test shares: LocalOss, Azurite, the test's own storage names.</summary>
    public IConfiguration Configuration(AzuriteFixture azurite, AzureStorageOptions names, Action<Dictionary<string, string?>>? change = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["OssCopy:AzureStorage:ListQueue"] = names.ListQueue,
            ["OssCopy:AzureStorage:CopyQueue"] = names.CopyQueue,
            ["OssCopy:AzureStorage:RunsTable"] = names.RunsTable,
            ["OssCopy:AzureStorage:OutcomesTable"] = names.OutcomesTable,
            ["OssCopy:AzureStorage:ReportsContainer"] = names.ReportsContainer,
            ["OssCopy:AzureStorage:StateContainer"] = names.StateContainer,
            ["OssCopy:AzureStorage:MaxItemsPerBatch"] = "50",
            ["OssCopy:AzureStorage:MessageVisibility"] = "00:00:02",
            ["OssCopy:AzureStorage:MaxDequeueCount"] = "3",
            ["OssCopy:AzureStorage:BatchLease"] = "00:00:04",
            ["Oss:Region"] = "cn-hangzhou",
            ["Oss:Endpoint"] = Server.BaseAddress.ToString(),
            ["Oss:UsePathStyle"] = "true",
            ["Oss:AccessKeyId"] = LocalOssOptions.DefaultAccessKeyId,
            ["Oss:AccessKeySecret"] = LocalOssOptions.DefaultAccessKeySecret,
            ["Oss:RetryBaseDelay"] = "00:00:00.005",
            ["Backup:ThrottleBackoff"] = "00:00:00.010",
            ["Backup:MaxParallelism"] = "8",
        };
        change?.Invoke(settings);
        return new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
    }

    /// <summary>One host (a worker process, or the CLI) composed as the CLI and Functions compose it.</summary>
    public static ServiceProvider Host(IConfiguration configuration)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddOssCopyAzureStorage(configuration);
        services.AddOssCopy(configuration);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }
}

/// <summary>Reads a report file or blob in the CLI's JSON shape: the totals and the objects.</summary>
internal static class ReportFile
{
    public static async Task<(ReportTotals Totals, List<ReportEntry> Objects, JsonElement Root)> ReadAsync(Stream json)
    {
        using var document = await JsonDocument.ParseAsync(json);
        var root = document.RootElement.Clone();
        var totals = root.GetProperty("totals").Deserialize<ReportTotals>(ReportJson.Options)!;
        var objects = root.GetProperty("objects").Deserialize<List<ReportEntry>>(ReportJson.Options)!;
        return (totals, objects, root);
    }

    /// <summary>What two runs of one plan must agree on: everything but timings and request ids.</summary>
    public static ReportEntry Comparable(ReportEntry entry) => entry with { RequestId = null, DurationMs = null };
}

/// <summary>Runs a plan through the queues with worker hosts until its run record says it finished.</summary>
internal sealed class DistributedRunDriver(IConfiguration configuration, int workers, int parallel = 1) : IAsyncDisposable
{
    private readonly List<ServiceProvider> _hosts = [.. Enumerable.Range(0, workers + 1).Select(_ => LocalOssServerFixture.Host(configuration))];

    public IServiceProvider Control => _hosts[0];

    public DistributedRunStarter Starter => Control.GetRequiredService<DistributedRunStarter>();

    public RunStore Runs => Control.GetRequiredService<RunStore>();

    public BlobReportStore Reports => Control.GetRequiredService<BlobReportStore>();

    public IServiceProvider Worker(int index) => _hosts[index + 1];

    /// <summary>Workers process messages until the run finishes (or the timeout passes: the run record then says how far it got).</summary>
    public async Task<RunRecord> WaitAsync(string plan, string runId, TimeSpan? timeout = null)
    {
        using var stop = new CancellationTokenSource();
        var running = _hosts.Skip(1).Select(h => h.GetRequiredService<DistributedWorker>().RunAsync(parallel, stop.Token)).ToList();
        try
        {
            var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
            while (true)
            {
                var run = await Runs.GetAsync(plan, runId, CancellationToken.None) ?? throw new InvalidOperationException($"Run {runId} is gone.");
                if (run.IsFinished || DateTime.UtcNow > deadline)
                {
                    return run;
                }

                await Task.Delay(100);
            }
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(running);
        }
    }

    public async Task<RunRecord> RunAsync(BackupPlan plan, DistributedRunOptions? options = null)
    {
        var start = await Starter.StartAsync(plan, options, CancellationToken.None);
        Assert.Equal(RunStartOutcome.Started, start.Outcome);
        return await WaitAsync(plan.Name, start.Run.RunId);
    }

    public async Task<(ReportTotals Totals, List<ReportEntry> Objects, JsonElement Root)> ReportAsync(string plan, string runId)
    {
        await using var stream = await Reports.OpenReadAsync(plan, runId, CancellationToken.None) ?? throw new InvalidOperationException($"Run {runId} has no report.");
        return await ReportFile.ReadAsync(stream);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }
    }
}
