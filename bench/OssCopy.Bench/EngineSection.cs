using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using LocalOss;
using OssCopy.Core.Backup;
using OssCopy.Core.Copying;
using OssCopy.Core.State;
using OssCopy.Oss;
using OssCopy.Oss.Credentials;
using OssCopy.Oss.Models;

namespace OssCopy.Bench;

internal sealed record EngineRun(string Name, long Objects, double Seconds, long Requests)
{
    public double ObjectsPerSecond => Objects / Seconds;
}

internal sealed record EngineReport(
    MachineDescription Machine,
    int Objects,
    int Concurrency,
    int Rounds,
    EngineRun Raw,
    EngineRun EngineETag,
    EngineRun EngineCrc,
    EngineRun EngineFull,
    EngineRun? AliOss,
    long NoChangeRequests,
    double EngineOverRawFloor,
    double EngineOverAliOssFloor,
    double RequestsPerThousandSourceCeiling)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>The floors are checked on a plan's default verification (ETag: one request per object).</summary>
    public double EngineOverRaw => EngineETag.ObjectsPerSecond / Raw.ObjectsPerSecond;

    public double EngineOverAliOss => AliOss is null ? double.NaN : EngineETag.ObjectsPerSecond / AliOss.ObjectsPerSecond;

    /// <summary>Per 1,000 keys of both sides (2 × Objects), the figure before the sync manifest let the re-run skip the destination.</summary>
    public double RequestsPerThousandListed => NoChangeRequests * 1000.0 / (2.0 * Objects);

    /// <summary>The issue's measure: requests per 1,000 source objects of the plan.</summary>
    public double RequestsPerThousandSource => NoChangeRequests * 1000.0 / Objects;

    public bool Passed => EngineOverRaw >= EngineOverRawFloor && (AliOss is null || EngineOverAliOss >= EngineOverAliOssFloor)
                          && RequestsPerThousandSource <= RequestsPerThousandSourceCeiling;

    public void Print(TextWriter output)
    {
        output.WriteLine(I($"Backup of {Objects:N0} objects through LocalOss (on disk), {Concurrency} copies in flight, best of {Rounds} rounds, on {Machine}"));
        output.WriteLine(I($"  {"",-44} {"objects/s",10} {"seconds",8} {"requests",9}"));
        foreach (var run in new[] { Raw, EngineETag, EngineCrc, EngineFull, AliOss })
        {
            if (run is not null)
            {
                output.WriteLine(I($"  {run.Name,-44} {run.ObjectsPerSecond,10:N0} {run.Seconds,8:F2} {run.Requests,9:N0}"));
            }
        }

        output.WriteLine(I($"  engine (etag) / raw CopyObject   {EngineOverRaw,6:F2}  (floor {EngineOverRawFloor:F2})"));
        output.WriteLine(I($"  engine (crc)  / raw CopyObject   {EngineCrc.ObjectsPerSecond / Raw.ObjectsPerSecond,6:F2}   engine (full) / raw {EngineFull.ObjectsPerSecond / Raw.ObjectsPerSecond:F2}"));
        output.WriteLine(AliOss is null
            ? "  engine (etag) / ali-oss loop     skipped: node or tests/Interop/node_modules missing"
            : I($"  engine (etag) / ali-oss loop     {EngineOverAliOss,6:F2}  (floor {EngineOverAliOssFloor:F2})"));
        output.WriteLine(I($"  no-change re-run: {NoChangeRequests} requests = {RequestsPerThousandSource:F2} per 1,000 source objects (ceiling {RequestsPerThousandSourceCeiling:F2}), {RequestsPerThousandListed:F2} per 1,000 keys of both sides"));
        output.WriteLine(Passed ? "PASS" : "FAIL");
    }

    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, JsonSerializer.Serialize(this, Json) + "\n");
    }

    private static string I(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// A 10,000-object backup through the engine (BackupRunner, CRC and full verification) against LocalOss's raw
/// CopyObject capacity (our client, one CopyObject per object, same concurrency) and a plain ali-oss copy loop in
/// Node at the same concurrency; then a no-change re-run's request count, with the state store its backup left (the sync
/// manifest lets it skip the destination listing).
/// </summary>
internal static class EngineSection
{
    private const int Objects = 10_000;
    private const int Concurrency = 16;
    private const string Source = "bench-source";
    private static readonly OssCredentials Credentials = new(LocalOssOptions.DefaultAccessKeyId, LocalOssOptions.DefaultAccessKeySecret);

    internal static int Run(BenchContext context) => RunAsync(context).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(BenchContext context)
    {
        var data = Path.Combine(Path.GetTempPath(), "engine-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var server = await LocalOssServer.StartAsync(new LocalOssOptions { Port = 0, DataDirectory = Path.Combine(data, "localoss") });
            var client = OssClient.Create(
                new OssClientOptions { Region = "cn-hangzhou", Endpoint = server.BaseAddress.ToString(), UsePathStyle = true },
                new StaticCredentialsProvider(Credentials));
            await client.PutBucketAsync(new PutBucketRequest { Bucket = Source });
            Console.WriteLine(I($"seeding {Objects:N0} objects"));
            await Parallel.ForEachAsync(Enumerable.Range(0, Objects), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
                await client.PutObjectAsync(new PutObjectRequest { Bucket = Source, Key = Key(i), Body = new MemoryStream(new byte[256 + (i % 512)]) }, ct));

            // Warm both paths (JIT, connections) on a few objects outside the measured buckets: 200 raw copies, and the
            // same 200 objects through the engine (two backups of 100, listing, report and all), so neither loop's
            // first round pays for compiling code the other's did not.
            await client.PutBucketAsync(new PutBucketRequest { Bucket = "bench-warm" });
            await Parallel.ForEachAsync(Enumerable.Range(0, 200), new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (i, ct) =>
                await client.CopyObjectAsync(new CopyObjectRequest { Bucket = "bench-warm", Key = "warm/" + i, SourceBucket = Source, SourceKey = Key(i) }, ct));
            await WarmEngineAsync(client, data);

            // One state store for every engine run, as the CLI keeps one: the re-run below finds the sync manifest its
            // backup run wrote.
            using var store = new FileCopyStateStore(Path.Combine(data, "state"));

            // Then both loops at full size, unmeasured: tiered compilation goes on recompiling for several runs, on a
            // background thread that takes its CPU from the measured loop in this process, and the engine has far more
            // code to tier up than the raw loop (a 200-object warm-up left it compiling through the first rounds).
            for (var warm = 1; warm <= WarmRounds; warm++)
            {
                await RawAsync(server, client, await NewBucketAsync(client, "bench-warm-raw", warm));
                await EngineAsync(server, client, await NewBucketAsync(client, "bench-warm-etag", warm), CopyVerification.ETag, data, store);
            }

            // The machine is shared and its speed drifts: the three compared loops take turns, and each keeps its best round.
            EngineRun? raw = null, engineETag = null, aliOss = null;
            for (var round = 1; round <= Rounds; round++)
            {
                raw = Best(raw, await RawAsync(server, client, await NewBucketAsync(client, "bench-raw", round)));
                engineETag = Best(engineETag, (await EngineAsync(server, client, await NewBucketAsync(client, "bench-etag", round), CopyVerification.ETag, data, store)).Run);
                aliOss = Best(aliOss, await AliOssAsync(server, await NewBucketAsync(client, "bench-alioss", round)));
                Console.WriteLine(I($"round {round}: raw {raw!.ObjectsPerSecond:N0}/s, engine (etag) {engineETag!.ObjectsPerSecond:N0}/s, ali-oss {aliOss?.ObjectsPerSecond ?? 0:N0}/s (best so far)"));
            }

            var engineCrc = await EngineAsync(server, client, await NewBucketAsync(client, "bench-crc", 1), CopyVerification.Crc, data, store);
            var engineFull = await EngineAsync(server, client, await NewBucketAsync(client, "bench-full", 1), CopyVerification.Full, data, store);

            // The no-change re-run of the first ETag backup, with the state that backup left.
            var rerunPlan = Plan("bench-etag-1");
            if (await store.LoadSyncManifestAsync(rerunPlan.Name, CancellationToken.None) is null)
            {
                throw new BenchmarkFailedException($"the backup of {rerunPlan.Name} left no sync manifest for its re-run");
            }

            server.Counters.Reset();
            var rerun = await Runner(client, CopyVerification.ETag, store).RunAsync(rerunPlan, new BackupRunOptions { Parallelism = Concurrency });
            if (rerun.Totals.Unchanged != Objects)
            {
                throw new BenchmarkFailedException($"the re-run found {rerun.Totals.Unchanged} unchanged objects, not {Objects}");
            }

            var report = new EngineReport(MachineDescription.Current(), Objects, Concurrency, Rounds, raw!, engineETag!, engineCrc.Run, engineFull.Run, aliOss,
                server.Counters.Total, 0.8, 1.5, 1.0);
            report.Print(Console.Out);
            report.Save(Path.Combine(context.ResultsFolder, "engine.json"));
            return report.Passed ? 0 : 1;
        }
        finally
        {
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    // The JIT keeps tiering up over the first rounds (each loop gets faster until about the third), so the best of five
    // compares warm code with warm code.
    private const int Rounds = 5;

    private const int WarmRounds = 2;

    private static EngineRun? Best(EngineRun? best, EngineRun? run) => run is null ? best : best is null || run.Seconds < best.Seconds ? run : best;

    private static async Task<string> NewBucketAsync(OssClient client, string name, int round)
    {
        var bucket = name + "-" + round.ToString(CultureInfo.InvariantCulture);
        await client.PutBucketAsync(new PutBucketRequest { Bucket = bucket });
        return bucket;
    }

    private static string Key(int i) => "obj/" + i.ToString("D6", CultureInfo.InvariantCulture);

    private static async Task<EngineRun> RawAsync(LocalOssServer server, OssClient client, string destination)
    {
        server.Counters.Reset();
        var stopwatch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, Objects), new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (i, ct) =>
            await client.CopyObjectAsync(new CopyObjectRequest { Bucket = destination, Key = Key(i), SourceBucket = Source, SourceKey = Key(i) }, ct));
        return new EngineRun("raw CopyObject (our client, no HEAD, no checks)", Objects, stopwatch.Elapsed.TotalSeconds, server.Counters.Total);
    }

    private static BackupPlan Plan(string destination) => new()
    {
        Name = "bench-" + destination,
        Source = new BucketLocation { Bucket = Source, Prefix = "obj/" },
        Destination = new BucketLocation { Bucket = destination, Prefix = "obj/" },
    };

    private static BackupRunner Runner(IOssClient client, CopyVerification verification, ICopyStateStore store) =>
        BenchEngine.Runner(client, store, o =>
        {
            o.MaxParallelism = Concurrency;
            o.Verification = verification;
        });

    private static async Task WarmEngineAsync(OssClient client, string data)
    {
        using var store = new FileCopyStateStore(Path.Combine(data, "state"));
        foreach (var hundred in new[] { "obj/0000", "obj/0001" })
        {
            await using var sink = new JsonReportWriter(Path.Combine(data, "warm-" + hundred[^4..] + ".report.json"));
            var report = await Runner(client, CopyVerification.ETag, store).RunAsync(new BackupPlan
            {
                Name = "bench-warm-" + hundred[^4..],
                Source = new BucketLocation { Bucket = Source, Prefix = hundred },
                Destination = new BucketLocation { Bucket = "bench-warm", Prefix = "engine/" + hundred },
            }, new BackupRunOptions { Parallelism = Concurrency, Report = sink });
            if (report.Totals.Copied != 100)
            {
                throw new BenchmarkFailedException($"the engine warm-up copied {report.Totals.Copied} of 100 objects under {hundred}");
            }
        }
    }

    private static async Task<(EngineRun Run, CopyReport Report)> EngineAsync(
        LocalOssServer server, OssClient client, string destination, CopyVerification verification, string data, ICopyStateStore store)
    {
        server.Counters.Reset();
        await using var sink = new JsonReportWriter(Path.Combine(data, destination + ".report.json"));
        var stopwatch = Stopwatch.StartNew();
        var report = await Runner(client, verification, store).RunAsync(Plan(destination), new BackupRunOptions { Parallelism = Concurrency, Report = sink });
        var seconds = stopwatch.Elapsed.TotalSeconds;
        if (report.Totals.Copied != Objects)
        {
            throw new BenchmarkFailedException($"the engine copied {report.Totals.Copied} of {Objects} objects ({report.Totals.Failed} failed)");
        }

        var name = verification switch
        {
            CopyVerification.ETag => "engine backup, ETag verification (copy only)",
            CopyVerification.Crc => "engine backup, CRC verification (HEAD + copy)",
            _ => "engine backup, full verification (+ HEAD dest)",
        };
        return (new EngineRun(name, Objects, seconds, server.Counters.Total), report);
    }

    private static async Task<EngineRun?> AliOssAsync(LocalOssServer server, string destination)
    {
        var root = BenchContextRoot();
        var script = Path.Combine(root, "bench", "alioss-copy.js");
        if (!Directory.Exists(Path.Combine(root, "tests", "Interop", "node_modules", "ali-oss")))
        {
            return null;
        }

        server.Counters.Reset();
        var start = new ProcessStartInfo("node", [script, server.Port.ToString(CultureInfo.InvariantCulture), Source, destination,
            Objects.ToString(CultureInfo.InvariantCulture), Concurrency.ToString(CultureInfo.InvariantCulture), "obj/"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        Process? node;
        try
        {
            node = Process.Start(start);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }

        using (node)
        {
            var output = await node!.StandardOutput.ReadToEndAsync();
            var error = await node.StandardError.ReadToEndAsync();
            await node.WaitForExitAsync();
            if (node.ExitCode != 0)
            {
                throw new BenchmarkFailedException($"the ali-oss loop failed: {error}");
            }

            using var json = JsonDocument.Parse(output);
            var copies = json.RootElement.GetProperty("copies").GetInt64();
            if (copies != Objects)
            {
                throw new BenchmarkFailedException($"the ali-oss loop copied {copies} of {Objects}");
            }

            return new EngineRun("ali-oss copy loop in Node (no HEAD, no checks)", copies, json.RootElement.GetProperty("seconds").GetDouble(), server.Counters.Total);
        }
    }

    private static string BenchContextRoot()
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

    private static string I(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
