using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using LocalOss;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OssCopy.AzureStorage;
using OssCopy.AzureStorage.DistributedBackupRun;
using OssCopy.Core;
using OssCopy.Core.Backup;
using OssCopy.Oss;
using OssCopy.Oss.Credentials;
using OssCopy.Oss.Models;

namespace OssCopy.Bench;

internal sealed record DistributedReport(
    MachineDescription Machine, int Objects, int Workers, double InProcessObjectsPerSecond, double DistributedObjectsPerSecond, long Batches,
    double QueueOperationsPerSecond)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public void Print(TextWriter output)
    {
        output.WriteLine(I($"Backup of {Objects:N0} objects through LocalOss (in memory) on {Machine}"));
        output.WriteLine(I($"  in process (BackupRunner)                      {InProcessObjectsPerSecond,10:N0} objects/s"));
        output.WriteLine(I($"  distributed ({Workers} workers, {Workers} key ranges) {DistributedObjectsPerSecond,10:N0} objects/s  ({Batches} batches, {DistributedObjectsPerSecond / InProcessObjectsPerSecond:0.00}x)"));
        output.WriteLine(I($"  Azurite queue send+receive+delete ceiling      {QueueOperationsPerSecond,10:N0} messages/s"));
    }

    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, JsonSerializer.Serialize(this, Json) + "\n");
    }

    private static string I(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// The same 10,000-object plan in process (BackupRunner) and through the storage queues with 4 worker hosts
/// (Azurite + LocalOss, both local), objects/s side by side, plus Azurite's own ceiling for a message's round trip
/// (send, receive, delete), which bounds the distributed run's batch rate here. Informational: no floor.
/// </summary>
internal static class DistributedSection
{
    private const int Objects = 10_000;
    private const int Workers = 4;
    private const string Source = "dist-source";

    internal static int Run(BenchContext context) => RunAsync(context).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(BenchContext context)
    {
        using var azurite = await Azurite.StartAsync();
        await using var server = await LocalOssServer.StartAsync(new LocalOssOptions { Port = 0, DataDirectory = null });
        var client = OssClient.Create(
            new OssClientOptions { Region = "cn-hangzhou", Endpoint = server.BaseAddress.ToString(), UsePathStyle = true },
            new StaticCredentialsProvider(new OssCredentials(LocalOssOptions.DefaultAccessKeyId, LocalOssOptions.DefaultAccessKeySecret)));
        foreach (var bucket in new[] { Source, "dist-inprocess", "dist-queued" })
        {
            await client.PutBucketAsync(new PutBucketRequest { Bucket = bucket });
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seeding {Objects:N0} objects"));
        await Parallel.ForEachAsync(Enumerable.Range(0, Objects), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
            await client.PutObjectAsync(new PutObjectRequest { Bucket = Source, Key = $"data/{i:D6}", Body = new MemoryStream(new byte[256 + (i % 512)]) }, ct));

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Oss:Region"] = "cn-hangzhou",
            ["Oss:Endpoint"] = server.BaseAddress.ToString(),
            ["Oss:UsePathStyle"] = "true",
            ["Oss:AccessKeyId"] = LocalOssOptions.DefaultAccessKeyId,
            ["Oss:AccessKeySecret"] = LocalOssOptions.DefaultAccessKeySecret,
        }).Build();

        // In process: the engine alone (no state store, so no Azure Storage in its way).
        var inProcess = new ServiceCollection().AddLogging();
        inProcess.AddOssCopy(configuration);
        await using (var provider = inProcess.BuildServiceProvider())
        {
            var stopwatch = Stopwatch.StartNew();
            var report = await provider.GetRequiredService<BackupRunner>().RunAsync(Plan("dist-inprocess"));
            var inProcessRate = report.Totals.Copied / stopwatch.Elapsed.TotalSeconds;

            var hosts = Enumerable.Range(0, Workers + 1).Select(_ => Host(configuration)).ToList();
            try
            {
                var starter = hosts[0].GetRequiredService<DistributedRunStarter>();
                stopwatch.Restart();
                // Split into as many key ranges as workers, so listing runs in parallel too.
                var start = await starter.StartAsync(Plan("dist-queued"), new DistributedRunOptions { KeyRanges = Workers }, CancellationToken.None);
                using var stop = new CancellationTokenSource();
                var workers = hosts.Skip(1).Select(h => h.GetRequiredService<DistributedWorker>().RunAsync(2, stop.Token)).ToList();
                var runs = hosts[0].GetRequiredService<RunStore>();
                RunRecord run;
                TimeSpan? listed = null, copied = null;
                while (!(run = (await runs.GetAsync(start.Run.Plan, start.Run.RunId, CancellationToken.None))!).IsFinished)
                {
                    // Where the time goes: listing, copying (every batch counted), finalizing (report, manifest).
                    listed ??= run.Listing.Values.All(p => p.Done) ? stopwatch.Elapsed : null;
                    copied ??= listed is not null && run.BatchesCompleted == run.BatchesEnqueued ? stopwatch.Elapsed : null;
                    await Task.Delay(100);
                }

                var distributedRate = run.Totals.Copied / stopwatch.Elapsed.TotalSeconds;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  phases: listing done at {listed?.TotalSeconds:0.0} s, batches done at {copied?.TotalSeconds:0.0} s, finished at {stopwatch.Elapsed.TotalSeconds:0.0} s"));
                await stop.CancelAsync();
                await Task.WhenAll(workers);
                if (run.Status != RunStatus.Completed || run.Totals.Copied != Objects)
                {
                    throw new BenchmarkFailedException($"The distributed run ended {run.Status} with {run.Totals.Copied} of {Objects} copied.");
                }

                var result = new DistributedReport(MachineDescription.Current(), Objects, Workers, inProcessRate, distributedRate, run.BatchesEnqueued,
                    await QueueCeilingAsync(azurite.ConnectionString));
                result.Print(Console.Out);
                result.Save(Path.Combine(context.ResultsFolder, "distributed.json"));
            }
            finally
            {
                foreach (var host in hosts)
                {
                    await host.DisposeAsync();
                }
            }
        }

        return 0;
    }

    private static BackupPlan Plan(string destination) => new()
    {
        Name = "bench-" + destination,
        Source = new BucketLocation { Bucket = Source, Prefix = "data/" },
        Destination = new BucketLocation { Bucket = destination, Prefix = "copy/" },
    };

    private static ServiceProvider Host(IConfiguration configuration)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddOssCopyAzureStorage(configuration);
        services.AddOssCopy(configuration);
        return services.BuildServiceProvider();
    }

    /// <summary>Messages per second through one queue at 16 in flight: send, receive, delete, as a batch makes its trip.</summary>
    private static async Task<double> QueueCeilingAsync(string connectionString)
    {
        const int messages = 2000;
        var queue = AzureStorageClients.FromConnectionString(connectionString).Queues.GetQueueClient("bench-ceiling");
        await queue.CreateIfNotExistsAsync();
        var stopwatch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, messages), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
            await queue.SendMessageAsync(BinaryData.FromString("m" + i.ToString(CultureInfo.InvariantCulture)), cancellationToken: ct));
        var received = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, 16), async (_, ct) =>
        {
            while (Volatile.Read(ref received) < messages)
            {
                var batch = (await queue.ReceiveMessagesAsync(32, cancellationToken: ct)).Value;
                if (batch.Length == 0)
                {
                    return;
                }

                foreach (var message in batch)
                {
                    await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, ct);
                    Interlocked.Increment(ref received);
                }
            }
        });
        return received / stopwatch.Elapsed.TotalSeconds;
    }

    /// <summary>Azurite from tests/azurite (npm ci there), in memory on free ports; disposing stops exactly that process.</summary>
    internal sealed class Azurite : IDisposable
    {
        private readonly Process _process;

        private Azurite(Process process, string connectionString)
        {
            _process = process;
            ConnectionString = connectionString;
        }

        public string ConnectionString { get; }

        public static async Task<Azurite> StartAsync()
        {
            var folder = Path.Combine(Root(), "tests", "azurite");
            var script = Path.Combine(folder, "node_modules", "azurite", "dist", "src", "azurite.js");
            if (!File.Exists(script))
            {
                throw new BenchmarkFailedException($"Azurite is not installed: run `npm ci` in {folder}.");
            }

            var (blob, queue, table) = (FreePort(), FreePort(), FreePort());
            var start = new ProcessStartInfo("node") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder };
            foreach (var argument in new[]
            {
                script, "--silent", "--inMemoryPersistence", "--skipApiVersionCheck", "--disableProductStyleUrl",
                "--blobHost", "127.0.0.1", "--blobPort", Text(blob), "--queueHost", "127.0.0.1", "--queuePort", Text(queue),
                "--tableHost", "127.0.0.1", "--tablePort", Text(table),
            })
            {
                start.ArgumentList.Add(argument);
            }

            var process = Process.Start(start) ?? throw new BenchmarkFailedException("node did not start.");
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var azurite = new Azurite(process,
                "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
                $"BlobEndpoint=http://127.0.0.1:{Text(blob)}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{Text(queue)}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{Text(table)}/devstoreaccount1;");
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!await AnswersAsync(blob) || !await AnswersAsync(queue) || !await AnswersAsync(table))
            {
                if (process.HasExited || DateTime.UtcNow > deadline)
                {
                    azurite.Dispose();
                    throw new BenchmarkFailedException("Azurite did not start.");
                }

                await Task.Delay(200);
            }

            return azurite;
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: false);
                _process.WaitForExit();
            }

            _process.Dispose();
        }

        private static string Text(int port) => port.ToString(CultureInfo.InvariantCulture);

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        private static async Task<bool> AnswersAsync(int port)
        {
            try
            {
                using var socket = new TcpClient();
                await socket.ConnectAsync(IPAddress.Loopback, port);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }

        private static string Root()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "OssCopyFunctions.sln")))
                {
                    return dir.FullName;
                }
            }

            return Directory.GetCurrentDirectory();
        }
    }
}
