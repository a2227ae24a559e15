using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using LocalOss;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OssCopy.AzureStorage;
using OssCopy.Core;
using OssCopy.Core.Backup;
using OssCopy.Core.Copying;
using OssCopy.Functions;
using OssCopy.Functions.Backups;
using OssCopy.Functions.Copy;
using OssCopy.Oss;
using OssCopy.Oss.Credentials;
using OssCopy.Oss.Models;

namespace OssCopy.Bench;

internal sealed record FunctionsQueueReport(
    MachineDescription Machine, int Objects, double InProcessObjectsPerSecond, double FunctionsObjectsPerSecond, long Batches, int Invocations, int FailedInvocations,
    QueuedCopiesReport QueuedCopies)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public void Print(TextWriter output)
    {
        output.WriteLine(I($"Backup of {Objects:N0} objects through LocalOss (in memory) on {Machine}"));
        output.WriteLine(I($"  in process (BackupRunner)                      {InProcessObjectsPerSecond,10:N0} objects/s"));
        output.WriteLine(I($"  Functions app queue path (1 host)              {FunctionsObjectsPerSecond,10:N0} objects/s  ({Batches} batches, {Invocations} invocations, {FailedInvocations} failed, {FunctionsObjectsPerSecond / InProcessObjectsPerSecond:0.00}x)"));
        QueuedCopies.Print(output);
    }

    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, JsonSerializer.Serialize(this, Json) + "\n");
    }

    private static string I(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// Single copies that the webhook queues (<c>POST /api/copy</c> answered 202, run by <c>CopyRequests</c> from
/// <c>osscopy-copy-requests</c>) against the same copies made by the engine directly, with as many in flight.
/// </summary>
internal sealed record QueuedCopiesReport(
    int Copies, long SmallestBytes, long LargestBytes, long MultipartThresholdBytes, int InFlight,
    double EngineCopiesPerSecond, double QueuedCopiesPerSecond, double AcceptedPerSecond, double AcceptedP50Milliseconds, double AcceptedP95Milliseconds,
    int Invocations, int FailedInvocations, long EnginePartCopies, long QueuedPartCopies)
{
    public void Print(TextWriter output)
    {
        output.WriteLine(I($"Queued single copies: {Copies:N0} objects of {SmallestBytes:N0} to {LargestBytes:N0} bytes, CopyEngine:MultipartThreshold {MultipartThresholdBytes:N0} (so every copy is multipart), {InFlight} in flight"));
        output.WriteLine(I($"  engine directly (CopyOrchestrator)             {EngineCopiesPerSecond,10:N0} copies/s   ({EnginePartCopies:N0} UploadPartCopy)"));
        output.WriteLine(I($"  POST /api/copy -> 202 -> queue -> Succeeded    {QueuedCopiesPerSecond,10:N0} copies/s   ({QueuedPartCopies:N0} UploadPartCopy, {Invocations} invocations, {FailedInvocations} failed, {QueuedCopiesPerSecond / EngineCopiesPerSecond:0.00}x)"));
        output.WriteLine(I($"  POST /api/copy -> 202 (the answers alone)      {AcceptedPerSecond,10:N0} copies/s   (latency p50 {AcceptedP50Milliseconds:0.0} ms, p95 {AcceptedP95Milliseconds:0.0} ms)"));
    }

    private static string I(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// The same plan in process (BackupRunner) and through the Functions app's queue path: the app built by its own
/// composition root (ConfigureOssCopyFunctions), a run started as POST /api/backups/{plan}/runs starts it, and its
/// list/copy queue messages delivered from Azurite to the app's queue-trigger functions by <see cref="QueuePump"/>,
/// as the host's queue listener would (host.json's batchSize, dequeue count, poison queue after maxDequeueCount).
/// Then, in the same run, queued single copies: M webhook copies (<c>BENCH_FUNCTIONS_COPIES</c>, default 500) that the
/// app's multipart forecast sends to the queue, POSTed to its <c>Copy</c> function, vs the same copies by the engine.
/// Informational: no floor; fails when the run does not copy every object, or a queued copy does not end Succeeded
/// with a destination whose CRC-64 is the source's.
/// </summary>
internal static class FunctionsQueueSection
{
    private const int DefaultObjects = 5_000;
    private const int DefaultCopies = 500;
    private const string CopiesVariable = "BENCH_FUNCTIONS_COPIES";
    private const string Source = "fn-source";
    private const string Plan = "bench-functions";

    // Low enough that small objects just above it go multipart, which the webhook's forecast sends to the queue; the
    // backup's objects (256 to 767 bytes) stay far below it, so that part copies as before. Parts are OSS's smallest
    // (100 KiB), so each queued copy is one UploadPartCopy between InitiateMultipartUpload and CompleteMultipartUpload.
    private const long MultipartThreshold = 64 * CopyEngineOptions.KiB;
    private const long PartSize = CopyEngineOptions.MinPartSize;

    // host.json's queues.batchSize: the copies the host runs at once from one queue; the engine gets as many.
    private const int CopiesInFlight = 8;

    internal static int Run(BenchContext context) => RunAsync(context).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(BenchContext context)
    {
        var objects = context.Objects ?? DefaultObjects;
        var copies = CopiesToMake();
        using var azurite = await DistributedSection.Azurite.StartAsync();
        await using var server = await LocalOssServer.StartAsync(new LocalOssOptions { Port = 0, DataDirectory = null });
        var client = OssClient.Create(
            new OssClientOptions { Region = "cn-hangzhou", Endpoint = server.BaseAddress.ToString(), UsePathStyle = true },
            new StaticCredentialsProvider(new OssCredentials(LocalOssOptions.DefaultAccessKeyId, LocalOssOptions.DefaultAccessKeySecret)));
        foreach (var bucket in new[] { Source, "fn-inprocess", "fn-queued", "fn-engine-copies", "fn-queued-copies" })
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
            ["CopyEngine:MultipartThreshold"] = MultipartThreshold.ToString(CultureInfo.InvariantCulture),
            ["CopyEngine:PartSize"] = PartSize.ToString(CultureInfo.InvariantCulture),
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
        var pump = QueuePump.ForBackups(app.Services, queues.GetQueueClient);
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

        var queuedCopies = await MeasureQueuedCopiesAsync(app.Services, client, server, queues.GetQueueClient, copies);
        var result = new FunctionsQueueReport(MachineDescription.Current(), objects, inProcessRate, functionsRate, run.BatchesEnqueued, pump.Invocations, pump.Failures, queuedCopies);
        result.Print(Console.Out);
        result.Save(Path.Combine(context.ResultsFolder, "functions.json"));
        return 0;
    }

    private static int CopiesToMake()
    {
        var text = Environment.GetEnvironmentVariable(CopiesVariable);
        if (string.IsNullOrEmpty(text))
        {
            return DefaultCopies;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var copies) && copies > 0
            ? copies
            : throw new BenchmarkFailedException($"{CopiesVariable} must be a positive whole number, not '{text}'.");
    }

    /// <summary>Just over the threshold, and each a different size, so a copy that took the wrong object shows in its length.</summary>
    private static int SingleCopySize(int index) => (int)MultipartThreshold + 1 + (index % 1024);

    /// <summary>
    /// <paramref name="copies"/> objects just over the multipart threshold, copied by the engine directly (the app's own
    /// CopyOrchestrator, <see cref="CopiesInFlight"/> at once), then POSTed to the app's Copy function (as many at once)
    /// while a pump runs the copies it queues. Afterwards every queued copy's status is read from the app's status
    /// function and every destination is HEADed: anything but Succeeded, or a CRC-64 other than the source's, fails the section.
    /// </summary>
    private static async Task<QueuedCopiesReport> MeasureQueuedCopiesAsync(
        IServiceProvider app, OssClient client, LocalOssServer server, Func<string, QueueClient> queue, int copies)
    {
        const string EngineDestination = "fn-engine-copies";
        const string QueuedDestination = "fn-queued-copies";
        Console.WriteLine(I($"seeding {copies:N0} objects for single copies"));
        var keys = Enumerable.Range(0, copies).Select(i => I($"single/{i:D6}")).ToArray();
        await Parallel.ForEachAsync(Enumerable.Range(0, copies), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
        {
            var content = new byte[SingleCopySize(i)];
            new Random(i).NextBytes(content);
            await client.PutObjectAsync(new PutObjectRequest { Bucket = Source, Key = keys[i], Body = new MemoryStream(content) }, ct);
        });

        // The engine directly: the app's own orchestrator (same CopyEngine options, same OSS client).
        var orchestrator = app.GetRequiredService<CopyOrchestrator>();
        async ValueTask EngineCopyAsync(string key, string destinationKey, CancellationToken cancellationToken)
        {
            var outcome = await orchestrator.CopyAsync(new CopyRequest { Bucket = EngineDestination, Key = destinationKey, SourceBucket = Source, SourceKey = key }, cancellationToken);
            if (outcome.Status != CopyStatus.Copied || outcome.Strategy != CopyStrategy.Multipart)
            {
                throw new BenchmarkFailedException($"The engine's copy of {key} ended {outcome.Status} ({outcome.Strategy}), not copied in parts.");
            }
        }

        // One untimed copy first on each path: the code's first run (JIT) and, on the queued path, the copies table's creation are not what is measured.
        await EngineCopyAsync(keys[0], "warmup/" + keys[0], CancellationToken.None);
        var partCopiesBefore = server.Counters["UploadPartCopy"];
        var engineWatch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = CopiesInFlight }, (key, ct) => EngineCopyAsync(key, key, ct));
        var engineRate = copies / engineWatch.Elapsed.TotalSeconds;
        var enginePartCopies = server.Counters["UploadPartCopy"] - partCopiesBefore;

        // Through the app: POST /api/copy (202, queued by the multipart forecast), the pump delivering the queue's messages.
        var delivered = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        var pump = QueuePump.ForCopyRequests(app, queue, message =>
        {
            if (CopyRequestMessage.Parse(message.Body.ToString()) is { } parsed)
            {
                delivered[parsed.Id] = true;
            }
        });
        await pump.CreateQueuesAsync();
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        var pumping = pump.RunAsync(stop.Token);

        // The copy's id and how long the 202 took.
        async Task<(string Id, double Milliseconds)> PostCopyAsync(string key, string destinationKey)
        {
            var body = JsonSerializer.SerializeToUtf8Bytes(new { bucket = QueuedDestination, key = destinationKey, sourceBucket = Source, sourceKey = key });
            var started = Stopwatch.GetTimestamp();
            var answer = await InvokeAsync<CopyFunction>(app, HttpMethods.Post, "/api/copy", body, (f, r) => f.RunAsync(r));
            var milliseconds = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (answer.Status != StatusCodes.Status202Accepted || !answer.Headers.TryGetValue("Location", out var location))
            {
                throw new BenchmarkFailedException($"POST /api/copy for {key} answered {answer.Status}, not 202 with a Location: {answer.Text}");
            }

            return (location[(location.LastIndexOf('/') + 1)..], milliseconds);
        }

        // Until each copy's message went through the queue function, which returns once the outcome is recorded.
        async Task AwaitDeliveredAsync(IEnumerable<string> ids)
        {
            while (ids.Any(id => !delivered.ContainsKey(id)) && !pumping.IsCompleted)
            {
                await Task.Delay(20);
            }
        }

        var warmup = (await PostCopyAsync(keys[0], "warmup/" + keys[0])).Id;
        await AwaitDeliveredAsync([warmup]);
        var (invocationsBefore, failuresBefore) = (pump.Invocations, pump.Failures);
        var ids = new string[copies];
        var latencies = new double[copies];
        partCopiesBefore = server.Counters["UploadPartCopy"];
        var queuedWatch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, copies), new ParallelOptions { MaxDegreeOfParallelism = CopiesInFlight }, async (i, _) =>
            (ids[i], latencies[i]) = await PostCopyAsync(keys[i], keys[i]));
        var acceptedRate = copies / queuedWatch.Elapsed.TotalSeconds;
        await AwaitDeliveredAsync(ids);
        var queuedRate = copies / queuedWatch.Elapsed.TotalSeconds;
        var queuedPartCopies = server.Counters["UploadPartCopy"] - partCopiesBefore;
        var (invocations, failures) = (pump.Invocations - invocationsBefore, pump.Failures - failuresBefore);
        var latenciesSorted = latencies.Order().ToArray();

        // Each queued copy as GET /api/copy/{id} tells it: the outcome, Succeeded, copied in parts (the pump keeps running
        // meanwhile, so a copy whose delivery returned before its outcome was final still gets there).
        await Parallel.ForEachAsync(ids.Prepend(warmup), new ParallelOptions { MaxDegreeOfParallelism = CopiesInFlight }, async (id, ct) =>
        {
            while (true)
            {
                var status = await InvokeAsync<CopyStatusFunction>(app, HttpMethods.Get, AsyncCopyRunner.LocationOf(id), [], (f, r) => f.RunAsync(r, id));
                if (status.Status == StatusCodes.Status202Accepted && !pumping.IsCompleted && !stop.IsCancellationRequested)
                {
                    await Task.Delay(100, ct);
                    continue;
                }

                status.Headers.TryGetValue(CopyStatusFunction.StatusHeader, out var state);
                if (status.Status != StatusCodes.Status200OK || state != nameof(CopyRunStatus.Succeeded)
                    || status.Field("status") != nameof(CopyStatus.Copied) || status.Field("strategy") != nameof(CopyStrategy.Multipart))
                {
                    throw new BenchmarkFailedException($"Queued copy {id} ended {state ?? "unknown"} (HTTP {status.Status}), not a Succeeded multipart copy: {status.Text}");
                }

                return;
            }
        });

        await stop.CancelAsync();
        await pumping.ContinueWith(_ => { }, TaskScheduler.Default);
        if (pumping.IsFaulted)
        {
            throw new BenchmarkFailedException($"The copy-requests pump failed: {pumping.Exception!.GetBaseException().Message}");
        }

        // Each destination holds its object: same length and CRC-64 as the source.
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (key, ct) =>
        {
            var source = (await client.HeadObjectAsync(new HeadObjectRequest { Bucket = Source, Key = key }, ct)).Properties;
            foreach (var destination in new[] { EngineDestination, QueuedDestination })
            {
                var copy = (await client.HeadObjectAsync(new HeadObjectRequest { Bucket = destination, Key = key }, ct)).Properties;
                if (copy.HashCrc64 is null || copy.HashCrc64 != source.HashCrc64 || copy.ContentLength != source.ContentLength)
                {
                    throw new BenchmarkFailedException(
                        $"{destination}/{key} has CRC-64 {copy.HashCrc64} and {copy.ContentLength} bytes; the source has {source.HashCrc64} and {source.ContentLength}.");
                }
            }
        });

        return new QueuedCopiesReport(copies, SingleCopySize(0), SingleCopySize(Math.Min(copies, 1024) - 1), MultipartThreshold, CopiesInFlight,
            engineRate, queuedRate, acceptedRate, Percentile(latenciesSorted, 0.50), Percentile(latenciesSorted, 0.95), invocations, failures,
            enginePartCopies, queuedPartCopies);
    }

    /// <summary>Nearest rank: the smallest value with at least <paramref name="share"/> of the values at or below it.</summary>
    private static double Percentile(double[] sorted, double share) => sorted[Math.Max(0, (int)Math.Ceiling(share * sorted.Length) - 1)];

    /// <summary>Drives an HTTP function as the ASP.NET Core integration does (and the app's tests): a request on a context in a scope of its own, the result executed on its response.</summary>
    private static async Task<FunctionAnswer> InvokeAsync<TFunction>(
        IServiceProvider app, string method, string path, byte[] body, Func<TFunction, HttpRequest, Task<IActionResult>> run)
        where TFunction : class
    {
        using var scope = app.CreateScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        context.Request.Method = method;
        context.Request.Scheme = "https";
        context.Request.Host = new HostString("osscopy.azurewebsites.net");
        context.Request.Path = path;
        if (body.Length > 0)
        {
            context.Request.Body = new MemoryStream(body);
            context.Request.ContentLength = body.Length;
            context.Request.ContentType = "application/json";
        }

        using var response = new MemoryStream();
        context.Response.Body = response;
        var function = ActivatorUtilities.CreateInstance<TFunction>(scope.ServiceProvider);
        var result = await run(function, context.Request);
        await result.ExecuteResultAsync(new ActionContext { HttpContext = context });
        return new FunctionAnswer(context.Response.StatusCode, response.ToArray(),
            context.Response.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase));
    }

    private static string I(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private sealed record FunctionAnswer(int Status, byte[] Body, Dictionary<string, string> Headers)
    {
        public string Text => System.Text.Encoding.UTF8.GetString(Body);

        /// <summary>A top-level string of the JSON body (the copy outcome), or null.</summary>
        public string? Field(string name)
        {
            using var document = JsonDocument.Parse(Body);
            return document.RootElement.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        }
    }

    /// <summary>
    /// Plays the Functions host's queue listener for the app's queue triggers: receives up to host.json's batchSize (8)
    /// messages per queue, invokes the app's function (a scope per invocation, as the worker does) with the dequeue count,
    /// deletes the message when it returns, makes it visible again when it throws, and after maxDequeueCount (5) failed
    /// deliveries moves it to the poison queue, whose trigger then gets it.
    /// </summary>
    private sealed class QueuePump
    {
        private const int BatchSize = 8;
        private const int MaxDequeueCount = 5;

        private readonly IServiceProvider _services;
        private readonly IReadOnlyList<Trigger> _triggers;
        private readonly Action<QueueMessage>? _completed;
        private int _invocations;
        private int _failures;

        private QueuePump(IServiceProvider services, IReadOnlyList<Trigger> triggers, Action<QueueMessage>? completed)
        {
            _services = services;
            _triggers = triggers;
            _completed = completed;
        }

        /// <summary>The backup's list and copy queues and their poison queues (BackupQueueFunctions).</summary>
        public static QueuePump ForBackups(IServiceProvider services, Func<string, QueueClient> queue) => new(services,
            [
                new(queue(BackupQueueFunctions.ListQueue), queue(BackupQueueFunctions.ListPoisonQueue),
                    (s, m, ct) => Function<BackupQueueFunctions>(s).HandleListStepAsync(m.Body.ToString(), m.DequeueCount, ct)),
                new(queue(BackupQueueFunctions.CopyQueue), queue(BackupQueueFunctions.CopyPoisonQueue),
                    (s, m, ct) => Function<BackupQueueFunctions>(s).HandleCopyBatchAsync(m.Body.ToString(), m.DequeueCount, ct)),
                new(queue(BackupQueueFunctions.ListPoisonQueue), null, (s, m, ct) => Function<BackupQueueFunctions>(s).HandleListStepPoisonAsync(m.Body.ToString(), ct)),
                new(queue(BackupQueueFunctions.CopyPoisonQueue), null, (s, m, ct) => Function<BackupQueueFunctions>(s).HandleCopyBatchPoisonAsync(m.Body.ToString(), ct)),
            ],
            completed: null);

        /// <summary>Queued single copies (CopyRequestsFunction) and their poison queue; <paramref name="completed"/> hears of each message a function returned from.</summary>
        public static QueuePump ForCopyRequests(IServiceProvider services, Func<string, QueueClient> queue, Action<QueueMessage> completed) => new(services,
            [
                new(queue(AsyncCopyNames.Queue), queue(AsyncCopyNames.PoisonQueue), (s, m, ct) => Function<CopyRequestsFunction>(s).RunAsync(m.Body.ToString(), ct)),
                new(queue(AsyncCopyNames.PoisonQueue), null, (s, m, ct) => Function<CopyRequestsFunction>(s).RunPoisonAsync(m.Body.ToString(), ct)),
            ],
            completed);

        public int Invocations => Volatile.Read(ref _invocations);

        public int Failures => Volatile.Read(ref _failures);

        public async Task CreateQueuesAsync()
        {
            foreach (var trigger in _triggers)
            {
                await trigger.Queue.CreateIfNotExistsAsync();
            }
        }

        /// <summary>One listener loop per queue, as the host polls each trigger's queue on its own, until cancelled.</summary>
        public Task RunAsync(CancellationToken cancellationToken) =>
            Task.WhenAll(_triggers.Select(t => ListenAsync(t, cancellationToken)));

        private static T Function<T>(IServiceProvider scope)
            where T : class => ActivatorUtilities.CreateInstance<T>(scope);

        private async Task ListenAsync(Trigger trigger, CancellationToken cancellationToken)
        {
            try
            {
                while (!cancellationToken.IsCancellationRequested)
                {
                    QueueMessage[] messages = (await trigger.Queue.ReceiveMessagesAsync(BatchSize, TimeSpan.FromSeconds(30), cancellationToken)).Value;
                    if (messages.Length == 0)
                    {
                        await Task.Delay(50, cancellationToken);
                        continue;
                    }

                    await Task.WhenAll(messages.Select(m => DeliverAsync(trigger, m)));
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Stopped: the run is over.
            }
        }

        private async Task DeliverAsync(Trigger trigger, QueueMessage message)
        {
            using var scope = _services.CreateScope();
            Interlocked.Increment(ref _invocations);
            try
            {
                await trigger.Run(scope.ServiceProvider, message, CancellationToken.None);
            }
            catch (Exception) when (trigger.Poison is not null)
            {
                Interlocked.Increment(ref _failures);
                if (message.DequeueCount >= MaxDequeueCount)
                {
                    await trigger.Poison.SendMessageAsync(message.Body);
                    await trigger.Queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
                }
                else
                {
                    await trigger.Queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.Zero);
                }

                return;
            }

            await trigger.Queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
            _completed?.Invoke(message);
        }

        /// <summary>A queue, where its failed messages go (none for a poison queue's own trigger), and the function a message is delivered to.</summary>
        private sealed record Trigger(QueueClient Queue, QueueClient? Poison, Func<IServiceProvider, QueueMessage, CancellationToken, Task> Run);
    }
}
