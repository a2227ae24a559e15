using System.Collections.Concurrent;
using System.Security.Cryptography;
using OssCopy.Oss;
using OssCopy.Oss.Credentials;
using OssCopy.Oss.Hashing;
using OssCopy.Oss.Models;
using OssCopy.Reliability.Tests.Support;
using Xunit.Abstractions;

namespace OssCopy.Reliability.Tests;

/// <summary>Processes killed with SIGKILL midway (the osscopy CLI, LocalOss): what was acknowledged survives, the rest completes once.</summary>
[Trait(ReliabilityScale.Category, ReliabilityScale.Reliability)]
public sealed class CrashTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("osscopy-crash-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static OssClient Client(Uri baseAddress, int maxRetries = 3) => OssClient.Create(
        new OssClientOptions { Region = "cn-hangzhou", Endpoint = baseAddress.ToString(), UsePathStyle = true, MaxRetries = maxRetries, RetryBaseDelay = TimeSpan.FromMilliseconds(5) },
        new StaticCredentialsProvider(new OssCredentials(SecretScan.AccessKeyId, SecretScan.AccessKeySecret)));

    private static Dictionary<string, string> CliEnvironment => new()
    {
        ["OSS_ACCESS_KEY_ID"] = SecretScan.AccessKeyId,
        ["OSS_ACCESS_KEY_SECRET"] = SecretScan.AccessKeySecret,
    };

    [Fact]
    public async Task The_cli_killed_midway_through_a_backup_and_run_again_completes_the_rest_and_copies_nothing_twice()
    {
        const int Count = 600;
        var (server, address) = await ChildProcess.StartLocalOssAsync(Path.Combine(_dir, "oss"));
        using var _ = server;
        using var admin = new LocalOssAdmin(address);
        var client = Client(address);
        var source = "crash-src";
        var destination = "crash-dst";
        await client.PutBucketAsync(new PutBucketRequest { Bucket = source });
        await client.PutBucketAsync(new PutBucketRequest { Bucket = destination });
        await client.PutBucketVersioningAsync(destination, OssVersioningStatus.Enabled);
        var objects = await SeedAsync(client, source, Count);
        var plan = Path.Combine(_dir, "plan.json");
        await File.WriteAllTextAsync(plan, $$"""
            {
              "name": "crash",
              "source": { "bucket": "{{source}}", "prefix": "data/" },
              "destination": { "bucket": "{{destination}}", "prefix": "copy/" },
              "oss": { "region": "cn-hangzhou", "endpoint": "{{address}}", "usePathStyle": true }
            }
            """);
        string[] Backup(string report) => ["backup", "--plan", plan, "--state-dir", Path.Combine(_dir, "state"), "--report", Path.Combine(_dir, report), "--parallel", "8"];

        // Slow copies, so the kill lands while copies are in flight.
        await admin.DelayAsync("CopyObject", 25);
        await admin.ResetCountersAsync();
        using (var first = ChildProcess.Start("osscopy.dll", Backup("first.json"), CliEnvironment))
        {
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (await admin.CounterAsync("CopyObject") < Count / 3)
            {
                Assert.False(first.HasExited, "the backup ended before it could be killed: " + first.Output);
                Assert.True(DateTime.UtcNow < deadline, "the backup made no progress: " + first.Output);
                await Task.Delay(20);
            }

            first.Kill();
            SecretScan.AssertClean("osscopy output", first.Output);
        }

        // Copies the dead process had already sent may still land on the server: let them, then count.
        await Task.Delay(500);
        var copiedBeforeKill = (await Versions.PerKeyAsync(client, destination)).Count;
        await admin.ClearFaultsAsync();
        await admin.ResetCountersAsync();
        using var second = ChildProcess.Start("osscopy.dll", Backup("second.json"), CliEnvironment);
        var code = await second.WaitForExitAsync(TimeSpan.FromSeconds(180));
        var report = await ReportFile.ReadAsync(Path.Combine(_dir, "second.json"));
        var rerunCopies = await admin.CounterAsync("CopyObject");
        var versions = await Versions.PerKeyAsync(client, destination);

        Figures.Write(output, $"CLI SIGKILL: {Count} objects; {copiedBeforeKill} in the destination at the kill; the rerun made {rerunCopies} copies; its report (totals carried over from the killed run's checkpoint) copied {report.Totals.Copied}, " +
            $"unchanged {report.Totals.Unchanged}, failed {report.Totals.Failed}; keys written more than once: {versions.Count(v => v.Value > 1)}");
        Assert.True(code == 0, $"exit {code}: {second.Output}");
        Assert.InRange(copiedBeforeKill, 1, Count - 1);
        report.AssertAccountsFor(objects.Select(o => o.Key));
        Assert.Equal(((long)Count, 0L), (report.Totals.Copied + report.Totals.Unchanged, report.Totals.Failed));
        Assert.Equal(Count - copiedBeforeKill, rerunCopies); // exactly what was missing, nothing already there
        Assert.Empty(versions.Where(v => v.Value != 1).Select(v => $"{v.Key}: {v.Value} versions"));
        var audit = await LocalOssWorld.AuditAsync(client, objects, "data/", destination, "copy/");
        Assert.True(audit.IsComplete, audit.ToString());
        SecretScan.AssertClean("osscopy output", second.Output, report.Text);
    }

    [Fact]
    public async Task LocalOss_killed_midway_through_uploads_keeps_every_acknowledged_object_intact_and_no_partial_one()
    {
        var data = Path.Combine(_dir, "oss");
        var acknowledged = new ConcurrentDictionary<string, ulong>(StringComparer.Ordinal);
        var sent = new ConcurrentDictionary<string, ulong>(StringComparer.Ordinal);
        var bucket = "uploads";
        int failedUploads;
        var (first, address) = await ChildProcess.StartLocalOssAsync(data);
        using (first)
        {
            var client = Client(address, maxRetries: 0);
            await client.PutBucketAsync(new PutBucketRequest { Bucket = bucket });
            using var stop = new CancellationTokenSource();
            var failures = 0;

            // Eight uploaders, each object up to 2 MiB so some are mid-body when the process dies.
            var uploaders = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    var body = RandomNumberGenerator.GetBytes(1 + RandomNumberGenerator.GetInt32(2 * 1024 * 1024));
                    var key = $"w{w}/{i:D5}";
                    sent[key] = Crc64.Compute(body);
                    try
                    {
                        await client.PutObjectAsync(new PutObjectRequest { Bucket = bucket, Key = key, Body = new MemoryStream(body) });
                        acknowledged[key] = sent[key];
                    }
                    catch (Exception ex) when (ex is HttpRequestException or IOException or OssException or TaskCanceledException)
                    {
                        Interlocked.Increment(ref failures);
                        return;
                    }
                }
            })).ToList();
            while (acknowledged.Count < 60)
            {
                await Task.Delay(10);
            }

            first.Kill();
            await stop.CancelAsync();
            await Task.WhenAll(uploaders);
            failedUploads = failures;
        }

        var (second, again) = await ChildProcess.StartLocalOssAsync(data);
        using var _ = second;
        var after = Client(again);
        var listed = await LocalOssWorld.ListAsync(after, bucket, "");
        var corrupt = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(listed.Keys, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (key, ct) =>
        {
            // Acknowledged or not, an object that is there is whole: what was sent under its key, byte for byte.
            await using var get = await after.GetObjectAsync(new GetObjectRequest { Bucket = bucket, Key = key }, ct);
            using var buffer = new MemoryStream();
            await get.Content.CopyToAsync(buffer, ct);
            if (!sent.TryGetValue(key, out var crc) || Crc64.Compute(buffer.ToArray()) != crc || get.Properties.HashCrc64 != crc)
            {
                corrupt.Add(key);
            }
        });

        Figures.Write(output, $"LocalOss SIGKILL: {acknowledged.Count} uploads acknowledged, {failedUploads} cut by the kill, {listed.Count} objects after the restart, " +
            $"{listed.Count - acknowledged.Count} of them unacknowledged yet whole");
        Assert.True(failedUploads > 0, "the kill cut no upload");
        var lost = acknowledged.Keys.Where(k => !listed.ContainsKey(k)).ToList();
        Assert.True(lost.Count == 0, "acknowledged but lost: " + string.Join(", ", lost));
        Assert.Empty(corrupt);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(data, "tmp")));
        SecretScan.AssertClean("LocalOss process output", first.Output, second.Output);
    }

    private static async Task<IReadOnlyList<SourceObject>> SeedAsync(OssClient client, string bucket, int count)
    {
        var objects = new ConcurrentBag<SourceObject>();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            var body = RandomNumberGenerator.GetBytes(16 + (i * 53 % 4000));
            var key = $"data/{i:D5}.bin";
            await client.PutObjectAsync(new PutObjectRequest { Bucket = bucket, Key = key, Body = new MemoryStream(body) }, ct);
            objects.Add(new SourceObject(key, body.Length, Crc64.Compute(body)));
        });
        return [.. objects];
    }
}
