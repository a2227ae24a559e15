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

/// <summary>One backup: <see cref="Workers"/> 0 is the in-process runner (BackupRunner, no queues) at the parallelism of all 8 workers together.</summary>
internal sealed record DistributedScaleRun(int Workers, int KeyRanges, int Objects, double Seconds, long Requests, long Throttled, long Failed,
    int FinalConcurrency, int ConcurrencyDecreases, double SteadyObjectsPerSecond, double SteadyThrottledShare, double SteadyMeanLimit, double SteadyMeanInFlight)
{
    public double ObjectsPerSecond => Objects / Seconds;

    public double ThrottledShare => Requests == 0 ? 0 : (double)Throttled / Requests;
}

internal sealed record DistributedScaleReport(
    MachineDescription Machine, double AccountRequestsPerSecond, double PrefixRequestsPerSecond, int PrefixLength, double LatencyMilliseconds,
    int ParallelismPerWorker, int SufficientWorkers, double CapGoal, double ThrottledGoal, IReadOnlyList<DistributedScaleRun> Runs)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>
    /// The runs the goal is for: those with enough workers to reach the cap. Not the in-process run: it copies sequential
    /// keys in listing order, so one key prefix's cap (a fifth of the account's) binds it by design; the in-process
    /// goal is the <c>scale</c> section's, with spread keys.
    /// </summary>
    public bool GoalApplies(DistributedScaleRun run) => run.Workers >= SufficientWorkers;

    /// <summary>Judged on the steady part of the run (10 % to 90 % of the objects copied), as the <c>scale</c> section is: the
    /// slow start and the last batches' tail are a fixed cost that a longer run spreads thinner.</summary>
    public bool MeetsGoal(DistributedScaleRun run) => run.SteadyObjectsPerSecond / AccountRequestsPerSecond >= CapGoal && run.SteadyThrottledShare < ThrottledGoal;

    public void Print(TextWriter output)
    {
        output.WriteLine(I($"Backups of sequential keys (obj/000000, ...) through LocalOss at account {AccountRequestsPerSecond:N0} requests/s, key prefix ({PrefixLength} chars) {PrefixRequestsPerSecond:N0}/s, latency {LatencyMilliseconds} ms;"));
        output.WriteLine(I($"in process (BackupRunner, up to {8 * ParallelismPerWorker} copies in flight) and distributed (worker hosts over Azurite queues, up to {ParallelismPerWorker} copies in flight each), on {Machine}"));
        output.WriteLine(I($"  {"workers",10} {"key ranges",10} {"objects",8} {"objects/s",10} {"of account cap",15} {"requests",9} {"throttled",10} {"share",7} {"steady",7} {"throttled",9} {"limit/in flight",15} {"limit/cuts",11} {"seconds",8}  goal"));
        foreach (var run in Runs)
        {
            var goal = !GoalApplies(run) ? "-" : MeetsGoal(run) ? "met" : "MISSED";
            output.WriteLine(I($"  {(run.Workers == 0 ? "in process" : run.Workers.ToString(CultureInfo.InvariantCulture)),10} {(run.Workers == 0 ? "-" : run.KeyRanges.ToString(CultureInfo.InvariantCulture)),10} {run.Objects,8:N0} {run.ObjectsPerSecond,10:N0} {run.ObjectsPerSecond / AccountRequestsPerSecond,15:P1} {run.Requests,9:N0} {run.Throttled,10:N0} {run.ThrottledShare,7:P1} {run.SteadyObjectsPerSecond / AccountRequestsPerSecond,7:P1} {run.SteadyThrottledShare,9:P1} {(run.SteadyMeanInFlight < 0 ? $"{run.SteadyMeanLimit:F1}/-" : $"{run.SteadyMeanLimit:F1}/{run.SteadyMeanInFlight:F1}"),15} {$"{run.FinalConcurrency}/{run.ConcurrencyDecreases}",11} {run.Seconds,8:F1}  {goal}"));
        }

        output.WriteLine(I($"  goal (issue 15), for {SufficientWorkers}+ workers (whose copies in flight together can exceed the cap): >= {CapGoal:P0} of the account cap, < {ThrottledGoal:P0} of requests throttled,"));
        output.WriteLine("  in the steady part (steady: from 10 % to 90 % of the objects copied, so the slow start and the last batches' tail are left out);");
        output.WriteLine("  the in-process run copies these sequential keys in listing order, bound by one prefix's cap (a fifth of the account's): its goal is the scale section's");
        output.WriteLine("  limit/in flight: in the steady part, the concurrency limit (workers' summed) and the copies in flight, on average: in flight well under");
        output.WriteLine("  the limit means the limiters did not bind (the workers had no more copies ready); limit/cuts: the limits at the end / how often throttling lowered them");
    }

    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, JsonSerializer.Serialize(this, Json) + "\n");
    }

    private static string I(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// Issue 15's measurement: a 100,000-object backup of sequential keys (<c>obj/000000</c>, …) through LocalOss with
/// 20 ms of latency under OSS's request-rate caps scaled down to this machine, in process and distributed with 1, 2,
/// 4 and 8 worker hosts (in-process <see cref="DistributedWorker"/>s over Azurite's queues), each run once as one key
/// range (copies in listing order: one key prefix at a time) and once split into 8 key ranges (spread over 8 prefixes).
/// Objects/s as a share of the account cap, and the share of requests refused.
/// <para>
/// The caps, scaled down: account <see cref="AccountRate"/> requests/s (a rate this machine's LocalOss, Azurite and
/// nine hosts in one process serve with room to spare, so the cap, not the machine, is what binds), one 8-character
/// key prefix a fifth of it (OSS's own ratio: 10,000/s per account, 2,000/s per prefix). Each worker copies at most
/// <see cref="ParallelismPerWorker"/> objects at once: at 20 ms that is at most 400 copies/s, less than the cap, so
/// one worker alone cannot reach it and throughput grows with workers until it does (2 workers can, in principle).
/// The goal (at least 90% of the cap, under 2% throttled, in the steady part) is for 4 and 8 workers, which have the
/// cap's worth of copies in flight with room to spare; below that the figures show the growth. The in-process run copies
/// in listing order and meets one prefix's cap: its goal is the <c>scale</c> section's, with spread keys.
/// </para>
/// `--objects N` (default 100,000, as issue 15 asks; a smaller N for a quick look).
/// </summary>
internal static class DistributedScaleSection
{
    private const int DefaultObjects = 100_000;
    private const double AccountRate = 500;
    private const double PrefixRate = AccountRate / 5;
    private const int PrefixLength = 8;
    private const int SplitRanges = 8;
    private const int SufficientWorkers = 4;
    private const double CapGoal = 0.9;
    private const double ThrottledGoal = 0.02;

    // BENCH_DSCALE_LATENCY_MS and BENCH_DSCALE_PER_WORKER stretch time as the scale section's 200 ms rows do: at 200 ms
    // the copies in flight the cap allows (cap × latency) are ten times as many, so each worker's limiter works with
    // OSS's real granularity (its caps at 20 ms: about 200 copies in flight) instead of one or two copies.
    private static readonly TimeSpan Latency = TimeSpan.FromMilliseconds(EnvironmentNumber("BENCH_DSCALE_LATENCY_MS", 20));
    private static readonly int ParallelismPerWorker = EnvironmentNumber("BENCH_DSCALE_PER_WORKER", 8);

    // Each cap's burst: five latencies' worth of its rate (0.1 s at 20 ms, 1 s at 200 ms).
    private static readonly int AccountBurst = (int)(AccountRate * 5 * Latency.TotalSeconds);
    private static readonly int PrefixBurst = (int)(PrefixRate * 5 * Latency.TotalSeconds);

    // BENCH_DSCALE_WORKERS picks the rows for a quick look (e.g. "4,8"; 0 is the in-process run): all by default.
    private static readonly int[] WorkerCounts = Environment.GetEnvironmentVariable("BENCH_DSCALE_WORKERS") is { Length: > 0 } chosen
        ? [.. chosen.Split(',').Select(w => int.Parse(w, NumberStyles.None, CultureInfo.InvariantCulture))]
        : [0, 1, 2, 4, 8];

    private static int EnvironmentNumber(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;

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

        // The in-process runner copies in listing order, so one key prefix's cap bounds it: a tenth of the objects (the
        // first keys, a bucket of their own) takes it about as long as the distributed runs take for all of them.
        const string inProcessSource = "dscale-source-tenth";
        var inProcessObjects = Math.Max(1, objects / 10);
        await client.PutBucketAsync(new PutBucketRequest { Bucket = inProcessSource });
        await Parallel.ForEachAsync(Enumerable.Range(0, inProcessObjects), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
            await client.PutObjectAsync(new PutObjectRequest { Bucket = inProcessSource, Key = $"obj/{i:D6}", Body = new MemoryStream(new byte[64]) }, ct));

        var runs = new List<DistributedScaleRun>();
        if (WorkerCounts.Contains(0))
        {
            var inProcess = await InProcessAsync(server, client, inProcessSource, inProcessObjects);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"in process: {inProcess.ObjectsPerSecond:N0} objects/s, {inProcess.ThrottledShare:P1} throttled, {inProcess.Seconds:F1} s"));
            runs.Add(inProcess);
        }

        foreach (var workers in WorkerCounts.Where(w => w > 0))
        {
            foreach (var ranges in new[] { 1, SplitRanges })
            {
                var run = await BackupAsync(azurite.ConnectionString, server, client, source, objects, workers, ranges, runs.Count);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{workers} workers, {ranges} key ranges: {run.ObjectsPerSecond:N0} objects/s, {run.ThrottledShare:P1} throttled, {run.Seconds:F1} s"));
                runs.Add(run);
            }
        }

        var report = new DistributedScaleReport(MachineDescription.Current(), AccountRate, PrefixRate, PrefixLength, Latency.TotalMilliseconds, ParallelismPerWorker,
            SufficientWorkers, CapGoal, ThrottledGoal, runs);
        report.Print(Console.Out);
        report.Save(Path.Combine(context.ResultsFolder, "distributed-scale.json"));
        return runs.All(r => r.Failed == 0) ? 0 : 1;
    }

    /// <summary>Throttling and latency on, counters reset: the measured part starts.</summary>
    private static void Cap(LocalOssServer server)
    {
        server.Options.Latency.Fixed = Latency;
        server.Throttle.Configure(new LocalOssThrottlingOptions
        {
            AccountRequestsPerSecond = AccountRate, AccountBurst = AccountBurst,
            PrefixRequestsPerSecond = PrefixRate, PrefixBurst = PrefixBurst, PrefixLength = PrefixLength,
        });
        server.Counters.Reset();
    }

    private static void Uncap(LocalOssServer server)
    {
        server.Throttle.Configure(new LocalOssThrottlingOptions());
        server.Options.Latency.Fixed = TimeSpan.Zero;
    }

    private static async Task<DistributedScaleRun> InProcessAsync(LocalOssServer server, OssClient client, string source, int objects)
    {
        const string destination = "dscale-inprocess";
        Uncap(server);
        await client.PutBucketAsync(new PutBucketRequest { Bucket = destination });
        var parallelism = 8 * ParallelismPerWorker;
        await using var host = Host(new ConfigurationBuilder().AddInMemoryCollection(OssSettings(server, parallelism)).Build(), withStorage: false);
        try
        {
            Cap(server);
            var progress = new BackupProgress();
            var stopwatch = Stopwatch.StartNew();
            var steady = new SteadyPart(server, objects, stopwatch, () => (progress.Concurrency, -1));
            using var sampling = new CancellationTokenSource();
            var sampler = steady.SampleEveryAsync(() => progress.Copied, sampling.Token);
            var report = await host.GetRequiredService<BackupRunner>().RunAsync(
                new BackupPlan { Name = "dscale-inprocess", Source = new BucketLocation { Bucket = source }, Destination = new BucketLocation { Bucket = destination } },
                new BackupRunOptions { Parallelism = parallelism, Progress = progress });
            var seconds = stopwatch.Elapsed.TotalSeconds;
            await sampling.CancelAsync();
            await sampler;
            if (report.Totals.Copied + report.Totals.Failed != objects)
            {
                throw new BenchmarkFailedException($"the in-process run copied {report.Totals.Copied} of {objects}, {report.Totals.Failed} failed");
            }

            return new DistributedScaleRun(0, 1, objects, seconds, server.Counters.Total, server.Counters.Throttled, report.Totals.Failed,
                report.FinalConcurrency, report.ConcurrencyDecreases, steady.ObjectsPerSecond, steady.ThrottledShare, steady.MeanLimit, steady.MeanInFlight);
        }
        finally
        {
            Uncap(server);
        }
    }

    private static Dictionary<string, string?> OssSettings(LocalOssServer server, int parallelism) => new()
    {
        ["Oss:Region"] = "cn-hangzhou",
        ["Oss:Endpoint"] = server.BaseAddress.ToString(),
        ["Oss:UsePathStyle"] = "true",
        ["Oss:AccessKeyId"] = LocalOssOptions.DefaultAccessKeyId,
        ["Oss:AccessKeySecret"] = LocalOssOptions.DefaultAccessKeySecret,
        ["Backup:MaxParallelism"] = parallelism.ToString(CultureInfo.InvariantCulture),
    };

    private static async Task<DistributedScaleRun> BackupAsync(string storage, LocalOssServer server, OssClient client, string source, int objects, int workers, int ranges, int index)
    {
        var destination = string.Create(CultureInfo.InvariantCulture, $"dscale-backup-{index}");
        Uncap(server);
        await client.PutBucketAsync(new PutBucketRequest { Bucket = destination });

        var id = string.Create(CultureInfo.InvariantCulture, $"{index}{Guid.NewGuid():N}")[..10];
        var settings = OssSettings(server, ParallelismPerWorker);
        settings["AzureWebJobsStorage"] = storage;
        settings["OssCopy:AzureStorage:ListQueue"] = "list-" + id;
        settings["OssCopy:AzureStorage:CopyQueue"] = "copy-" + id;
        settings["OssCopy:AzureStorage:RunsTable"] = "runs" + id;
        settings["OssCopy:AzureStorage:OutcomesTable"] = "outcomes" + id;
        settings["OssCopy:AzureStorage:ReportsContainer"] = "reports-" + id;
        settings["OssCopy:AzureStorage:StateContainer"] = "state-" + id;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var hosts = Enumerable.Range(0, workers + 1).Select(_ => Host(configuration)).ToList();
        try
        {
            var starter = hosts[0].GetRequiredService<DistributedRunStarter>();
            await starter.EnsureStorageAsync(CancellationToken.None);

            Cap(server);
            var stopwatch = Stopwatch.StartNew();
            var plan = new BackupPlan { Name = "dscale-" + id, Source = new BucketLocation { Bucket = source }, Destination = new BucketLocation { Bucket = destination } };
            var start = await starter.StartAsync(plan, new DistributedRunOptions { KeyRanges = ranges, SplitBy = KeyRangeSplitting.FirstCharacters }, CancellationToken.None);
            using var stop = new CancellationTokenSource();
            var running = hosts.Skip(1).Select(h => h.GetRequiredService<DistributedWorker>().RunAsync(2, stop.Token)).ToList();
            var store = hosts[0].GetRequiredService<RunStore>();
            var limiters = hosts.Skip(1).Select(h => h.GetRequiredService<RunContexts>().Limiter).ToList();
            var steady = new SteadyPart(server, objects, stopwatch, () => (limiters.Sum(l => l.Limit), limiters.Sum(l => l.InFlight)));
            RunRecord run;
            while (!(run = (await store.GetAsync(plan.Name, start.Run.RunId, CancellationToken.None))!).IsFinished)
            {
                // The run record's totals grow as batches complete: batch-grained, fine enough for 10 % and 90 %.
                steady.Add(run.Totals.Copied);
                await Task.Delay(200);
            }

            var seconds = stopwatch.Elapsed.TotalSeconds;
            await stop.CancelAsync();
            await Task.WhenAll(running);
            if (run.Status != RunStatus.Completed || run.Totals.Copied + run.Totals.Failed != objects)
            {
                throw new BenchmarkFailedException($"the run with {workers} workers and {ranges} key ranges ended {run.Status}: {run.Totals.Copied} of {objects} copied, {run.Totals.Failed} failed");
            }

            return new DistributedScaleRun(workers, ranges, objects, seconds, server.Counters.Total, server.Counters.Throttled, run.Totals.Failed,
                limiters.Sum(l => l.Limit), limiters.Sum(l => l.Decreases), steady.ObjectsPerSecond, steady.ThrottledShare, steady.MeanLimit, steady.MeanInFlight);
        }
        finally
        {
            Uncap(server);
            foreach (var host in hosts)
            {
                await host.DisposeAsync();
            }
        }
    }

    private static ServiceProvider Host(IConfiguration configuration, bool withStorage = true)
    {
        var services = new ServiceCollection().AddLogging();
        if (withStorage)
        {
            services.AddOssCopyAzureStorage(configuration);
        }

        services.AddOssCopy(configuration);
        return services.BuildServiceProvider();
    }

    /// <summary>
    /// The steady part of a run: samples of objects copied against LocalOss's request counters, and the rate and the
    /// share throttled between the samples where 10 % and 90 % of the objects were copied (as the <c>scale</c> section).
    /// </summary>
    private sealed class SteadyPart(LocalOssServer server, int objects, Stopwatch stopwatch, Func<(int Limit, int InFlight)> concurrency)
    {
        private readonly List<Sample> _samples = [];

        public void Add(long copied)
        {
            var (limit, inFlight) = concurrency();
            lock (_samples)
            {
                _samples.Add(new Sample(stopwatch.Elapsed.TotalSeconds, copied, server.Counters.Total, server.Counters.Throttled, limit, inFlight));
            }
        }

        public async Task SampleEveryAsync(Func<long> copied, CancellationToken cancellationToken)
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
            try
            {
                do
                {
                    Add(copied());
                }
                while (await timer.WaitForNextTickAsync(cancellationToken));
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The run is over: the samples so far are the answer.
            }
        }

        public double ObjectsPerSecond => Between((from, to) => (to.Copied - from.Copied) / (to.Seconds - from.Seconds));

        public double ThrottledShare => Between((from, to) => to.Requests == from.Requests ? 0 : (double)(to.Throttled - from.Throttled) / (to.Requests - from.Requests));

        /// <summary>The concurrency limit (summed over workers) in the steady part, on average: what the limiters allowed.</summary>
        public double MeanLimit => Mean(s => s.Limit);

        /// <summary>Copies in flight in the steady part, on average (-1: not known): below the limit, the limiters did not bind.</summary>
        public double MeanInFlight => Mean(s => s.InFlight);

        private double Mean(Func<Sample, int> value) =>
            Between((from, to) =>
            {
                lock (_samples)
                {
                    return _samples.Where(s => s.Seconds >= from.Seconds && s.Seconds <= to.Seconds).Average(s => (double)value(s));
                }
            });

        private double Between(Func<Sample, Sample, double> measure)
        {
            Sample? from, to;
            lock (_samples)
            {
                from = _samples.FirstOrDefault(s => s.Copied >= objects / 10);
                to = _samples.LastOrDefault(s => s.Copied <= objects * 9 / 10);
            }

            return from is not null && to is not null && to.Seconds > from.Seconds ? measure(from, to) : double.NaN;
        }

        private sealed record Sample(double Seconds, long Copied, long Requests, long Throttled, int Limit, int InFlight);
    }
}
