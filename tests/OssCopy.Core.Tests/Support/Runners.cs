using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OssCopy.Core.Backup;
using OssCopy.Core.Copying;
using OssCopy.Core.State;
using OssCopy.Oss;

namespace OssCopy.Core.Tests.Support;

public static class Runners
{
    public static BackupRunner Create(InMemoryOss oss, ICopyStateStore? store = null, Action<BackupRunnerOptions>? configure = null,
        Action<CopyEngineOptions>? engine = null, TimeProvider? time = null) =>
        Services(oss.Client, store, configure, engine, time).GetRequiredService<BackupRunner>();

    /// <summary>
    /// The engine as hosts compose it (<c>AddOssCopyEngine</c> over the given client, requests counted), with the
    /// tests' defaults: small parts, no throttle backoff, three keys per listing page.
    /// </summary>
    public static ServiceProvider Services(IOssClient client, ICopyStateStore? store = null, Action<BackupRunnerOptions>? configure = null,
        Action<CopyEngineOptions>? engine = null, TimeProvider? time = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton(client);
        services.AddOssRequestCounting();
        services.AddSingleton(store ?? NullCopyStateStore.Instance);
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        services.AddOssCopyEngine(new ConfigurationBuilder().Build());
        services.Configure<CopyEngineOptions>(o =>
        {
            o.MultipartThreshold = 1024 * 1024;
            o.PartSize = CopyEngineOptions.MinPartSize;
            engine?.Invoke(o);
        });
        services.Configure<BackupRunnerOptions>(o =>
        {
            o.ThrottleBackoff = TimeSpan.Zero;
            o.ListPageSize = 3;
            configure?.Invoke(o);
        });
        return services.BuildServiceProvider();
    }

    public static BackupPlan Plan(string name = "nightly", string sourcePrefix = "data/", string destinationPrefix = "backup/") => new()
    {
        Name = name,
        Source = new BucketLocation { Bucket = "src-bucket", Prefix = sourcePrefix },
        Destination = new BucketLocation { Bucket = "dst-bucket", Prefix = destinationPrefix },
    };

    /// <summary>
    /// Starts the plan with slow copies, cancels it once <paramref name="copies"/> are done (checkpoints every 20 ms),
    /// checks it stopped as cancelled, and puts the copies back to full speed for the run that resumes.
    /// </summary>
    public static async Task RunAndCancelAfterAsync(InMemoryOss oss, ICopyStateStore store, int copies)
    {
        oss.CopyDelay = TimeSpan.FromMilliseconds(15);
        using var cts = new CancellationTokenSource();
        var progress = new BackupProgress();
        var run = Create(oss, store, o => o.CheckpointInterval = TimeSpan.FromMilliseconds(20))
            .RunAsync(Plan(), new BackupRunOptions { Parallelism = 4, Progress = progress }, cts.Token);
        while (progress.Copied < copies)
        {
            await Task.Delay(5);
        }

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        oss.CopyDelay = TimeSpan.Zero;
    }

    /// <summary>Collects the report's entries in memory.</summary>
    public sealed class MemorySink : IReportSink
    {
        public List<ReportEntry> Entries { get; } = [];

        public CopyReport? Header { get; private set; }

        public CopyReport? Final { get; private set; }

        public ValueTask StartAsync(CopyReport header, CancellationToken cancellationToken)
        {
            Header = header;
            return ValueTask.CompletedTask;
        }

        public ValueTask WriteAsync(ReportEntry entry, CancellationToken cancellationToken)
        {
            lock (Entries)
            {
                Entries.Add(entry);
            }

            return ValueTask.CompletedTask;
        }

        public ValueTask CompleteAsync(CopyReport report, CancellationToken cancellationToken)
        {
            Final = report;
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
