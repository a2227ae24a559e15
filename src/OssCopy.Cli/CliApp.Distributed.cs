using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OssCopy.AzureStorage;
using OssCopy.AzureStorage.DistributedBackupRun;
using OssCopy.Core;
using OssCopy.Core.Backup;
using OssCopy.Core.Copying;
using OssCopy.Oss;
using OssCopy.Oss.Http;

namespace OssCopy.Cli;

/// <summary>
/// <c>osscopy backup --distributed</c> (the plan through the storage queues, with in-process workers) and
/// <c>osscopy worker</c> (a worker only): the same handlers the Functions app's queue triggers call.
/// </summary>
public sealed partial class CliApp
{
    private const string StorageVariable = "AzureWebJobsStorage";

    private sealed record DistributedArguments(string? Storage, int Workers, int KeyRanges = 1);

    private static (Option<bool> Distributed, Option<string?> Storage, Option<int?> Workers, Option<int?> KeyRanges) DistributedOptions() => (
        new Option<bool>("--distributed") { Description = "Run the plan through Azure Storage queues (list steps, copy batches) with in-process workers; other workers (osscopy worker, the Functions app) may join." },
        new Option<string?>("--storage") { Description = $"The Azure Storage connection string of the distributed run (default: ${StorageVariable}; UseDevelopmentStorage=true for Azurite)." },
        new Option<int?>("--workers") { Description = "Messages handled at once by this process in a distributed run (default 4)." },
        new Option<int?>("--key-ranges") { Description = $"Key ranges a distributed run lists in parallel, so copies spread over the key space (1–{KeyRangeSplitter.MaxRanges}, default 1; cut at the last run's sync ranges, else at the keys' first characters)." });

    private static DistributedArguments? DistributedArgumentsFrom(ParseResult parse, Option<bool> distributed, Option<string?> storage, Option<int?> workers, Option<int?> keyRanges) =>
        parse.GetValue(distributed) ? new DistributedArguments(parse.GetValue(storage), parse.GetValue(workers) ?? 4, parse.GetValue(keyRanges) ?? 1) : null;

    private Command WorkerCommand()
    {
        var storage = new Option<string?>("--storage") { Description = $"The Azure Storage connection string (default: ${StorageVariable})." };
        var parallel = new Option<int?>("--parallel") { Description = "Messages handled at once (default 4)." };
        var region = new Option<string?>("--region") { Description = "The OSS region of the plans this worker copies.", Required = true };
        var endpoint = new Option<string?>("--endpoint") { Description = "The OSS endpoint (host or URL)." };
        var pathStyle = new Option<bool>("--path-style") { Description = "Address buckets as /bucket/key." };
        var command = new Command("worker", "Handle the list steps and copy batches of distributed backup runs until stopped (Ctrl+C).")
        {
            storage, parallel, region, endpoint, pathStyle,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var workers = parse.GetValue(parallel) ?? 4;
            if (workers is < 1 or > 256)
            {
                return await UsageAsync("--parallel: must be between 1 and 256.");
            }

            var throttling = new ThrottleSignal();
            var (client, errors) = Connect(new PlanConnection { Region = parse.GetValue(region), Endpoint = parse.GetValue(endpoint), UsePathStyle = parse.GetValue(pathStyle) },
                new ThrottleSignalHandler(throttling, OssClient.CreatePrimaryHandler()));
            var connection = parse.GetValue(storage) ?? _env.GetVariable(StorageVariable);
            if (string.IsNullOrWhiteSpace(connection))
            {
                errors.Add($"--storage: the storage connection string is required (or ${StorageVariable}).");
            }

            if (client is null || errors.Count > 0)
            {
                return await UsageAsync([.. errors]);
            }

            await using var services = BuildDistributedServices(client, throttling, connection!);
            await services.GetRequiredService<DistributedRunStarter>().EnsureStorageAsync(cancellationToken);
            await _env.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Worker handling {workers} messages at once; Ctrl+C stops it (a batch under way is left to reappear)."));
            await services.GetRequiredService<DistributedWorker>().RunAsync(workers, cancellationToken);
            return Success;
        });
        return command;
    }

    private async Task<int> DistributedBackupAsync(BackupPlan plan, IOssClient client, ThrottleSignal throttling, FileInfo? reportPath, bool fullReconcile,
        CopyVerification? verification, bool dryRun, DistributedArguments args, CancellationToken cancellationToken)
    {
        var connection = args.Storage ?? _env.GetVariable(StorageVariable);
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(connection))
        {
            errors.Add($"--storage: a distributed run needs the storage connection string (or ${StorageVariable}).");
        }

        if (args.Workers is < 1 or > 256)
        {
            errors.Add("--workers: must be between 1 and 256.");
        }

        if (args.KeyRanges is < 1 or > KeyRangeSplitter.MaxRanges)
        {
            errors.Add($"--key-ranges: must be between 1 and {KeyRangeSplitter.MaxRanges}.");
        }

        if (errors.Count > 0)
        {
            return await UsageAsync([.. errors]);
        }

        await using var services = BuildDistributedServices(client, throttling, connection!);
        var runs = services.GetRequiredService<RunStore>();
        var start = await services.GetRequiredService<DistributedRunStarter>().StartAsync(plan, new DistributedRunOptions
        {
            Verification = verification, FullReconcile = fullReconcile, DryRun = dryRun, KeyRanges = args.KeyRanges,
        }, cancellationToken);
        await _env.Out.WriteLineAsync(start.Outcome switch
        {
            RunStartOutcome.AlreadyActive => $"Plan {plan.Name} has an active run {start.Run.RunId}: this command works on it until it ends.",
            RunStartOutcome.TookOver => $"Run {start.Run.RunId} of plan {plan.Name} had stopped: taken over and resumed.",
            _ => $"Started distributed run {start.Run.RunId} of plan {plan.Name}.",
        });

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var workers = services.GetRequiredService<DistributedWorker>().RunAsync(args.Workers, stop.Token);
        RunRecord run;
        try
        {
            run = await WaitForRunAsync(runs, start.Run, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await stop.CancelAsync();
            await workers;
            await _env.Error.WriteLineAsync("Stopped. The run stays in the queues: other workers go on with it, and the next start resumes it once its heartbeat is stale.");
            return SomeFailed;
        }

        await stop.CancelAsync();
        await workers;
        if (run.Status != RunStatus.Completed)
        {
            await _env.Error.WriteLineAsync($"The run failed: {run.Error}");
            return SomeFailed;
        }

        var report = await ReadReportAsync(services.GetRequiredService<BlobReportStore>(), run, reportPath, cancellationToken);
        SummaryPrinter.Print(_env.Console, report, reportPath?.FullName);
        return report.HasFailures ? SomeFailed : report.HasRestoring ? Restoring : Success;
    }

    private async Task<RunRecord> WaitForRunAsync(RunStore runs, RunRecord started, CancellationToken cancellationToken)
    {
        var run = started;
        while (true)
        {
            await Task.Delay(run.IsFinished ? TimeSpan.Zero : _env.ProgressInterval, cancellationToken);
            run = await runs.GetAsync(started.Plan, started.RunId, cancellationToken) ?? throw new InvalidOperationException($"Run {started.RunId} is gone from the runs table.");
            if (run.IsFinished)
            {
                return run;
            }

            await _env.Out.WriteLineAsync(ProgressLine(run.Progress(DateTimeOffset.UtcNow)));
        }
    }

    internal static string ProgressLine(RunProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        return string.Create(CultureInfo.InvariantCulture,
            $"[{progress.Elapsed:hh\\:mm\\:ss}] {progress.Status}: listed {progress.Listed}, copied {progress.Copied}/{progress.Enqueued}" +
            $"{(progress.Status == RunStatus.Listing ? "+" : string.Empty)} ({Sizes.Format(progress.CopiedBytes)}), failed {progress.Failed}, " +
            $"batches {progress.BatchesCompleted}/{progress.BatchesEnqueued}, {Sizes.Format((long)progress.BytesPerSecond)}/s, {progress.ObjectsPerSecond:0} objects/s");
    }

    /// <summary>The run's report blob: copied to <paramref name="reportPath"/> when given; its header and totals read for the summary.</summary>
    private static async Task<CopyReport> ReadReportAsync(BlobReportStore reports, RunRecord run, FileInfo? reportPath, CancellationToken cancellationToken)
    {
        await using var blob = await reports.OpenReadAsync(run.Plan, run.RunId, cancellationToken)
            ?? throw new InvalidOperationException($"Run {run.RunId} completed without a report blob.");
        if (reportPath is null)
        {
            return await JsonSerializer.DeserializeAsync<CopyReport>(blob, ReportJson.Options, cancellationToken)
                ?? throw new InvalidOperationException("The report blob holds no report.");
        }

        await using (var file = new FileStream(reportPath.FullName, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
        {
            await blob.CopyToAsync(file, cancellationToken);
        }

        await using var written = File.OpenRead(reportPath.FullName);
        return await JsonSerializer.DeserializeAsync<CopyReport>(written, ReportJson.Options, cancellationToken)
            ?? throw new InvalidOperationException("The report holds no report.");
    }

    /// <summary>The CLI's engine (over the client made from the flags) plus the storage building blocks (<c>AddOssCopyAzureStorage</c>).</summary>
    private static ServiceProvider BuildDistributedServices(IOssClient client, ThrottleSignal throttling, string storageConnection)
    {
        // Environment variables first, as the Functions app reads its settings (OssCopy__AzureStorage__MessageVisibility,
        // the queue names, ...): a worker's batches may need another visibility than the default. The connection given wins.
        var configuration = new ConfigurationBuilder()
            .AddEnvironmentVariables()
            .AddInMemoryCollection(new Dictionary<string, string?> { [StorageVariable] = storageConnection })
            .Build();
        var services = new ServiceCollection();
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        services.AddSingleton(client);
        services.AddOssRequestCounting();
        services.AddSingleton(throttling);

        // Storage first: its state store (blobs) is the one the engine's copier keeps lineage and manifests in.
        services.AddOssCopyAzureStorage(configuration);
        services.AddOssCopyEngine(configuration);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }
}
