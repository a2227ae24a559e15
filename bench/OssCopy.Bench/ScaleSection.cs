using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using LocalOss;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OssCopy.Core;
using OssCopy.Core.Backup;
using OssCopy.Core.State;
using OssCopy.Oss;
using OssCopy.Oss.Credentials;
using OssCopy.Oss.Http;
using OssCopy.Oss.Models;

namespace OssCopy.Bench;

internal sealed record ScaleRun(string Layout, int Objects, double Seconds, long Requests, long Throttled, long ThrottleSignals, int Failed)
{
    public double ObjectsPerSecond => Objects / Seconds;

    public double RequestsPerSecond => Requests / Seconds;

    public double ThrottledShare => Requests == 0 ? 0 : (double)Throttled / Requests;
}

internal sealed record ScaleReport(
    MachineDescription Machine,
    double AccountRequestsPerSecond,
    double PrefixRequestsPerSecond,
    int PrefixLength,
    double LatencyMilliseconds,
    double LatencyJitterMilliseconds,
    int Parallelism,
    IReadOnlyList<ScaleRun> Runs)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public void Print(TextWriter output)
    {
        output.WriteLine(I($"Backups through LocalOss under OSS's caps scaled to this machine: account {AccountRequestsPerSecond:N0} requests/s, key prefix ({PrefixLength} chars) {PrefixRequestsPerSecond:N0}/s, latency {LatencyMilliseconds} ms + up to {LatencyJitterMilliseconds} ms, up to {Parallelism} copies in flight, on {Machine}"));
        output.WriteLine(I($"  {"keys",-12} {"objects",8} {"objects/s",10} {"of account cap",15} {"requests/s",11} {"throttled",10} {"share",7} {"seconds",8}"));
        foreach (var run in Runs)
        {
            output.WriteLine(I($"  {run.Layout,-12} {run.Objects,8:N0} {run.ObjectsPerSecond,10:N0} {run.ObjectsPerSecond / AccountRequestsPerSecond,15:P1} {run.RequestsPerSecond,11:N0} {run.Throttled,10:N0} {run.ThrottledShare,7:P1} {run.Seconds,8:F1}"));
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
/// OSS's scale on this machine: LocalOss with 20 ms of latency per request and OSS's request-rate caps scaled down (an
/// account at 1,000 requests/s, one key prefix at 200/s), and an engine backup tuned to reach the account cap. Reports
/// objects/s as a share of the account cap and the share of requests refused. Spread keys (a hashed lead, as OSS's
/// performance guide advises) meet the account cap; sequential keys (<c>obj/000001</c>, …) meet one prefix's cap.
/// Not a floor: it shows how the engine behaves at a cap, not a speed to hold.
/// </summary>
internal static class ScaleSection
{
    private const int DefaultObjects = 100_000;
    // OSS's 10,000 and 2,000 requests/s divided by ten: what two shared cores reach with the engine and LocalOss in one
    // process. Bursts of a tenth of a second, so that a short run meets the rate rather than a start-up allowance.
    private const double AccountRate = 1_000;
    private const int AccountBurst = 100;
    private const double PrefixRate = 200;
    private const int PrefixBurst = 20;
    private const int PrefixLength = 8;
    private const int Parallelism = 96;
    private static readonly TimeSpan Latency = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan Jitter = TimeSpan.FromMilliseconds(5);
    private static readonly OssCredentials Credentials = new(LocalOssOptions.DefaultAccessKeyId, LocalOssOptions.DefaultAccessKeySecret);

    internal static int Run(BenchContext context) => RunAsync(context).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(BenchContext context)
    {
        var objects = context.Objects ?? DefaultObjects;
        await using var server = await LocalOssServer.StartAsync(new LocalOssOptions { Port = 0, DataDirectory = null });
        var signal = new ThrottleSignal();
        // The signal handler under the retries sees every attempt, as AddThrottleSignal places it in the hosts.
        var client = OssClient.Create(
            new OssClientOptions { Region = "cn-hangzhou", Endpoint = server.BaseAddress.ToString(), UsePathStyle = true },
            new StaticCredentialsProvider(Credentials),
            new ThrottleSignalHandler(signal, OssClient.CreatePrimaryHandler()));

        var runs = new List<ScaleRun>
        {
            await BackupAsync(server, client, signal, "spread", objects, i => $"{Spread(i):x4}/obj/{i:D6}"),
            // A tenth as many: at one prefix's cap they take as long as the spread run's ten times more.
            await BackupAsync(server, client, signal, "sequential", Math.Max(1, objects / 10), i => $"obj/{i:D6}"),
        };
        var report = new ScaleReport(MachineDescription.Current(), AccountRate, PrefixRate, PrefixLength, Latency.TotalMilliseconds,
            Jitter.TotalMilliseconds, Parallelism, runs);
        report.Print(Console.Out);
        report.Save(Path.Combine(context.ResultsFolder, "scale.json"));
        return runs.All(r => r.Failed == 0) ? 0 : 1;
    }

    private static async Task<ScaleRun> BackupAsync(LocalOssServer server, OssClient client, ThrottleSignal signal, string layout, int objects, Func<int, string> key)
    {
        var source = "scale-" + layout;
        var destination = source + "-backup";
        // Seeding runs at LocalOss's own speed: no caps, no latency.
        server.Throttle.Configure(new LocalOssThrottlingOptions());
        server.Options.Latency.Fixed = TimeSpan.Zero;
        server.Options.Latency.Jitter = TimeSpan.Zero;
        await client.PutBucketAsync(new PutBucketRequest { Bucket = source });
        await client.PutBucketAsync(new PutBucketRequest { Bucket = destination });
        Console.WriteLine(I($"seeding {objects:N0} objects ({layout} keys)"));
        await Parallel.ForEachAsync(Enumerable.Range(0, objects), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
            await client.PutObjectAsync(new PutObjectRequest { Bucket = source, Key = key(i), Body = new MemoryStream(new byte[64]) }, ct));

        // The server reads its latency options on every request, so they can change between runs.
        server.Options.Latency.Fixed = Latency;
        server.Options.Latency.Jitter = Jitter;
        server.Throttle.Configure(new LocalOssThrottlingOptions
        {
            AccountRequestsPerSecond = AccountRate, AccountBurst = AccountBurst,
            PrefixRequestsPerSecond = PrefixRate, PrefixBurst = PrefixBurst, PrefixLength = PrefixLength,
        });
        server.Counters.Reset();
        var signalsBefore = signal.Count;
        var stopwatch = Stopwatch.StartNew();
        var report = await Runner(client, signal).RunAsync(new BackupPlan
        {
            Name = "scale-" + layout,
            Source = new BucketLocation { Bucket = source },
            Destination = new BucketLocation { Bucket = destination },
        }, new BackupRunOptions { Parallelism = Parallelism });
        var seconds = stopwatch.Elapsed.TotalSeconds;
        var run = new ScaleRun(layout, objects, seconds, server.Counters.Total, server.Counters.Throttled, signal.Count - signalsBefore,
            (int)report.Totals.Failed);
        Console.WriteLine(I($"{layout}: {report.Totals.Copied:N0} copied, {report.Totals.Failed:N0} failed in {seconds:F1} s"));
        if (report.Totals.Copied != objects)
        {
            throw new BenchmarkFailedException($"the {layout} backup copied {report.Totals.Copied} of {objects} objects ({report.Totals.Failed} failed)");
        }

        server.Throttle.Configure(new LocalOssThrottlingOptions());
        server.Options.Latency.Fixed = TimeSpan.Zero;
        server.Options.Latency.Jitter = TimeSpan.Zero;
        return run;
    }

    /// <summary>The engine as the hosts compose it, listening to the same throttle signal the client raises.</summary>
    private static BackupRunner Runner(IOssClient client, ThrottleSignal signal)
    {
        var services = new ServiceCollection();
        services.AddSingleton(client);
        services.AddSingleton(signal);
        services.AddSingleton<ICopyStateStore>(NullCopyStateStore.Instance);
        services.AddOssCopyEngine(new ConfigurationBuilder().Build());
        services.Configure<BackupRunnerOptions>(o => o.MaxParallelism = Parallelism);
        return services.BuildServiceProvider().GetRequiredService<BackupRunner>();
    }

    /// <summary>A 16-bit hash of the index: the hashed lead OSS's performance guide gives keys.</summary>
    private static int Spread(int i) => (int)((uint)(i * 2654435761L) >> 16);

    private static string I(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
