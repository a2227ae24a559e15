using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OssCopy.Core.Backup;
using OssCopy.Core.Copying;
using OssCopy.Oss;
using OssCopy.Oss.Models;

namespace OssCopy.Bench;

internal sealed record DiffRun(string Name, long Objects, double Seconds, long ListRequests, long PeakWorkingSetBytes, long PeakManagedBytes);

/// <summary>
/// Peak memory of a 1,000,000-object plan: the runner merge-joins two generated listings (served page by page by an
/// in-memory lister over <see cref="IOssClient"/>; listing a million real objects through LocalOss would measure
/// LocalOss, not the diff) and streams its report. Once with every object unchanged, once as a dry run against an
/// empty destination, where every object passes through the copy queue.
/// </summary>
internal static class EngineDiffSection
{
    private const int Objects = 1_000_000;
    private const long CeilingBytes = 256L * 1024 * 1024;
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    internal static int Run(BenchContext context) => RunAsync(context).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(BenchContext context)
    {
        var runs = new List<DiffRun>
        {
            await RunOnceAsync("unchanged (merge-join, nothing to copy)", destinationCount: Objects, dryRun: false),
            await RunOnceAsync("dry run against an empty destination", destinationCount: 0, dryRun: true),
        };
        var peak = Process.GetCurrentProcess().PeakWorkingSet64;
        var passed = peak < CeilingBytes;
        Console.WriteLine(I($"Diff of {Objects:N0} objects per side (BackupRunner, streamed JSON report), on {MachineDescription.Current()}"));
        foreach (var run in runs)
        {
            Console.WriteLine(I($"  {run.Name,-42} {run.Seconds,6:F1} s  {run.Objects / run.Seconds,9:N0} objects/s  {run.ListRequests,5} list requests  managed peak {run.PeakManagedBytes / 1048576.0,6:F1} MiB"));
        }

        Console.WriteLine(I($"  process peak working set {peak / 1048576.0:F1} MiB (ceiling {CeilingBytes / 1048576} MiB)"));
        Console.WriteLine(passed ? "PASS" : "FAIL");
        Directory.CreateDirectory(context.ResultsFolder);
        await File.WriteAllTextAsync(Path.Combine(context.ResultsFolder, "engine-diff.json"),
            JsonSerializer.Serialize(new { machine = MachineDescription.Current(), objects = Objects, runs, peakWorkingSetBytes = peak, ceilingBytes = CeilingBytes, passed }, Json) + "\n");
        return passed ? 0 : 1;
    }

    private static async Task<DiffRun> RunOnceAsync(string name, int destinationCount, bool dryRun)
    {
        var lister = new GeneratedListing(Objects, destinationCount);
        var runner = BenchEngine.Runner(lister, engine: o => o.Verification = CopyVerification.ETag);
        var plan = new BackupPlan
        {
            Name = "diff-bench",
            Source = new BucketLocation { Bucket = "bench-source", Prefix = "data/" },
            Destination = new BucketLocation { Bucket = "bench-backup", Prefix = "data/" },
        };
        var reportPath = OperatingSystem.IsLinux() ? "/dev/null" : Path.GetTempFileName();
        long managedPeak = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                managedPeak = Math.Max(managedPeak, GC.GetTotalMemory(false));
                await Task.Delay(20);
            }
        });
        var stopwatch = Stopwatch.StartNew();
        await using (var sink = new JsonReportWriter(reportPath))
        {
            var report = await runner.RunAsync(plan, new BackupRunOptions { DryRun = dryRun, Report = sink });
            var expected = dryRun ? report.Totals.WouldCopy : report.Totals.Unchanged;
            if (expected != Objects)
            {
                throw new BenchmarkFailedException($"{name}: {expected} objects accounted for, not {Objects}");
            }
        }

        var seconds = stopwatch.Elapsed.TotalSeconds;
        await sampling.CancelAsync();
        await sampler;
        return new DiffRun(name, Objects, seconds, lister.ListRequests, Process.GetCurrentProcess().PeakWorkingSet64, managedPeak);
    }

    private static string I(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>Serves listings of generated keys page by page, as OSS would: nothing is held but the page asked for.</summary>
    private sealed class GeneratedListing(int sourceCount, int destinationCount) : IOssClient
    {
        private long _listRequests;

        public long ListRequests => Interlocked.Read(ref _listRequests);

        public Task<ListObjectsV2Result> ListObjectsV2Async(ListObjectsV2Request request, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _listRequests);
            var count = request.Bucket == "bench-source" ? sourceCount : destinationCount;
            var after = request.ContinuationToken ?? request.StartAfter;
            var start = after is null ? 0 : int.Parse(after.AsSpan("data/".Length), CultureInfo.InvariantCulture) + 1;
            var end = Math.Min(count, start + request.MaxKeys);
            var contents = new List<OssObjectSummary>(Math.Max(0, end - start));
            for (var i = start; i < end; i++)
            {
                contents.Add(new OssObjectSummary("data/" + i.ToString("D8", CultureInfo.InvariantCulture), 1024 + (i % 4096),
                    "\"" + i.ToString("X32", CultureInfo.InvariantCulture) + "\"", null, "Standard", "Normal"));
            }

            return Task.FromResult(new ListObjectsV2Result
            {
                Name = request.Bucket, Contents = contents, KeyCount = contents.Count, IsTruncated = end < count,
                NextContinuationToken = end < count ? contents[^1].Key : null, MaxKeys = request.MaxKeys,
            });
        }

        public IAsyncEnumerable<ListObjectsV2Result> ListObjectsV2PagesAsync(ListObjectsV2Request request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<CopyObjectResult> CopyObjectAsync(CopyObjectRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<PutObjectResult> PutObjectAsync(PutObjectRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<RestoreObjectResult> RestoreObjectAsync(RestoreObjectRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<GetObjectResult> GetObjectAsync(GetObjectRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<HeadObjectResult> HeadObjectAsync(HeadObjectRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<DeleteObjectResult> DeleteObjectAsync(DeleteObjectRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<GetObjectTaggingResult> GetObjectTaggingAsync(GetObjectTaggingRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<PutObjectTaggingResult> PutObjectTaggingAsync(PutObjectTaggingRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<OssEmptyResult> PutBucketAsync(PutBucketRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<GetBucketInfoResult> GetBucketInfoAsync(string bucket, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<GetBucketLocationResult> GetBucketLocationAsync(string bucket, CancellationToken cancellationToken = default) =>
            Task.FromResult(new GetBucketLocationResult { Location = "oss-cn-hangzhou" });

        public Task<OssEmptyResult> PutBucketVersioningAsync(string bucket, string status, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<GetBucketVersioningResult> GetBucketVersioningAsync(string bucket, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<InitiateMultipartUploadResult> InitiateMultipartUploadAsync(InitiateMultipartUploadRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<UploadPartResult> UploadPartAsync(UploadPartRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<UploadPartCopyResult> UploadPartCopyAsync(UploadPartCopyRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<CompleteMultipartUploadResult> CompleteMultipartUploadAsync(CompleteMultipartUploadRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<OssEmptyResult> AbortMultipartUploadAsync(AbortMultipartUploadRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<PresignResult> PresignGetObjectAsync(PresignGetObjectRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
