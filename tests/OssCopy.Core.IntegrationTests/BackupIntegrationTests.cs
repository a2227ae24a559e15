using OssCopy.Oss.Http;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using LocalOss;
using OssCopy.Core.Backup;
using OssCopy.Core.Copying;
using OssCopy.Core.State;
using OssCopy.Oss;
using OssCopy.Oss.Models;

namespace OssCopy.Core.IntegrationTests;

public sealed class BackupIntegrationTests(LocalOssFixture oss) : IClassFixture<LocalOssFixture>
{
    private static readonly string[] SpecialKeys = ["with space.txt", "plus+sign.txt", "中文/文件.txt", "emoji/😀.bin", "q?mark#hash.txt", "pct%41.txt"];

    private async Task<(string Source, string Destination, List<string> Keys)> SeedAsync(int count, int bigOnes = 0)
    {
        var source = await oss.NewBucketAsync("src");
        var destination = await oss.NewBucketAsync("dst");
        var keys = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var key = $"data/{(i % 3 == 0 ? "a/" : i % 3 == 1 ? "b/c/" : string.Empty)}{i:D4}{(i < SpecialKeys.Length ? "-" + SpecialKeys[i] : ".txt")}";
            await oss.PutAsync(source, key, RandomNumberGenerator.GetBytes(50 + (i % 200)), i % 4 == 0 ? "Team=t" + (i % 3) : null);
            keys.Add(key);
        }

        for (var i = 0; i < bigOnes; i++)
        {
            var key = $"data/big/{i}.bin";
            await oss.PutAsync(source, key, RandomNumberGenerator.GetBytes((int)(2.5 * CopyEngineOptions.MinPartSize)), "Size=big");
            keys.Add(key);
        }

        await oss.PutAsync(source, "elsewhere/not-in-plan.txt", "x"u8.ToArray());
        return (source, destination, keys);
    }

    private static BackupPlan Plan(string source, string destination) => new()
    {
        Name = "it-" + source,
        Source = new BucketLocation { Bucket = source, Prefix = "data/" },
        Destination = new BucketLocation { Bucket = destination, Prefix = "backup/" },
        TagRules = [new TagRule { Prefix = "a/", Action = TagAction.Replace, Tagging = "Backup={plan}&From={sourceBucket}" }, new TagRule { Suffix = ".bin", Action = TagAction.Merge, Tagging = "Copied=yes" }],
    };

    private async Task<List<string>> KeysAsync(string bucket)
    {
        var keys = new List<string>();
        await foreach (var page in oss.Admin.ListObjectsV2PagesAsync(new ListObjectsV2Request { Bucket = bucket }))
        {
            keys.AddRange(page.Contents.Select(c => c.Key));
        }

        return keys;
    }

    [Trait("Backend", LocalOssFixture.LocalOssOnly)]
    [Fact]
    public async Task A_backup_copies_everything_and_a_rerun_with_nothing_changed_only_lists()
    {
        var (source, destination, keys) = await SeedAsync(120, bigOnes: 2);
        var plan = Plan(source, destination);
        var engine = (Action<CopyEngineOptions>)(o => { o.MultipartThreshold = CopyEngineOptions.MinPartSize; o.PartSize = CopyEngineOptions.MinPartSize; });
        using var store = new FileCopyStateStore(Path.Combine(Path.GetTempPath(), "osscopy-it", Guid.NewGuid().ToString("N")));

        var first = await LocalOssFixture.Runner(oss.Client(), store, engine).RunAsync(plan);

        Assert.Equal((122L, 122L, 0L), (first.Totals.Listed, first.Totals.Copied, first.Totals.Failed));
        Assert.Equal(keys.Select(k => "backup/" + k["data/".Length..]).Order(StringComparer.Ordinal), (await KeysAsync(destination)).Order(StringComparer.Ordinal));
        var tagged = await oss.Admin.GetObjectTaggingAsync(new GetObjectTaggingRequest { Bucket = destination, Key = "backup/" + keys[0]["data/".Length..] });
        Assert.Equal(OssTagging.Parse($"Backup={plan.Name}&From={source}"), tagged.Tags);
        var big = await oss.Admin.GetObjectTaggingAsync(new GetObjectTaggingRequest { Bucket = destination, Key = "backup/big/0.bin" });
        Assert.Equal(OssTagging.Parse("Size=big&Copied=yes"), big.Tags);

        oss.Server.Counters.Reset();
        var second = await LocalOssFixture.Runner(oss.Client(), store, engine).RunAsync(plan);

        Assert.Equal((122L, 0L), (second.Totals.Unchanged, second.Totals.Copied));
        var counters = oss.Server.Counters.Snapshot().Where(p => p.Value > 0).ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal(["ListObjectsV2"], counters.Keys);
        Assert.Equal(1, counters["ListObjectsV2"]); // one source page of up to 1000 keys; the destination's range is in sync
        Assert.Equal((1, 0), (second.RangesTrusted, second.RangesCompared));
    }

    [Trait("Backend", LocalOssFixture.LocalOssOnly)]
    [Fact]
    public async Task With_the_sync_manifest_a_rerun_lists_only_the_source_and_the_destination_only_around_changes()
    {
        var source = await oss.NewBucketAsync("src");
        var destination = await oss.NewBucketAsync("dst");
        await Parallel.ForEachAsync(Enumerable.Range(0, 2500), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
            await oss.PutAsync(source, $"data/{i:D5}.txt", RandomNumberGenerator.GetBytes(10 + (i % 50))));
        var plan = new BackupPlan
        {
            Name = "ranges-" + source,
            Source = new BucketLocation { Bucket = source, Prefix = "data/" },
            Destination = new BucketLocation { Bucket = destination, Prefix = "backup/" },
            Options = new BackupCopyOptions { Verification = CopyVerification.ETag },
        };
        var listings = new ConcurrentQueue<string>();
        IOssClient Watched() => oss.Client(wrap: inner => new WatchingHandler(inner)
        {
            BeforeSend = request =>
            {
                if (request.Method == HttpMethod.Get && request.RequestUri!.Query.Contains("list-type=2", StringComparison.Ordinal))
                {
                    listings.Enqueue(Uri.UnescapeDataString(request.RequestUri.AbsolutePath + request.RequestUri.Query));
                }

                return Task.CompletedTask;
            },
        });
        using var store = new FileCopyStateStore(Path.Combine(Path.GetTempPath(), "osscopy-it", Guid.NewGuid().ToString("N")));
        var first = await LocalOssFixture.Runner(Watched(), store).RunAsync(plan);
        Assert.Equal((2500L, 0L), (first.Totals.Copied, first.Totals.Failed));

        oss.Server.Counters.Reset();
        var unchanged = await LocalOssFixture.Runner(Watched(), store).RunAsync(plan);

        var counters = oss.Server.Counters.Snapshot().Where(p => p.Value > 0).ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal(new Dictionary<string, long> { ["ListObjectsV2"] = 3 }, counters); // ceil(2500 / 1000) source pages, nothing else
        Assert.Equal((2500L, 2500L, 0L), (unchanged.Totals.Listed, unchanged.Totals.Unchanged, unchanged.Totals.Copied));
        Assert.Equal((3, 0), (unchanged.RangesTrusted, unchanged.RangesCompared));

        await oss.PutAsync(source, "data/01234.txt", "changed"u8.ToArray());
        await oss.PutAsync(source, "data/09999.txt", "added"u8.ToArray());
        oss.Server.Counters.Reset();
        listings.Clear();
        var changed = await LocalOssFixture.Runner(Watched(), store).RunAsync(plan);

        Assert.Equal((2L, 2499L, 0L), (changed.Totals.Copied, changed.Totals.Unchanged, changed.Totals.Failed));
        Assert.Equal(2, oss.Server.Counters["CopyObject"]);
        Assert.Equal("changed"u8.ToArray(), await oss.GetAsync(destination, "backup/01234.txt"));
        var destinationListings = listings.Where(l => l.StartsWith("/" + destination + "/", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, destinationListings.Count); // the range holding 01234, and the keys after the last range
        Assert.Contains("start-after=backup/00999.txt", destinationListings[0], StringComparison.Ordinal);
        Assert.Contains("start-after=backup/02499.txt", destinationListings[1], StringComparison.Ordinal);
        Assert.Equal(5, oss.Server.Counters["ListObjectsV2"]);
        Assert.Equal((2, 2), (changed.RangesTrusted, changed.RangesCompared));

        oss.Server.Counters.Reset();
        var full = await LocalOssFixture.Runner(Watched(), store).RunAsync(plan, new BackupRunOptions { FullReconcile = true });

        Assert.Equal((0L, 2501L, true), (full.Totals.Copied, full.Totals.Unchanged, full.FullReconcile));
        Assert.Equal(new Dictionary<string, long> { ["ListObjectsV2"] = 6 }, oss.Server.Counters.Snapshot().Where(p => p.Value > 0).ToDictionary(p => p.Key, p => p.Value));
    }

    [Trait("Backend", LocalOssFixture.LocalOssOnly)]
    [Fact]
    public async Task A_rerun_after_changes_copies_only_what_changed_and_never_deletes()
    {
        var (source, destination, keys) = await SeedAsync(30);
        var plan = Plan(source, destination);
        await LocalOssFixture.Runner(oss.Client()).RunAsync(plan);
        await oss.PutAsync(source, keys[10], RandomNumberGenerator.GetBytes(999));
        await oss.PutAsync(source, "data/new/one.txt", "new"u8.ToArray());
        await oss.PutAsync(destination, "backup/only-in-backup.txt", "keep me"u8.ToArray());
        oss.Server.Counters.Reset();

        var report = await LocalOssFixture.Runner(oss.Client()).RunAsync(plan);

        Assert.Equal((2L, 29L, 1L), (report.Totals.Copied, report.Totals.Unchanged, report.Totals.ExtraInDestination));
        Assert.Equal(2, oss.Server.Counters["CopyObject"]);
        Assert.Equal(0, oss.Server.Counters["DeleteObject"] + oss.Server.Counters["DeleteMultipleObjects"]);
        Assert.Equal("keep me"u8.ToArray(), await oss.GetAsync(destination, "backup/only-in-backup.txt"));
    }

    [Trait("Backend", LocalOssFixture.LocalOssOnly)]
    [Fact]
    public async Task A_run_cancelled_midway_resumes_and_no_object_is_copied_twice_or_lost()
    {
        var (source, destination, keys) = await SeedAsync(80);
        var plan = Plan(source, destination);
        var dir = Path.Combine(Path.GetTempPath(), "osscopy-it", Guid.NewGuid().ToString("N"));
        var copiedOk = new ConcurrentDictionary<string, int>();
        IOssClient Watched() => oss.Client(wrap: inner => new WatchingHandler(inner)
        {
            AfterReceive = (request, response) =>
            {
                if (response.IsSuccessStatusCode && request.Method == HttpMethod.Put && request.Headers.Contains(OssHeaders.CopySource))
                {
                    copiedOk.AddOrUpdate(Uri.UnescapeDataString(request.RequestUri!.AbsolutePath), 1, (_, n) => n + 1);
                }
            },
        });
        oss.Server.Faults.Add(new LocalOssFaultRule { Operation = "CopyObject", Kind = LocalOssFaultKind.Latency, LatencyMilliseconds = 20 });
        try
        {
            using var store = new FileCopyStateStore(dir);
            using var cts = new CancellationTokenSource();
            var progress = new BackupProgress();
            var run = LocalOssFixture.Runner(Watched(), store).RunAsync(plan, new BackupRunOptions { Parallelism = 4, Progress = progress }, cts.Token);
            while (progress.Copied < 30 && !run.IsCompleted)
            {
                await Task.Delay(5);
            }

            await cts.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
            Assert.NotNull(await store.LoadCheckpointAsync(plan.Name, CancellationToken.None));
        }
        finally
        {
            oss.Server.Faults.Clear();
        }

        // Copies the server had already started finish there even though their answers were abandoned: let them land,
        // then the resumed run must see them as done, not copy them again.
        await Task.Delay(300);
        var afterFirst = (await KeysAsync(destination)).Count;
        Assert.InRange(afterFirst, 30, 79);
        var answeredInFirst = copiedOk.Keys.ToHashSet();
        using var reopened = new FileCopyStateStore(dir);
        var resumed = await LocalOssFixture.Runner(Watched(), reopened).RunAsync(plan);

        Assert.Equal("Completed", resumed.Status);
        Assert.NotNull(resumed.ResumedAfter);
        Assert.All(copiedOk, p => Assert.Equal(1, p.Value));
        Assert.Equal(80 - afterFirst, copiedOk.Count - answeredInFirst.Count);
        Assert.Equal(keys.Select(k => "backup/" + k["data/".Length..]).Order(StringComparer.Ordinal), (await KeysAsync(destination)).Order(StringComparer.Ordinal));
        Assert.Null(await reopened.LoadCheckpointAsync(plan.Name, CancellationToken.None));
    }

    [Trait("Backend", LocalOssFixture.LocalOssOnly)]
    [Fact]
    public async Task Throttling_by_LocalOss_lowers_concurrency_and_every_object_still_arrives()
    {
        var (source, destination, _) = await SeedAsync(60);
        oss.Server.Faults.Add(new LocalOssFaultRule { Operation = "CopyObject", Kind = LocalOssFaultKind.SlowDown, Rate = 0.3 });
        try
        {
            var report = await LocalOssFixture.Runner(oss.Client(maxRetries: 0), configure: o => o.ThrottleRetries = 10)
                .RunAsync(Plan(source, destination), new BackupRunOptions { Parallelism = 16 });

            Assert.Equal((60L, 0L), (report.Totals.Copied, report.Totals.Failed));
            Assert.True(report.ConcurrencyDecreases > 0);
            Assert.True(report.LowestConcurrency < 16);
            Assert.Equal(60, (await KeysAsync(destination)).Count);
        }
        finally
        {
            oss.Server.Faults.Clear();
        }
    }

    [Trait("Backend", LocalOssFixture.LocalOssOnly)]
    [Fact]
    public async Task A_dry_run_makes_no_copy_and_its_report_says_what_would_be_copied()
    {
        var (source, destination, _) = await SeedAsync(12);
        var path = Path.Combine(Path.GetTempPath(), "osscopy-it", Guid.NewGuid().ToString("N"), "report.json");
        oss.Server.Counters.Reset();

        await using (var writer = new JsonReportWriter(path))
        {
            await LocalOssFixture.Runner(oss.Client()).RunAsync(Plan(source, destination), new BackupRunOptions { DryRun = true, Report = writer });
        }

        Assert.Equal(0, oss.Server.Counters["CopyObject"] + oss.Server.Counters["HeadObject"]);
        Assert.Empty(await KeysAsync(destination));
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(path));
        var totals = json.RootElement.GetProperty("totals");
        // A plan verifies by the pinned ETag by default: one CopyObject per object.
        Assert.Equal((12, 12), (totals.GetProperty("wouldCopy").GetInt32(), totals.GetProperty("wouldCopyRequests").GetInt32()));
        Assert.True(json.RootElement.GetProperty("dryRun").GetBoolean());
        Assert.Equal("ETag", json.RootElement.GetProperty("verification").GetString());
        Assert.All(json.RootElement.GetProperty("objects").EnumerateArray(), o => Assert.Equal("WouldCopy", o.GetProperty("action").GetString()));
    }

    [Fact]
    public async Task A_failing_object_is_reported_with_LocalOss_code_and_request_id_and_the_plan_goes_on()
    {
        var (source, destination, keys) = await SeedAsync(10);
        await oss.PutAsync(destination, "backup/" + keys[5]["data/".Length..], "different and protected"u8.ToArray());
        var plan = Plan(source, destination);
        plan.Options.ForbidOverwrite = true;

        var report = await LocalOssFixture.Runner(oss.Client(maxRetries: 0)).RunAsync(plan);

        Assert.Equal((9L, 1L), (report.Totals.Copied, report.Totals.Failed));
        var failure = Assert.Single(report.Failures);
        Assert.Equal((keys[5], "FileAlreadyExists", 409), (failure.Key, failure.ErrorCode, failure.StatusCode));
        Assert.False(string.IsNullOrEmpty(failure.RequestId));
    }

    [Trait("Backend", LocalOssFixture.LocalOssOnly)]
    [Fact]
    public async Task A_plan_verifies_by_the_pinned_ETag_by_default_one_request_per_object_and_LocalOss_keeps_the_ETag()
    {
        var (source, destination, keys) = await SeedAsync(40);
        var plan = Plan(source, destination);
        plan.TagRules.Clear();
        Assert.Null(plan.Options.Verification);
        oss.Server.Counters.Reset();

        var report = await LocalOssFixture.Runner(oss.Client()).RunAsync(plan);

        Assert.Equal((40L, 0L), (report.Totals.Copied, report.Totals.Failed));
        var counters = oss.Server.Counters.Snapshot().Where(p => p.Value > 0).ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal(new Dictionary<string, long> { ["CopyObject"] = 40, ["ListObjectsV2"] = 2, ["GetBucketLocation"] = 2 }, counters);
        foreach (var key in keys.Take(5))
        {
            var s = (await oss.Admin.HeadObjectAsync(new HeadObjectRequest { Bucket = source, Key = key })).Properties;
            var d = (await oss.Admin.HeadObjectAsync(new HeadObjectRequest { Bucket = destination, Key = "backup/" + key["data/".Length..] })).Properties;
            Assert.Equal((s.ETag, s.HashCrc64, s.ContentLength), (d.ETag, d.HashCrc64, d.ContentLength));
        }
    }

    [Trait("Backend", LocalOssFixture.LocalOssOnly)]
    [Fact]
    public async Task A_plan_asking_for_full_verification_heads_source_and_destination_of_every_copy()
    {
        var (source, destination, _) = await SeedAsync(10);
        var plan = Plan(source, destination);
        plan.TagRules.Clear();
        plan.Options.Verification = CopyVerification.Full;
        oss.Server.Counters.Reset();

        var report = await LocalOssFixture.Runner(oss.Client()).RunAsync(plan);

        Assert.Equal((10L, 0L), (report.Totals.Copied, report.Totals.Failed));
        Assert.Equal((10L, 20L), (oss.Server.Counters["CopyObject"], oss.Server.Counters["HeadObject"]));
        Assert.Equal(CopyVerification.Full, report.Verification);
    }

    [Trait("Backend", LocalOssFixture.LocalOssOnly)]
    [Fact]
    public async Task Every_throttled_attempt_lowers_the_concurrency()
    {
        var (source, destination, _) = await SeedAsync(60);
        var signal = new ThrottleSignal();
        var client = oss.Client(maxRetries: 5, wrap: inner => new ThrottleSignalHandler(signal, inner));
        var runner = LocalOssFixture.Runner(client, throttleSignal: signal, configure: o => o.ThrottleBackoff = new BackupRunnerOptions().ThrottleBackoff);
        oss.Server.Faults.Add(new LocalOssFaultRule { Operation = "CopyObject", Kind = LocalOssFaultKind.SlowDown, Rate = 0.2 });
        try
        {
            var report = await runner.RunAsync(Plan(source, destination), new BackupRunOptions { Parallelism = 16 });

            Assert.Equal((60L, 0L), (report.Totals.Copied, report.Totals.Failed));
            Assert.True(signal.Count > 0);
            Assert.True(report.ConcurrencyDecreases > 0, "the engine heard of the retried 503s");
            Assert.True(report.LowestConcurrency < 16);
        }
        finally
        {
            oss.Server.Faults.Clear();
        }
    }

    [Trait("Backend", LocalOssFixture.LocalOssOnly)]
    [Fact]
    public async Task A_throttled_copy_waits_for_its_retry_without_holding_a_concurrency_slot()
    {
        var (source, destination, keys) = await SeedAsync(12);
        var signal = new ThrottleSignal();
        var copies = new ConcurrentQueue<(string Key, int Status)>();
        var client = oss.Client(maxRetries: 3, wrap: inner => new ThrottleSignalHandler(signal, new CopyRecorder(copies, inner)));
        var runner = LocalOssFixture.Runner(client, throttleSignal: signal, configure: o => o.ThrottleBackoff = TimeSpan.FromSeconds(1));
        oss.Server.Faults.Add(new LocalOssFaultRule { Operation = "CopyObject", Kind = LocalOssFaultKind.SlowDown, Count = 1 });
        try
        {
            // Two copies at once; the refusal lowers the limit to one. Were the refused copy to wait for its retry in
            // the client (200 ms), it would hold that one slot and nothing else could be copied meanwhile.
            var report = await runner.RunAsync(Plan(source, destination), new BackupRunOptions { Parallelism = 2 });

            Assert.Equal((12L, 0L), (report.Totals.Copied, report.Totals.Failed));
            Assert.Equal(1, report.ConcurrencyDecreases);
            var order = copies.ToList();
            var refused = order.FindIndex(c => c.Status == 503);
            var retried = order.FindIndex(refused + 1, c => c.Key == order[refused].Key);
            Assert.True(retried > refused, string.Join(", ", order));
            var copiedMeanwhile = order.Skip(refused + 1).Take(retried - refused - 1).Count(c => c.Status == 200);
            Assert.True(copiedMeanwhile >= 5, $"{copiedMeanwhile} copies while the refused one waited: {string.Join(", ", order)}");
            Assert.Equal(keys.Count, order.Count(c => c.Status == 200));
        }
        finally
        {
            oss.Server.Faults.Clear();
        }
    }

    /// <summary>Every CopyObject attempt as it reaches the wire: the destination key and the answer's status.</summary>
    private sealed class CopyRecorder(ConcurrentQueue<(string Key, int Status)> copies, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (request.Headers.Contains("x-oss-copy-source"))
            {
                copies.Enqueue((request.RequestUri!.AbsolutePath, (int)response.StatusCode));
            }

            return response;
        }
    }
}
