using System.Diagnostics;
using System.Globalization;
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

internal sealed record DistributedScaleRun(int Workers, int KeyRanges, int Objects, double Seconds, long Requests, long Throttled, long Failed)
{
    public double ObjectsPerSecond => Objects / Seconds;

    public double ThrottledShare => Requests == 0 ? 0 : (double)Throttled / Requests;
}

internal sealed record DistributedScaleReport(
    MachineDescription Machine, double AccountRequestsPerSecond, double PrefixRequestsPerSecond, int PrefixLength, double LatencyMilliseconds,
    int ParallelismPerWorker, IReadOnlyList<DistributedScaleRun> Runs)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public void Print(TextWriter output)
    {
        output.WriteLine(I($"Distributed backups (Azurite queues) of sequential keys through LocalOss at account {AccountRequestsPerSecond:N0} requests/s, key prefix ({PrefixLength} chars) {PrefixRequestsPerSecond:N0}/s, latency {LatencyMilliseconds} ms, up to {ParallelismPerWorker} copies in flight per worker, on {Machine}"));
        output.WriteLine(I($"  {"workers",7} {"key ranges",10} {"objects",8} {"objects/s",10} {"of account cap",15} {"requests",9} {"throttled",10} {"share",7} {"seconds",8}"));
        foreach (var run in Runs)
        {
            output.WriteLine(I($"  {run.Workers,7} {run.KeyRanges,10} {run.Objects,8:N0} {run.ObjectsPerSecond,10:N0} {run.ObjectsPerSecond / AccountRequestsPerSecond,15:P1} {run.Requests,9:N0} {run.Throttled,10:N0} {run.ThrottledShare,7:P1} {run.Seconds,8:F1}"));
        }
    }

    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, JsonSerializer.Serialize(this, Json) + "\n");
    }

    private static string I(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// The scale section's setting (LocalOss with 20 ms of latency and OSS's request-rate caps divided by ten: account
/// 1,000 requests/s, one 8-character key prefix 200/s) for a distributed run: sequential keys (<c>obj/000001</c>, …),
/// 1, 2, 4 and 8 worker hosts, each run once as one key range (copies in listing order: one prefix at a time) and once
/// split into 8 key ranges (copies spread over 8 prefixes). Objects/s as a share of the account cap, and the share of
/// requests refused. `--objects N` (default 100,000, as issue 15 asks; a smaller N for a quick look).
/// </summary>
internal static class DistributedScaleSection
{
    private const int DefaultObjects = 100_000;
    private const double AccountRate = 1_000;
    private const int AccountBurst = 100;
    private const double PrefixRate = 200;
    private const int PrefixBurst = 20;
    private const int PrefixLength = 8;
    private const int SplitRanges = 8;
    private const int ParallelismPerWorker = 32;
    private static readonly TimeSpan Latency = TimeSpan.FromMilliseconds(20);

    internal static int Run(BenchContext context) => RunAsync(context).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(BenchContext context)
    {
        var objects = context.Objects ?? DefaultObjects;
        using var azurite = await DistributedSection.Azurite.StartAsync();
        await using var server = await LocalOssServer.StartAsync(new LocalOssOptions { Port = 0, DataDirectory = null });
        var client = OssClient.Create(
            new OssClientOptions { Region = "cn-hangzhou", Endpoint = server.BaseAddress.ToString(), UsePathStyle = true },
            new StaticCredentialsProvider(new OssCredentials(LocalOssOptions.DefaultAccessKeyId, LocalOssOptions.DefaultAccessKeySecret)));
        const string source = "dscale-source";
        await client.PutBucketAsync(new PutBucketRequest { Bucket = source });
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seeding {objects:N0} objects (sequential keys)"));
        await Parallel.ForEachAsync(Enumerable.Range(0, objects), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
            await client.PutObjectAsync(new PutObjectRequest { Bucket = source, Key = $"obj/{i:D6}", Body = new MemoryStream(new byte[64]) }, ct));

        var runs = new List<DistributedScaleRun>();
        foreach (var workers in new[] { 1, 2, 4, 8 })
        {
            foreach (var ranges in new[] { 1, SplitRanges })
            {
                var run = await BackupAsync(azurite.ConnectionString, server, client, source, objects, workers, ranges, runs.Count);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{workers} workers, {ranges} key ranges: {run.ObjectsPerSecond:N0} objects/s, {run.ThrottledShare:P1} throttled, {run.Seconds:F1} s"));
                runs.Add(run);
            }
        }

        var report = new DistributedScaleReport(MachineDescription.Current(), AccountRate, PrefixRate, PrefixLength, Latency.TotalMilliseconds, ParallelismPerWorker, runs);
        report.Print(Console.Out);
        report.Save(Path.Combine(context.ResultsFolder, "distributed-scale.json"));
        return runs.All(r => r.Failed == 0) ? 0 : 1;
    }

    private static async Task<DistributedScaleRun> BackupAsync(string storage, LocalOssServer server, OssClient client, string source, int objects, int workers, int ranges, int index)
    {
        var destination = string.Create(CultureInfo.InvariantCulture, $"dscale-backup-{index}");
        server.Throttle.Configure(new LocalOssThrottlingOptions());
        server.Options.Latency.Fixed = TimeSpan.Zero;
        await client.PutBucketAsync(new PutBucketRequest { Bucket = destination });

        var id = string.Create(CultureInfo.InvariantCulture, $"{index}{Guid.NewGuid():N}")[..10];
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = storage,
            ["OssCopy:AzureStorage:ListQueue"] = "list-" + id,
            ["OssCopy:AzureStorage:CopyQueue"] = "copy-" + id,
            ["OssCopy:AzureStorage:RunsTable"] = "runs" + id,
            ["OssCopy:AzureStorage:OutcomesTable"] = "outcomes" + id,
            ["OssCopy:AzureStorage:ReportsContainer"] = "reports-" + id,
            ["OssCopy:AzureStorage:StateContainer"] = "state-" + id,
            ["Oss:Region"] = "cn-hangzhou",
            ["Oss:Endpoint"] = server.BaseAddress.ToString(),
            ["Oss:UsePathStyle"] = "true",
            ["Oss:AccessKeyId"] = LocalOssOptions.DefaultAccessKeyId,
            ["Oss:AccessKeySecret"] = LocalOssOptions.DefaultAccessKeySecret,
            ["Backup:MaxParallelism"] = ParallelismPerWorker.ToString(CultureInfo.InvariantCulture),
        }).Build();
        var hosts = Enumerable.Range(0, workers + 1).Select(_ => Host(configuration)).ToList();
        try
        {
            var starter = hosts[0].GetRequiredService<DistributedRunStarter>();
            await starter.EnsureStorageAsync(CancellationToken.None);

            server.Options.Latency.Fixed = Latency;
            server.Throttle.Configure(new LocalOssThrottlingOptions
            {
                AccountRequestsPerSecond = AccountRate, AccountBurst = AccountBurst,
                PrefixRequestsPerSecond = PrefixRate, PrefixBurst = PrefixBurst, PrefixLength = PrefixLength,
            });
            server.Counters.Reset();
            var stopwatch = Stopwatch.StartNew();
            var plan = new BackupPlan { Name = "dscale-" + id, Source = new BucketLocation { Bucket = source }, Destination = new BucketLocation { Bucket = destination } };
            var start = await starter.StartAsync(plan, new DistributedRunOptions { KeyRanges = ranges, SplitBy = KeyRangeSplitting.FirstCharacters }, CancellationToken.None);
            using var stop = new CancellationTokenSource();
            var running = hosts.Skip(1).Select(h => h.GetRequiredService<DistributedWorker>().RunAsync(2, stop.Token)).ToList();
            var store = hosts[0].GetRequiredService<RunStore>();
            RunRecord run;
            while (!(run = (await store.GetAsync(plan.Name, start.Run.RunId, CancellationToken.None))!).IsFinished)
            {
                await Task.Delay(200);
            }

            var seconds = stopwatch.Elapsed.TotalSeconds;
            await stop.CancelAsync();
            await Task.WhenAll(running);
            if (run.Status != RunStatus.Completed || run.Totals.Copied + run.Totals.Failed != objects)
            {
                throw new BenchmarkFailedException($"the run with {workers} workers and {ranges} key ranges ended {run.Status}: {run.Totals.Copied} of {objects} copied, {run.Totals.Failed} failed");
            }

            return new DistributedScaleRun(workers, ranges, objects, seconds, server.Counters.Total, server.Counters.Throttled, run.Totals.Failed);
        }
        finally
        {
            server.Throttle.Configure(new LocalOssThrottlingOptions());
            server.Options.Latency.Fixed = TimeSpan.Zero;
            foreach (var host in hosts)
            {
                await host.DisposeAsync();
            }
        }
    }

    private static ServiceProvider Host(IConfiguration configuration)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddOssCopyAzureStorage(configuration);
        services.AddOssCopy(configuration);
        return services.BuildServiceProvider();
    }
}
