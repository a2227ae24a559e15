using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using LocalOss;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OssCopy.AzureStorage;
using OssCopy.Core;
using OssCopy.Core.Backup;
using OssCopy.Functions;
using OssCopy.Functions.Backups;
using OssCopy.Oss;
using OssCopy.Oss.Credentials;
using OssCopy.Oss.Models;

namespace OssCopy.Bench;

internal sealed record FunctionsQueueReport(
    MachineDescription Machine, int Objects, double InProcessObjectsPerSecond, double FunctionsObjectsPerSecond, long Batches, int Invocations, int FailedInvocations)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public void Print(TextWriter output)
    {
        output.WriteLine(I($"Backup of {Objects:N0} objects through LocalOss (in memory) on {Machine}"));
        output.WriteLine(I($"  in process (BackupRunner)                      {InProcessObjectsPerSecond,10:N0} objects/s"));
        output.WriteLine(I($"  Functions app queue path (1 host)              {FunctionsObjectsPerSecond,10:N0} objects/s  ({Batches} batches, {Invocations} invocations, {FailedInvocations} failed, {FunctionsObjectsPerSecond / InProcessObjectsPerSecond:0.00}x)"));
    }

    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, JsonSerializer.Serialize(this, Json) + "\n");
    }

    private static string I(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// The same plan in process (BackupRunner) and through the Functions app's queue path: the app built by its own
/// composition root (ConfigureOssCopyFunctions), a run started as POST /api/backups/{plan}/runs starts it, and its
/// list/copy queue messages delivered from Azurite to the app's queue-trigger functions by <see cref="QueuePump"/>,
/// as the host's queue listener would (host.json's batchSize, dequeue count, poison queue after maxDequeueCount).
/// Informational: no floor; fails only when the run does not copy every object.
/// </summary>
internal static class FunctionsQueueSection
{
    private const int DefaultObjects = 5_000;
    private const string Source = "fn-source";
    private const string Plan = "bench-functions";

    internal static int Run(BenchContext context) => RunAsync(context).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(BenchContext context)
    {
        var objects = context.Objects ?? DefaultObjects;
        using var azurite = await DistributedSection.Azurite.StartAsync();
        await using var server = await LocalOssServer.StartAsync(new LocalOssOptions { Port = 0, DataDirectory = null });
        var client = OssClient.Create(
            new OssClientOptions { Region = "cn-hangzhou", Endpoint = server.BaseAddress.ToString(), UsePathStyle = true },
            new StaticCredentialsProvider(new OssCredentials(LocalOssOptions.DefaultAccessKeyId, LocalOssOptions.DefaultAccessKeySecret)));
        foreach (var bucket in new[] { Source, "fn-inprocess", "fn-queued" })
        {
            await client.PutBucketAsync(new PutBucketRequest { Bucket = bucket });
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seeding {objects:N0} objects"));
        await Parallel.ForEachAsync(Enumerable.Range(0, objects), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
            await client.PutObjectAsync(new PutObjectRequest { Bucket = Source, Key = $"data/{i:D6}", Body = new MemoryStream(new byte[256 + (i % 512)]) }, ct));

        var settings = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["BackupSchedule"] = "0 0 0 1 1 *",
            ["Oss:Region"] = "cn-hangzhou",
            ["Oss:Endpoint"] = server.BaseAddress.ToString(),
            ["Oss:UsePathStyle"] = "true",
            ["Oss:AccessKeyId"] = LocalOssOptions.DefaultAccessKeyId,
            ["Oss:AccessKeySecret"] = LocalOssOptions.DefaultAccessKeySecret,
            ["OSS_ACCESS_KEY_ID"] = LocalOssOptions.DefaultAccessKeyId,
            ["OSS_ACCESS_KEY_SECRET"] = LocalOssOptions.DefaultAccessKeySecret,
            [$"OssCopy:Backups:Plans:{Plan}:Json"] = JsonSerializer.Serialize(new
            {
                name = Plan,
                source = new { bucket = Source, prefix = "data/" },
                destination = new { bucket = "fn-queued", prefix = "copy/" },
            }),
        };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

        // In process: the engine alone, as the distributed section measures it.
        var inProcess = new ServiceCollection().AddLogging();
        inProcess.AddOssCopy(configuration);
        double inProcessRate;
        await using (var provider = inProcess.BuildServiceProvider())
        {
            var stopwatch = Stopwatch.StartNew();
            var report = await provider.GetRequiredService<BackupRunner>().RunAsync(new BackupPlan
            {
                Name = "bench-inprocess",
                Source = new BucketLocation { Bucket = Source, Prefix = "data/" },
                Destination = new BucketLocation { Bucket = "fn-inprocess", Prefix = "copy/" },
            });
            inProcessRate = report.Totals.Copied / stopwatch.Elapsed.TotalSeconds;
            if (report.Totals.Copied != objects)
            {
                throw new BenchmarkFailedException($"The in-process run copied {report.Totals.Copied} of {objects}.");
            }
        }

        // The Functions app, built as its Program builds it.
        var builder = FunctionsApplication.CreateBuilder([]);
        builder.Configuration.AddInMemoryCollection(settings);
        builder.ConfigureOssCopyFunctions();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        using var app = builder.Build();
        var queues = AzureStorageClients.FromConnectionString(azurite.ConnectionString).Queues;
        var pump = new QueuePump(app.Services, queues.GetQueueClient);
        await pump.CreateQueuesAsync();

        var runs = app.Services.GetRequiredService<RunStore>();
        var functionsWatch = Stopwatch.StartNew();
        // What POST /api/backups/{plan}/runs does (BackupsFunction.StartAsync) without the HTTP envelope.
        var plan = app.Services.GetRequiredService<BackupPlanCatalog>().Find(Plan) ?? throw new BenchmarkFailedException($"Plan {Plan} is not configured.");
        var start = await app.Services.GetRequiredService<BackupScheduler>().StartAsync(plan, "the bench", CancellationToken.None);
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        RunRecord run;
        var pumping = pump.RunAsync(stop.Token);
        while (!(run = (await runs.GetAsync(start.Run.Plan, start.Run.RunId, CancellationToken.None))!).IsFinished && !pumping.IsCompleted)
        {
            await Task.Delay(100);
        }

        var functionsRate = run.Totals.Copied / functionsWatch.Elapsed.TotalSeconds;
        await stop.CancelAsync();
        await pumping.ContinueWith(_ => { }, TaskScheduler.Default);
        if (pumping.IsFaulted)
        {
            throw new BenchmarkFailedException($"The queue pump failed: {pumping.Exception!.GetBaseException().Message}");
        }

        if (run.Status != RunStatus.Completed || run.Totals.Copied != objects)
        {
            throw new BenchmarkFailedException($"The Functions run ended {run.Status} with {run.Totals.Copied} of {objects} copied.");
        }

        var result = new FunctionsQueueReport(MachineDescription.Current(), objects, inProcessRate, functionsRate, run.BatchesEnqueued, pump.Invocations, pump.Failures);
        result.Print(Console.Out);
        result.Save(Path.Combine(context.ResultsFolder, "functions.json"));
        return 0;
    }

    /// <summary>
    /// Plays the Functions host's queue listener for the backup triggers: receives up to host.json's batchSize (8) messages
    /// per queue, invokes the app's function (a scope per invocation, as the worker does) with the dequeue count, deletes
    /// the message when it returns, makes it visible again when it throws, and after maxDequeueCount (5) failed
    /// deliveries moves it to the poison queue, whose trigger then gets it.
    /// </summary>
    private sealed class QueuePump
    {
        private const int BatchSize = 8;
        private const int MaxDequeueCount = 5;

        private readonly IServiceProvider _services;
        private readonly IReadOnlyList<(QueueClient Queue, QueueClient? Poison, Func<BackupQueueFunctions, QueueMessage, CancellationToken, Task> Run)> _triggers;
        private int _invocations;
        private int _failures;

        public QueuePump(IServiceProvider services, Func<string, QueueClient> queue)
        {
            _services = services;
            _triggers =
            [
                (queue(BackupQueueFunctions.ListQueue), queue(BackupQueueFunctions.ListPoisonQueue), (f, m, ct) => f.HandleListStepAsync(m.Body.ToString(), m.DequeueCount, ct)),
                (queue(BackupQueueFunctions.CopyQueue), queue(BackupQueueFunctions.CopyPoisonQueue), (f, m, ct) => f.HandleCopyBatchAsync(m.Body.ToString(), m.DequeueCount, ct)),
                (queue(BackupQueueFunctions.ListPoisonQueue), null, (f, m, ct) => f.HandleListStepPoisonAsync(m.Body.ToString(), ct)),
                (queue(BackupQueueFunctions.CopyPoisonQueue), null, (f, m, ct) => f.HandleCopyBatchPoisonAsync(m.Body.ToString(), ct)),
            ];
        }

        public int Invocations => Volatile.Read(ref _invocations);

        public int Failures => Volatile.Read(ref _failures);

        public async Task CreateQueuesAsync()
        {
            foreach (var (queue, _, _) in _triggers)
            {
                await queue.CreateIfNotExistsAsync();
            }
        }

        /// <summary>One listener loop per queue, as the host polls each trigger's queue on its own, until cancelled.</summary>
        public Task RunAsync(CancellationToken cancellationToken) =>
            Task.WhenAll(_triggers.Select(t => ListenAsync(t.Queue, t.Poison, t.Run, cancellationToken)));

        private async Task ListenAsync(QueueClient queue, QueueClient? poison, Func<BackupQueueFunctions, QueueMessage, CancellationToken, Task> run, CancellationToken cancellationToken)
        {
            try
            {
                while (!cancellationToken.IsCancellationRequested)
                {
                    QueueMessage[] messages = (await queue.ReceiveMessagesAsync(BatchSize, TimeSpan.FromSeconds(30), cancellationToken)).Value;
                    if (messages.Length == 0)
                    {
                        await Task.Delay(50, cancellationToken);
                        continue;
                    }

                    await Task.WhenAll(messages.Select(m => DeliverAsync(queue, poison, run, m)));
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Stopped: the run is over.
            }
        }

        private async Task DeliverAsync(QueueClient queue, QueueClient? poison, Func<BackupQueueFunctions, QueueMessage, CancellationToken, Task> run, QueueMessage message)
        {
            using var scope = _services.CreateScope();
            var function = ActivatorUtilities.CreateInstance<BackupQueueFunctions>(scope.ServiceProvider);
            Interlocked.Increment(ref _invocations);
            try
            {
                await run(function, message, CancellationToken.None);
            }
            catch (Exception) when (poison is not null)
            {
                Interlocked.Increment(ref _failures);
                if (message.DequeueCount >= MaxDequeueCount)
                {
                    await poison.SendMessageAsync(message.Body);
                    await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
                }
                else
                {
                    await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.Zero);
                }

                return;
            }

            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
        }
    }
}
