using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using LocalOss;
using OssCopy.Core.Backup;
using OssCopy.Core.Copying;
using OssCopy.Oss;
using OssCopy.Oss.Credentials;
using OssCopy.Oss.Models;

namespace OssCopy.Bench;

/// <summary>One measured copy loop: the client's and the server's CPU per copied object, and the wall time.</summary>
internal sealed record CpuRun(string Name, int Objects, double Seconds, double ClientCpuMilliseconds, double ServerCpuMilliseconds, long ClientAllocatedBytes, int ClientCollections, double JitMilliseconds, long MethodsCompiled, long ThreadPoolItems)
{
    /// <summary>Thread-pool work items per copied object: each is a hop, often a thread woken, which costs CPU of its own.</summary>
    public double ThreadPoolItemsPerObject => (double)ThreadPoolItems / Objects;

    /// <summary>Bytes the client allocated per copied object: what its garbage collections (CPU counted above) come from.</summary>
    public double ClientBytesPerObject => (double)ClientAllocatedBytes / Objects;

    public double ClientMicrosecondsPerObject => ClientCpuMilliseconds * 1000 / Objects;

    public double ServerMicrosecondsPerObject => ServerCpuMilliseconds * 1000 / Objects;
}

internal sealed record CpuReport(MachineDescription Machine, int Objects, int Concurrency, int Rounds, CpuRun Raw, CpuRun Engine)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public double EngineOverRaw => Engine.ClientMicrosecondsPerObject / Raw.ClientMicrosecondsPerObject;

    public void Print(TextWriter output)
    {
        output.WriteLine(I($"Client CPU per copied object, {Objects:N0} objects, {Concurrency} in flight, LocalOss in a process of its own (in memory), least of {Rounds} rounds, on {Machine}"));
        output.WriteLine(I($"  {"",-46} {"client us/obj",13} {"server us/obj",13} {"objects/s",10} {"client B/obj",12} {"GCs",5} {"JIT ms",7} {"jitted",7} {"pool items/obj",14}"));
        foreach (var run in new[] { Raw, Engine })
        {
            output.WriteLine(I($"  {run.Name,-46} {run.ClientMicrosecondsPerObject,13:F1} {run.ServerMicrosecondsPerObject,13:F1} {run.Objects / run.Seconds,10:N0} {run.ClientBytesPerObject,12:N0} {run.ClientCollections,5} {run.JitMilliseconds,7:F0} {run.MethodsCompiled,7} {run.ThreadPoolItemsPerObject,14:F1}"));
        }

        output.WriteLine(I($"  engine / raw client CPU per object  {EngineOverRaw,6:F2}"));
    }

    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, JsonSerializer.Serialize(this, Json) + "\n");
    }

    private static string I(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// The engine's cost on the client: process CPU time per copied object of a backup (listing, diff, limiter, report,
/// one CopyObject with ETag verification per object) against a raw CopyObject loop with our client. LocalOss runs as a
/// separate process, so on two shared cores its CPU is not counted as the client's (it is reported beside it).
/// CPU time, unlike wall time, is little moved by other work on the machine; the least of the rounds is kept.
/// </summary>
internal static partial class CpuSection
{
    private const int Objects = 10_000;
    private const int Concurrency = 16;
    private const int Rounds = 5;
    private const int WarmRounds = 3;
    private const string Source = "cpu-source";
    private static readonly OssCredentials Credentials = new(LocalOssOptions.DefaultAccessKeyId, LocalOssOptions.DefaultAccessKeySecret);

    internal static int Run(BenchContext context) => RunAsync(context).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(BenchContext context)
    {
        using var server = await LocalOssProcess.StartAsync();
        var client = OssClient.Create(
            new OssClientOptions { Region = "cn-hangzhou", Endpoint = server.BaseAddress, UsePathStyle = true },
            new StaticCredentialsProvider(Credentials));
        await client.PutBucketAsync(new PutBucketRequest { Bucket = Source });
        Console.WriteLine(I($"seeding {Objects:N0} objects"));
        await Parallel.ForEachAsync(Enumerable.Range(0, Objects), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
            await client.PutObjectAsync(new PutObjectRequest { Bucket = Source, Key = Key(i), Body = new MemoryStream(new byte[256]) }, ct));

        // Warm both paths (JIT, connections) before anything is measured, at full size: tiered compilation goes on
        // recompiling (with the profile it gathered) for several runs, and the engine has far more code than the raw
        // loop, so a short warm-up left it compiling through the measured rounds (the JIT column shows what remains).
        await RawAsync(server, client, "cpu-warm-raw", 1_000);
        await EngineAsync(server, client, "cpu-warm-engine", 1_000);
        for (var warm = 1; warm <= WarmRounds; warm++)
        {
            await RawAsync(server, client, I($"cpu-warm-raw-{warm}"), Objects);
            await EngineAsync(server, client, I($"cpu-warm-engine-{warm}"), Objects);
        }

        CpuRun? raw = null, engine = null;
        for (var round = 1; round <= Rounds; round++)
        {
            raw = Least(raw, await RawAsync(server, client, I($"cpu-raw-{round}"), Objects));
            engine = Least(engine, await EngineAsync(server, client, I($"cpu-engine-{round}"), Objects));
            Console.WriteLine(I($"round {round}: raw {raw!.ClientMicrosecondsPerObject:F1} us/object, engine {engine!.ClientMicrosecondsPerObject:F1} us/object (least so far; JIT {raw.JitMilliseconds:F0} and {engine.JitMilliseconds:F0} ms)"));
        }

        var report = new CpuReport(MachineDescription.Current(), Objects, Concurrency, Rounds, raw!, engine!);
        report.Print(Console.Out);
        report.Save(Path.Combine(context.ResultsFolder, "cpu.json"));
        return 0;
    }

    private static CpuRun Least(CpuRun? best, CpuRun run) => best is null || run.ClientCpuMilliseconds < best.ClientCpuMilliseconds ? run : best;

    private static string Key(int i) => "obj/" + i.ToString("D6", CultureInfo.InvariantCulture);

    private static async Task<CpuRun> RawAsync(LocalOssProcess server, OssClient client, string destination, int objects)
    {
        await client.PutBucketAsync(new PutBucketRequest { Bucket = destination });
        return await MeasureAsync(server, "raw CopyObject loop (our client, no checks)", objects, async () =>
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, objects), new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (i, ct) =>
                await client.CopyObjectAsync(new CopyObjectRequest { Bucket = destination, Key = Key(i), SourceBucket = Source, SourceKey = Key(i) }, ct));
            return objects;
        });
    }

    private static async Task<CpuRun> EngineAsync(LocalOssProcess server, OssClient client, string destination, int objects)
    {
        await client.PutBucketAsync(new PutBucketRequest { Bucket = destination });
        var runner = BenchEngine.Runner(client, backup: o =>
        {
            o.MaxParallelism = Concurrency;
            o.Verification = CopyVerification.ETag;
        });
        var plan = new BackupPlan
        {
            Name = destination,
            // The warm-up backs up a part of the source only.
            Source = new BucketLocation { Bucket = Source, Prefix = objects == Objects ? "obj/" : "obj/000" },
            Destination = new BucketLocation { Bucket = destination },
        };
        return await MeasureAsync(server, "engine backup (ETag verification)", objects, async () =>
        {
            var report = await runner.RunAsync(plan, new BackupRunOptions { Parallelism = Concurrency });
            if (report.Totals.Failed != 0 || report.Totals.Copied != objects)
            {
                throw new BenchmarkFailedException($"the engine copied {report.Totals.Copied} of {objects} objects ({report.Totals.Failed} failed)");
            }

            return (int)report.Totals.Copied;
        });
    }

    private static async Task<CpuRun> MeasureAsync(LocalOssProcess server, string name, int objects, Func<Task<int>> copy)
    {
        // Garbage of earlier loops is collected now, not charged to this one.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using var self = Process.GetCurrentProcess();
        var clientBefore = self.TotalProcessorTime;
        var serverBefore = server.CpuTime();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var collectionsBefore = GC.CollectionCount(0);
        var jitBefore = System.Runtime.JitInfo.GetCompilationTime();
        var methodsBefore = System.Runtime.JitInfo.GetCompiledMethodCount();
        var poolItemsBefore = ThreadPool.CompletedWorkItemCount;
        var stopwatch = Stopwatch.StartNew();
        var copied = await copy();
        var seconds = stopwatch.Elapsed.TotalSeconds;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var collections = GC.CollectionCount(0) - collectionsBefore;
        var jit = System.Runtime.JitInfo.GetCompilationTime() - jitBefore;
        var methods = System.Runtime.JitInfo.GetCompiledMethodCount() - methodsBefore;
        var poolItems = ThreadPool.CompletedWorkItemCount - poolItemsBefore;
        self.Refresh();
        var client = self.TotalProcessorTime - clientBefore;
        var serverCpu = server.CpuTime() - serverBefore;
        return new CpuRun(name, copied == 0 ? objects : copied, seconds, client.TotalMilliseconds, serverCpu.TotalMilliseconds, allocated, collections, jit.TotalMilliseconds, methods, poolItems);
    }

    private static string I(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>LocalOss as a child process (the build next to the bench), in memory, on a free port; killed on dispose.</summary>
    private sealed partial class LocalOssProcess : IDisposable
    {
        private readonly Process _process;

        private LocalOssProcess(Process process, string baseAddress)
        {
            _process = process;
            BaseAddress = baseAddress;
        }

        public string BaseAddress { get; }

        public TimeSpan CpuTime()
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }

        public static async Task<LocalOssProcess> StartAsync()
        {
            var dll = Path.Combine(AppContext.BaseDirectory, "LocalOss.dll");
            var start = new ProcessStartInfo("dotnet", [dll, "--port", "0", "--in-memory"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            var process = Process.Start(start) ?? throw new BenchmarkFailedException("could not start LocalOss");
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
                {
                    if (Listening().Match(line) is { Success: true } match)
                    {
                        // Keep reading its output so a full pipe never blocks it.
                        _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
                        _ = process.StandardError.ReadToEndAsync(CancellationToken.None);
                        return new LocalOssProcess(process, match.Groups[1].Value);
                    }
                }

                throw new BenchmarkFailedException("LocalOss ended before it listened: " + await process.StandardError.ReadToEndAsync(timeout.Token));
            }
            catch
            {
                process.Kill(entireProcessTree: true);
                process.Dispose();
                throw;
            }
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }

            _process.Dispose();
        }

        [GeneratedRegex(@"LocalOss listening on (http://\S+)")]
        private static partial Regex Listening();
    }
}
