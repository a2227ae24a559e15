using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OssCopy.AzureStorage;
using OssCopy.AzureStorage.DistributedBackupRun;
using OssCopy.AzureStorage.Tests;
using OssCopy.Core;
using OssCopy.Core.Backup;

namespace OssCopy.Reliability.Tests.Support;

/// <summary>
/// A control host and worker hosts of one distributed run, composed as the CLI and the Functions app compose them
/// (<c>AddOssCopyAzureStorage</c> + <c>AddOssCopy</c>) over Azurite and a LocalOss, each log line captured.
/// </summary>
internal sealed class DistributedHosts : IAsyncDisposable
{
    private readonly List<ServiceProvider> _hosts;

    public DistributedHosts(IConfiguration configuration, int workers, CapturedLog log)
    {
        _hosts = [.. Enumerable.Range(0, workers + 1).Select(_ =>
        {
            var services = new ServiceCollection();
            services.AddLogging(b => b.AddProvider(log).SetMinimumLevel(LogLevel.Trace));
            services.AddOssCopyAzureStorage(configuration);
            services.AddOssCopy(configuration);
            return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        })];
    }

    public IServiceProvider Control => _hosts[0];

    public RunStore Runs => Control.GetRequiredService<RunStore>();

    public static IConfiguration Configuration(AzuriteFixture azurite, LocalOssWorld oss, AzureStorageOptions names, IDictionary<string, string?>? overrides = null)
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
            ["OssCopy:AzureStorage:MessageVisibility"] = "00:00:05",
            ["OssCopy:AzureStorage:MaxDequeueCount"] = "5",
            ["Oss:Region"] = "cn-hangzhou",
            ["Oss:Endpoint"] = oss.Endpoint,
            ["Oss:UsePathStyle"] = "true",
            ["Oss:AccessKeyId"] = SecretScan.AccessKeyId,
            ["Oss:AccessKeySecret"] = SecretScan.AccessKeySecret,
            ["Oss:RetryBaseDelay"] = "00:00:00.005",
            ["Backup:ThrottleBackoff"] = "00:00:00.010",
            ["Backup:MaxParallelism"] = "8",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
    }

    /// <summary>Starts the plan's run (or joins the active one) and lets the workers go until it finishes or <paramref name="timeout"/> passes.</summary>
    public async Task<RunRecord> RunAsync(BackupPlan plan, TimeSpan timeout, int parallel = 2)
    {
        var start = await Control.GetRequiredService<DistributedRunStarter>().StartAsync(plan, null, CancellationToken.None);
        return await WaitAsync(plan.Name, start.Run.RunId, timeout, parallel);
    }

    public async Task<RunRecord> WaitAsync(string plan, string runId, TimeSpan timeout, int parallel = 2)
    {
        using var stop = new CancellationTokenSource();
        var running = _hosts.Skip(1).Select(h => h.GetRequiredService<DistributedWorker>().RunAsync(parallel, stop.Token)).ToList();
        try
        {
            var deadline = DateTime.UtcNow + timeout;
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

    public async Task<ReportFile> ReportAsync(string plan, string runId)
    {
        await using var stream = await Control.GetRequiredService<BlobReportStore>().OpenReadAsync(plan, runId, CancellationToken.None)
            ?? throw new InvalidOperationException($"Run {runId} has no report.");
        using var reader = new StreamReader(stream);
        return ReportFile.Parse(await reader.ReadToEndAsync());
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }
    }
}
