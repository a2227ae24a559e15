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

internal sealed record ScaleRun(
    string Layout,
    double LatencyMilliseconds,
    int Parallelism,
    double BurstSeconds,
    int Objects,
    double Seconds,
    long Requests,
    long Throttled,
    long ThrottleSignals,
    int Failed,
    double BindingCap,
    string BindingCapName,
    ScaleDynamics Dynamics)
{
    public double ObjectsPerSecond => Objects / Seconds;

    public double RequestsPerSecond => Requests / Seconds;

    public double ThrottledShare => Requests == 0 ? 0 : (double)Throttled / Requests;

    /// <summary>Requests each copied object cost, refusals and listings included.</summary>
    public double RequestsPerObject => (double)Requests / Objects;

    /// <summary>Objects/s over the cap that limits this layout (the account's for spread keys, one prefix's for sequential ones).</summary>
    public double FractionOfBindingCap => ObjectsPerSecond / BindingCap;
}

/// <summary>
/// How a run got there, sampled every 100 ms: the steady part (from 10 % to 90 % of the objects copied, so the start-up
/// and the tail do not blur it), the mean and range of the engine's live concurrency, how often throttling lowered
/// it, and the CPU the process (engine and LocalOss together, in process) spent per object.
/// </summary>
internal sealed record ScaleDynamics(
    double SteadyObjectsPerSecond,
    double SteadyThrottledShare,
    double MeanConcurrency,
    int LowestConcurrency,
    int HighestConcurrency,
    int ConcurrencyDecreases,
    double ProcessCpuMillisecondsPerObject,
    IReadOnlyList<ScaleSample> Timeline);

/// <summary>One second of a run: objects copied, requests and refusals the server saw, and the engine's concurrency at its end.</summary>
internal sealed record ScaleSample(int Second, long Copied, long Requests, long Throttled, int Concurrency);

internal sealed record ScaleReport(
    MachineDescription Machine,
    double AccountRequestsPerSecond,
    double PrefixRequestsPerSecond,
    int PrefixLength,
    double LatencyJitterMilliseconds,
    IReadOnlyList<ScaleRun> Runs)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public void Print(TextWriter output)
    {
        output.WriteLine(I($"Backups through LocalOss under OSS's caps scaled to this machine: account {AccountRequestsPerSecond:N0} requests/s, key prefix ({PrefixLength} chars) {PrefixRequestsPerSecond:N0}/s, latency as given + up to {LatencyJitterMilliseconds} ms, on {Machine}"));
        output.WriteLine(I($"  {"keys",-11} {"latency",7} {"burst",5} {"max",4} {"objects",8} {"objects/s",9} {"of acct cap",11} {"binding cap",14} {"steady",7} {"req/obj",7} {"throttled",9} {"share",6} {"steady",6} {"conc mean/min/max",17} {"halvings",8} {"cpu ms/obj",10} {"seconds",7}"));
        foreach (var run in Runs)
        {
            var d = run.Dynamics;
            output.WriteLine(I($"  {run.Layout,-11} {run.LatencyMilliseconds,4} ms {run.BurstSeconds,4}s {run.Parallelism,4} {run.Objects,8:N0} {run.ObjectsPerSecond,9:N0} {run.ObjectsPerSecond / AccountRequestsPerSecond,11:P1} {run.FractionOfBindingCap,6:P1} {run.BindingCapName,-7} {d.SteadyObjectsPerSecond / run.BindingCap,7:P1} {run.RequestsPerObject,7:F3} {run.Throttled,9:N0} {run.ThrottledShare,6:P1} {d.SteadyThrottledShare,6:P1} {$"{d.MeanConcurrency:F1}/{d.LowestConcurrency}/{d.HighestConcurrency}",17} {d.ConcurrencyDecreases,8} {d.ProcessCpuMillisecondsPerObject,10:F2} {run.Seconds,7:F1}"));
        }

        output.WriteLine("  (burst: each cap's allowance, in seconds of its rate; max: most copies in flight; steady: from 10 % to 90 % of the objects copied; halvings: throttling bursts that lowered");
        output.WriteLine("   the engine's concurrency; cpu: engine and LocalOss together, one process. At 200 ms the copies in flight a cap allows");
        output.WriteLine("   are those of OSS's real caps at 20 ms: about 200 for the account, 40 for one partition.)");
    }

    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, JsonSerializer.Serialize(this, Json) + "\n");
    }

    private static string I(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// OSS's scale on this machine: LocalOss with 20 ms (and 200 ms, see <see cref="ScaleCase"/>) of latency per request and
/// OSS's request-rate caps scaled down (an account at 1,000 requests/s, one key prefix at 200/s), and the engine as the
/// hosts compose it, allowed enough copies in flight to reach the account cap. Reports
/// objects/s as a share of the account cap and the share of requests refused. Spread keys (a hashed lead, as OSS's
/// performance guide advises) meet the account cap; sequential keys (<c>obj/000001</c>, …) meet one prefix's cap.
/// Not a floor: it shows how the engine behaves at a cap, not a speed to hold.
/// </summary>
internal static class ScaleSection
{
    private const int DefaultObjects = 100_000;
    // OSS's 10,000 and 2,000 requests/s divided by ten: what two shared cores reach with the engine and LocalOss in one
    // process. Bursts of a tenth of a second at 20 ms (see ScaleCase), so that a short run meets the rate rather than a
    // start-up allowance.
    private const double AccountRate = 1_000;
    private const double PrefixRate = 200;
    // "obj/": every sequential key (obj/000000, …) falls into one partition, as OSS's index puts sequential keys in one;
    // spread keys (a hashed lead of 4 hex digits) fall into 65,536.
    private const int PrefixLength = 4;
    private static readonly TimeSpan Jitter = TimeSpan.FromMilliseconds(5);

    /// <summary>
    /// One backup: the brief's 20 ms of latency, and 200 ms, where the copies in flight at a cap (cap × latency) are the
    /// ones OSS's real caps need at 20 ms (10,000/s × 20 ms = 200 for the account, 2,000/s × 20 ms = 40 for a partition),
    /// so the engine's adaptive concurrency works at OSS's granularity with a tenth of the requests.
    /// </summary>
    /// <remarks>
    /// The 200 ms runs are OSS at 20 ms with time stretched ten times: rates a tenth, latency ten times, and bursts the
    /// same number of tokens as OSS's would be (a tenth of a second of 10,000/s is 1,000 tokens; at 1,000/s that is a
    /// second; OSS does not publish its allowance, a tenth of a second is our assumption). With the 20 ms runs' burst of
    /// 100, a wave of 200 copies finishing together would meet half the allowance, where a real account's covers five.
    /// </remarks>
    private sealed record ScaleCase(string Layout, TimeSpan Latency, int Parallelism, double BurstSeconds);

    private static readonly ScaleCase[] Cases =
    [
        new("spread", TimeSpan.FromMilliseconds(20), 96, 0.1),
        new("sequential", TimeSpan.FromMilliseconds(20), 96, 0.1),
        new("spread", TimeSpan.FromMilliseconds(200), 512, 1),
        new("sequential", TimeSpan.FromMilliseconds(200), 512, 1),
    ];

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

        var layouts = new Dictionary<string, (int Objects, Func<int, string> Key)>(StringComparer.Ordinal)
        {
            ["spread"] = (objects, i => $"{Spread(i):x4}/obj/{i:D6}"),
            // A tenth as many: at one prefix's cap they take as long as the spread run's ten times more.
            ["sequential"] = (Math.Max(1, objects / 10), i => $"obj/{i:D6}"),
        };
        foreach (var (layout, (count, key)) in layouts)
        {
            await SeedAsync(server, client, layout, count, key);
        }

        var runs = new List<ScaleRun>();
        foreach (var scaleCase in Cases)
        {
            runs.Add(await BackupAsync(server, client, signal, scaleCase, layouts[scaleCase.Layout].Objects));
        }

        var report = new ScaleReport(MachineDescription.Current(), AccountRate, PrefixRate, PrefixLength, Jitter.TotalMilliseconds, runs);
        report.Print(Console.Out);
        report.Save(Path.Combine(context.ResultsFolder, "scale.json"));
        return runs.All(r => r.Failed == 0) ? 0 : 1;
    }

    private static async Task SeedAsync(LocalOssServer server, OssClient client, string layout, int objects, Func<int, string> key)
    {
        // Seeding runs at LocalOss's own speed: no caps, no latency.
        server.Throttle.Configure(new LocalOssThrottlingOptions());
        server.Options.Latency.Fixed = TimeSpan.Zero;
        server.Options.Latency.Jitter = TimeSpan.Zero;
        await client.PutBucketAsync(new PutBucketRequest { Bucket = "scale-" + layout });
        Console.WriteLine(I($"seeding {objects:N0} objects ({layout} keys)"));
        await Parallel.ForEachAsync(Enumerable.Range(0, objects), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
            await client.PutObjectAsync(new PutObjectRequest { Bucket = "scale-" + layout, Key = key(i), Body = new MemoryStream(new byte[64]) }, ct));
    }

    private static async Task<ScaleRun> BackupAsync(LocalOssServer server, OssClient client, ThrottleSignal signal, ScaleCase scaleCase, int objects)
    {
        var layout = scaleCase.Layout;
        var source = "scale-" + layout;
        var destination = I($"{source}-{scaleCase.Latency.TotalMilliseconds}ms");
        await client.PutBucketAsync(new PutBucketRequest { Bucket = destination });
        // The server reads its latency options on every request, so they can change between runs.
        server.Options.Latency.Fixed = scaleCase.Latency;
        server.Options.Latency.Jitter = Jitter;
        server.Throttle.Configure(new LocalOssThrottlingOptions
        {
            AccountRequestsPerSecond = AccountRate, AccountBurst = (int)(AccountRate * scaleCase.BurstSeconds),
            PrefixRequestsPerSecond = PrefixRate, PrefixBurst = (int)(PrefixRate * scaleCase.BurstSeconds), PrefixLength = PrefixLength,
        });
        server.Counters.Reset();
        var signalsBefore = signal.Count;
        var progress = new BackupProgress();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var stopwatch = Stopwatch.StartNew();
        using var sampling = new CancellationTokenSource();
        var sampler = SampleAsync(server, progress, stopwatch, sampling.Token);
        var report = await Runner(client, signal, scaleCase.Parallelism).RunAsync(new BackupPlan
        {
            Name = destination,
            Source = new BucketLocation { Bucket = source },
            Destination = new BucketLocation { Bucket = destination },
        }, new BackupRunOptions { Parallelism = scaleCase.Parallelism, Progress = progress });
        var seconds = stopwatch.Elapsed.TotalSeconds;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        await sampling.CancelAsync();
        var samples = await sampler;
        samples.Add(new Sample(stopwatch.Elapsed.TotalSeconds, progress.Copied, server.Counters.Total, server.Counters.Throttled, progress.Concurrency));
        var bindingCap = layout == "spread" ? ("account", AccountRate) : ("prefix", PrefixRate);
        var run = new ScaleRun(layout, scaleCase.Latency.TotalMilliseconds, scaleCase.Parallelism, scaleCase.BurstSeconds, objects, seconds, server.Counters.Total, server.Counters.Throttled, signal.Count - signalsBefore,
            (int)report.Totals.Failed, bindingCap.Item2, bindingCap.Item1, Dynamics(samples, objects, report, cpu));
        Console.WriteLine(I($"{layout}, {scaleCase.Latency.TotalMilliseconds} ms: {report.Totals.Copied:N0} copied, {report.Totals.Failed:N0} failed in {seconds:F1} s"));
        if (report.Totals.Copied != objects)
        {
            throw new BenchmarkFailedException($"the {layout} backup copied {report.Totals.Copied} of {objects} objects ({report.Totals.Failed} failed)");
        }

        server.Throttle.Configure(new LocalOssThrottlingOptions());
        server.Options.Latency.Fixed = TimeSpan.Zero;
        server.Options.Latency.Jitter = TimeSpan.Zero;
        return run;
    }

    private sealed record Sample(double Seconds, long Copied, long Requests, long Throttled, int Concurrency);

    /// <summary>Every 100 ms until cancelled: what the run has done so far.</summary>
    private static async Task<List<Sample>> SampleAsync(LocalOssServer server, BackupProgress progress, Stopwatch stopwatch, CancellationToken cancellationToken)
    {
        var samples = new List<Sample>();
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        try
        {
            do
            {
                samples.Add(new Sample(stopwatch.Elapsed.TotalSeconds, progress.Copied, server.Counters.Total, server.Counters.Throttled, progress.Concurrency));
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run is over: the samples so far are the answer.
        }

        return samples;
    }

    private static ScaleDynamics Dynamics(List<Sample> samples, int objects, CopyReport report, TimeSpan cpu)
    {
        // The steady part: between the samples where 10 % and 90 % of the objects were copied.
        var from = samples.First(s => s.Copied >= objects / 10);
        var to = samples.Last(s => s.Copied <= objects * 9 / 10);
        var steadySeconds = to.Seconds - from.Seconds;
        var steadyRequests = to.Requests - from.Requests;
        var running = samples.Where(s => s.Copied > 0 && s.Copied < objects).Select(s => s.Concurrency).DefaultIfEmpty(0).ToList();
        var timeline = new List<ScaleSample>();
        for (var second = 1; second <= (int)Math.Ceiling(samples[^1].Seconds); second++)
        {
            var at = samples.LastOrDefault(s => s.Seconds <= second) ?? samples[0];
            timeline.Add(new ScaleSample(second, at.Copied, at.Requests, at.Throttled, at.Concurrency));
        }

        return new ScaleDynamics(
            steadySeconds > 0 ? (to.Copied - from.Copied) / steadySeconds : double.NaN,
            steadyRequests > 0 ? (double)(to.Throttled - from.Throttled) / steadyRequests : 0,
            running.Average(),
            report.LowestConcurrency,
            running.Max(),
            report.ConcurrencyDecreases,
            cpu.TotalMilliseconds / objects,
            timeline);
    }

    /// <summary>The engine as the hosts compose it, listening to the same throttle signal the client raises.</summary>
    private static BackupRunner Runner(IOssClient client, ThrottleSignal signal, int parallelism)
    {
        var services = new ServiceCollection();
        services.AddSingleton(client);
        services.AddSingleton(signal);
        services.AddSingleton<ICopyStateStore>(NullCopyStateStore.Instance);
        services.AddOssCopyEngine(new ConfigurationBuilder().Build());
        services.Configure<BackupRunnerOptions>(o => o.MaxParallelism = parallelism);
        return services.BuildServiceProvider().GetRequiredService<BackupRunner>();
    }

    /// <summary>A 16-bit hash of the index: the hashed lead OSS's performance guide gives keys.</summary>
    private static int Spread(int i) => (int)((uint)(i * 2654435761L) >> 16);

    private static string I(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
