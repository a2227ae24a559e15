using Microsoft.Extensions.Time.Testing;
using OssCopy.Core.Backup;
using OssCopy.Core.State;
using OssCopy.Core.Tests.Support;
using OssCopy.Oss;
using OssCopy.Oss.Models;

namespace OssCopy.Core.Tests.Backup;

/// <summary>Key ranges found in sync: a re-run lists the destination only where the source's listing changed.</summary>
public class SyncRangeTests
{
    /// <summary>30 objects, 3 per listing page (the test runners' page size): ranges (null,002], (002,005], …, (026,029].</summary>
    private static InMemoryOss Seeded(int count = 30) => InMemoryOss.WithSourceObjects(count);

    /// <summary>Every listing request, in order (the fault hook sees each one and lets it through).</summary>
    private static List<ListObjectsV2Request> WatchListings(InMemoryOss oss, Func<string, object, Exception?>? fault = null)
    {
        var seen = new List<ListObjectsV2Request>();
        oss.Fault = (operation, subject) =>
        {
            if (operation == "ListObjectsV2")
            {
                lock (seen)
                {
                    seen.Add((ListObjectsV2Request)subject);
                }
            }

            return fault?.Invoke(operation, subject);
        };
        return seen;
    }

    private static List<ListObjectsV2Request> Destination(List<ListObjectsV2Request> listings) => listings.Where(r => r.Bucket == "dst-bucket").ToList();

    private static FileCopyStateStore Store() => new(BackupRunnerTests.TempDir());

    [Fact]
    public void A_range_hash_covers_every_key_size_and_ETag_in_order()
    {
        using var hasher = new RangeHasher();
        string Hash(params (string Key, long Size, string ETag)[] entries)
        {
            foreach (var (key, size, etag) in entries)
            {
                hasher.Add(key, new OssObjectSummary("p/" + key, size, etag, null, "Standard", "Normal"));
            }

            return hasher.Finish();
        }

        var original = Hash(("a", 1, "\"E1\""), ("b", 2, "\"E2\""));

        Assert.Equal(original, Hash(("a", 1, "\"E1\""), ("b", 2, "\"E2\"")));
        Assert.Equal(0, hasher.Count);
        Assert.Equal(32, original.Length);
        Assert.NotEqual(original, Hash(("a", 1, "\"E1\""), ("b", 3, "\"E2\"")));
        Assert.NotEqual(original, Hash(("a", 1, "\"E1\""), ("b", 2, "\"E3\"")));
        Assert.NotEqual(original, Hash(("a", 1, "\"E1\""), ("c", 2, "\"E2\"")));
        Assert.NotEqual(original, Hash(("b", 2, "\"E2\""), ("a", 1, "\"E1\"")));
        Assert.NotEqual(original, Hash(("a", 1, "\"E1\"")));
        Assert.NotEqual(Hash(("ab", 1, "c")), Hash(("a", 1, "bc")));
    }

    [Fact]
    public async Task A_rerun_with_the_manifest_lists_only_the_source_and_says_why_each_object_is_unchanged()
    {
        var oss = Seeded();
        using var store = Store();
        var first = await Runners.Create(oss, store).RunAsync(Runners.Plan());
        var manifest = await store.LoadSyncManifestAsync("nightly", CancellationToken.None);
        var listings = WatchListings(oss);
        var sink = new Runners.MemorySink();

        var report = await Runners.Create(oss, store).RunAsync(Runners.Plan(), new BackupRunOptions { Report = sink });

        Assert.True(first.FullReconcile);
        Assert.Equal(first.StartedAt, manifest!.LastFullReconcile);
        Assert.Equal(10, manifest.Ranges.Count);
        Assert.Equal(new SyncRange("002.txt", "005.txt", 3, manifest.Ranges[1].Hash), manifest.Ranges[1]);
        Assert.Empty(Destination(listings));
        Assert.Equal(10, listings.Count); // 30 source keys, 3 a page
        Assert.Equal(new Dictionary<string, long> { ["ListObjectsV2"] = 10 }, report.Requests);
        Assert.Equal((30L, 30L, 0L), (report.Totals.Listed, report.Totals.Unchanged, report.Totals.Copied));
        Assert.Equal((10, 0, false), (report.RangesTrusted, report.RangesCompared, report.FullReconcile));
        Assert.Equal(30, sink.Entries.Count);
        Assert.All(sink.Entries, e => Assert.Equal((ReportAction.Unchanged, ReportReason.InSyncRange), (e.Action, e.Reason)));
    }

    [Fact]
    public async Task A_changed_object_inside_a_trusted_range_lists_the_destination_only_for_that_range()
    {
        var oss = Seeded();
        using var store = Store();
        await Runners.Create(oss, store).RunAsync(Runners.Plan());
        oss.Put("src-bucket", "data/013.txt", size: 999);
        var listings = WatchListings(oss);
        var sink = new Runners.MemorySink();

        var report = await Runners.Create(oss, store).RunAsync(Runners.Plan(), new BackupRunOptions { Report = sink });

        Assert.Equal((1L, 29L), (report.Totals.Copied, report.Totals.Unchanged));
        Assert.Equal(999, oss.Find("dst-bucket", "backup/013.txt")!.Size);
        var destination = Assert.Single(Destination(listings));
        Assert.Equal("backup/011.txt", destination.StartAfter);
        Assert.Equal((9, 1), (report.RangesTrusted, report.RangesCompared));
        Assert.Equal(ReportReason.SizeDiffers, sink.Entries.Single(e => e.Key == "data/013.txt").Reason);
        Assert.Equal(2, sink.Entries.Count(e => e.Reason == ReportReason.SameETag));

        listings.Clear();
        var third = await Runners.Create(oss, store).RunAsync(Runners.Plan());

        Assert.Empty(Destination(listings));
        Assert.Equal((10, 0, 0L), (third.RangesTrusted, third.RangesCompared, third.Totals.Copied));
    }

    [Fact]
    public async Task Inserted_and_deleted_source_keys_change_only_their_ranges()
    {
        var oss = Seeded();
        using var store = Store();
        await Runners.Create(oss, store).RunAsync(Runners.Plan());
        oss.Put("src-bucket", "data/013a.txt", size: 7);
        oss.Remove("src-bucket", "data/020.txt");
        var listings = WatchListings(oss);

        var report = await Runners.Create(oss, store).RunAsync(Runners.Plan());

        Assert.Equal((1L, 29L, 1L), (report.Totals.Copied, report.Totals.Unchanged, report.Totals.ExtraInDestination));
        Assert.NotNull(oss.Find("dst-bucket", "backup/013a.txt"));
        Assert.NotNull(oss.Find("dst-bucket", "backup/020.txt")); // never deleted
        Assert.Equal(["backup/011.txt", "backup/017.txt"], Destination(listings).Select(r => r.StartAfter));
        Assert.Equal((8, 2), (report.RangesTrusted, report.RangesCompared));
        var manifest = await store.LoadSyncManifestAsync("nightly", CancellationToken.None);
        Assert.Equal(("011.txt", "014.txt", 4), (manifest!.Ranges[4].After, manifest.Ranges[4].Last, manifest.Ranges[4].Count));
        Assert.Equal(("017.txt", "020.txt", 2), (manifest.Ranges[6].After, manifest.Ranges[6].Last, manifest.Ranges[6].Count));
    }

    [Fact]
    public async Task Keys_added_after_the_last_range_are_compared_and_the_rest_stays_trusted()
    {
        var oss = Seeded();
        using var store = Store();
        await Runners.Create(oss, store).RunAsync(Runners.Plan());
        oss.Put("src-bucket", "data/100.txt");
        var listings = WatchListings(oss);

        var report = await Runners.Create(oss, store).RunAsync(Runners.Plan());

        Assert.Equal((1L, 30L), (report.Totals.Copied, report.Totals.Unchanged));
        Assert.Equal(["backup/029.txt"], Destination(listings).Select(r => r.StartAfter));
        Assert.Equal((10, 1), (report.RangesTrusted, report.RangesCompared));
    }

    [Fact]
    public async Task A_range_grown_past_two_pages_is_compared_as_it_streams_and_recorded_in_bounded_pieces()
    {
        var oss = Seeded();
        using var store = Store();
        await Runners.Create(oss, store).RunAsync(Runners.Plan());
        for (var i = 0; i < 8; i++)
        {
            oss.Put("src-bucket", $"data/012-{i}.txt");
        }

        var report = await Runners.Create(oss, store).RunAsync(Runners.Plan());
        var manifest = await store.LoadSyncManifestAsync("nightly", CancellationToken.None);
        var listings = WatchListings(oss);
        var again = await Runners.Create(oss, store).RunAsync(Runners.Plan());

        Assert.Equal((8L, 30L), (report.Totals.Copied, report.Totals.Unchanged));
        Assert.True(manifest!.IsWellFormed());
        Assert.All(manifest.Ranges, r => Assert.InRange(r.Count, 0, 2 * 3 + 1));
        Assert.Equal(38, manifest.Ranges.Sum(r => r.Count));
        Assert.Empty(Destination(listings));
        Assert.Equal((38L, 0), (again.Totals.Unchanged, again.RangesCompared));
    }

    [Fact]
    public async Task Ranges_reuse_the_open_destination_listing_when_the_next_changed_range_is_within_its_page()
    {
        var oss = Seeded();
        using var store = Store();
        await Runners.Create(oss, store).RunAsync(Runners.Plan());
        oss.Put("src-bucket", "data/013.txt", size: 1);
        oss.Put("src-bucket", "data/019.txt", size: 1);
        oss.Put("src-bucket", "data/027.txt", size: 1);
        var listings = WatchListings(oss);

        // Pages of 10 now, ranges of 3 as recorded: (011,014] opens a listing holding 012..021, (017,020] is inside it;
        // (026,029] is past it and gets a listing of its own.
        var report = await Runners.Create(oss, store, o => o.ListPageSize = 10).RunAsync(Runners.Plan());

        Assert.Equal(3L, report.Totals.Copied);
        Assert.Equal(["backup/011.txt", "backup/026.txt"], Destination(listings).Select(r => r.StartAfter));
        Assert.Equal((7, 3), (report.RangesTrusted, report.RangesCompared));
    }

    [Fact]
    public async Task A_changed_plan_lists_the_destination_everywhere_and_a_changed_parallelism_does_not()
    {
        var oss = Seeded();
        using var store = Store();
        await Runners.Create(oss, store).RunAsync(Runners.Plan());
        var faster = Runners.Plan();
        faster.Options.Parallelism = 3;
        var listings = WatchListings(oss);

        var same = await Runners.Create(oss, store).RunAsync(faster);

        Assert.Equal(10, same.RangesTrusted);
        Assert.Empty(Destination(listings));
        foreach (var change in new Action<BackupPlan>[]
        {
            p => p.Options.StorageClass = "IA",
            p => p.Exclude.Add("**/nothing"),
            p => p.TagRules.Add(new TagRule { Action = TagAction.Replace, Tagging = "A=1" }),
            p => p.Destination.Prefix = "backup2/",
        })
        {
            var changed = Runners.Plan();
            change(changed);
            listings.Clear();

            var report = await Runners.Create(oss, store).RunAsync(changed);

            Assert.Equal((0, true), (report.RangesTrusted, report.FullReconcile));
            Assert.NotEmpty(Destination(listings));

            // The fresh manifest is for the changed plan; going back to the original is a change too.
            listings.Clear();
            var back = await Runners.Create(oss, store).RunAsync(Runners.Plan());
            Assert.Equal(0, back.RangesTrusted);
        }
    }

    [Fact]
    public async Task A_full_reconcile_is_due_after_the_interval_when_asked_or_when_the_interval_is_zero()
    {
        var oss = Seeded();
        using var store = Store();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero));
        BackupRunner Runner(TimeSpan? interval = null) =>
            Runners.Create(oss, store, o => o.FullReconcileInterval = interval ?? TimeSpan.FromDays(7), time: time);
        await Runner().RunAsync(Runners.Plan());

        time.Advance(TimeSpan.FromDays(6));
        var withinInterval = await Runner().RunAsync(Runners.Plan());
        time.Advance(TimeSpan.FromDays(1));
        var expired = await Runner().RunAsync(Runners.Plan());
        time.Advance(TimeSpan.FromDays(1));
        var afterFresh = await Runner().RunAsync(Runners.Plan());
        var asked = await Runner().RunAsync(Runners.Plan(), new BackupRunOptions { FullReconcile = true });
        var zero = await Runner(TimeSpan.Zero).RunAsync(Runners.Plan());

        Assert.Equal((10, false), (withinInterval.RangesTrusted, withinInterval.FullReconcile));
        Assert.Equal((0, true), (expired.RangesTrusted, expired.FullReconcile));
        Assert.Equal(10, afterFresh.RangesTrusted);
        Assert.Equal((0, 10, true), (asked.RangesTrusted, asked.RangesCompared, asked.FullReconcile));
        Assert.Equal((0, true), (zero.RangesTrusted, zero.FullReconcile));
        var manifest = await store.LoadSyncManifestAsync("nightly", CancellationToken.None);
        Assert.Equal(time.GetUtcNow(), manifest!.LastFullReconcile);
    }

    [Fact]
    public async Task A_destination_object_removed_by_someone_else_in_a_trusted_range_comes_back_with_the_full_reconcile()
    {
        var oss = Seeded();
        using var store = Store();
        await Runners.Create(oss, store).RunAsync(Runners.Plan());
        oss.Remove("dst-bucket", "backup/005.txt");

        var trusting = await Runners.Create(oss, store).RunAsync(Runners.Plan());
        var reconciling = await Runners.Create(oss, store).RunAsync(Runners.Plan(), new BackupRunOptions { FullReconcile = true });

        // The documented trade-off: the skipped range does not see it; the full reconcile does.
        Assert.Equal(0L, trusting.Totals.Copied);
        Assert.Equal(1L, reconciling.Totals.Copied);
        Assert.NotNull(oss.Find("dst-bucket", "backup/005.txt"));
    }

    [Fact]
    public async Task A_failure_inside_a_range_keeps_that_range_out_of_the_manifest()
    {
        var oss = Seeded();
        using var store = Store();
        var listings = WatchListings(oss, (operation, subject) => operation == "CopyObject" && subject is CopyObjectRequest { Key: "backup/013.txt" }
            ? new OssException(403, "AccessDenied", "denied", "req-403")
            : null);

        var first = await Runners.Create(oss, store).RunAsync(Runners.Plan());
        var manifest = await store.LoadSyncManifestAsync("nightly", CancellationToken.None);
        listings = WatchListings(oss);
        var second = await Runners.Create(oss, store).RunAsync(Runners.Plan());

        Assert.Equal((29L, 1L), (first.Totals.Copied, first.Totals.Failed));
        Assert.Equal(9, manifest!.Ranges.Count);
        Assert.DoesNotContain(manifest.Ranges, r => r.Last == "014.txt");
        Assert.Equal((1L, 0L), (second.Totals.Copied, second.Totals.Failed));
        Assert.Equal(["backup/011.txt"], Destination(listings).Select(r => r.StartAfter));
        Assert.Equal((9, 1), (second.RangesTrusted, second.RangesCompared));
    }

    [Fact]
    public async Task A_run_that_copies_and_then_stops_leaves_a_manifest_that_vouches_only_for_keys_before_its_first_copy()
    {
        var oss = Seeded();
        using var store = Store();
        await Runners.Create(oss, store).RunAsync(Runners.Plan());
        oss.Put("src-bucket", "data/013.txt", size: 999);
        WatchListings(oss, (operation, subject) => subject is ListObjectsV2Request { Bucket: "src-bucket", ContinuationToken: "data/017.txt" }
            ? new OssException(500, "InternalError", "listing broke", "req-500")
            : null);

        await Assert.ThrowsAsync<OssException>(() => Runners.Create(oss, store).RunAsync(Runners.Plan()));
        var manifest = await store.LoadSyncManifestAsync("nightly", CancellationToken.None);

        // Were 013.txt to go back to what the old manifest hashed, its range must not be trusted: the copy changed it.
        Assert.Equal(["002.txt", "005.txt", "008.txt", "011.txt"], manifest!.Ranges.Select(r => r.Last));
    }

    [Fact]
    public async Task A_dry_run_uses_the_manifest_but_records_none()
    {
        var oss = Seeded();
        using var store = Store();

        var dry = await Runners.Create(oss, store).RunAsync(Runners.Plan(), new BackupRunOptions { DryRun = true });

        Assert.Equal(30L, dry.Totals.WouldCopy);
        Assert.Null(await store.LoadSyncManifestAsync("nightly", CancellationToken.None));
        await Runners.Create(oss, store).RunAsync(Runners.Plan());
        oss.Put("src-bucket", "data/004.txt", size: 1);

        var dryAgain = await Runners.Create(oss, store).RunAsync(Runners.Plan(), new BackupRunOptions { DryRun = true });

        Assert.Equal((1L, 29L, 9), (dryAgain.Totals.WouldCopy, dryAgain.Totals.Unchanged, dryAgain.RangesTrusted));
    }

    [Fact]
    public async Task A_resumed_run_lists_the_destination_from_where_it_resumes_and_its_manifest_starts_there()
    {
        var oss = Seeded(60);
        using var store = Store();
        await Runners.Create(oss, store).RunAsync(Runners.Plan());
        for (var i = 0; i < 60; i++)
        {
            oss.Put("src-bucket", $"data/{i:D3}.txt", size: 500 + i);
        }

        await Runners.RunAndCancelAfterAsync(oss, store, copies: 20);
        var checkpoint = await store.LoadCheckpointAsync("nightly", CancellationToken.None);
        oss.CopiesPerKey.Clear();

        var resumed = await Runners.Create(oss, store).RunAsync(Runners.Plan());
        var manifest = await store.LoadSyncManifestAsync("nightly", CancellationToken.None);
        var listings = WatchListings(oss);
        var next = await Runners.Create(oss, store).RunAsync(Runners.Plan());

        Assert.Equal("Completed", resumed.Status);
        Assert.Equal(60L, resumed.Totals.Copied + resumed.Totals.Unchanged);
        Assert.All(oss.CopiesPerKey, p => Assert.Equal(1, p.Value));
        Assert.All(Enumerable.Range(0, 60), i => Assert.Equal(500 + i, oss.Find("dst-bucket", $"backup/{i:D3}.txt")!.Size));
        Assert.False(resumed.FullReconcile);
        Assert.Equal(checkpoint!.AfterSourceKey, manifest!.Ranges[0].After);
        Assert.Equal(0L, next.Totals.Copied);
        Assert.Equal(60L, next.Totals.Unchanged);

        // Keys up to the resume point are outside the manifest: listed (from the first key), the rest trusted.
        Assert.Null(Destination(listings)[0].StartAfter);
        Assert.True(next.RangesTrusted > 0);
    }

    [Fact]
    public async Task A_manifest_round_trips_in_the_file_store_and_a_damaged_one_counts_as_none()
    {
        var dir = BackupRunnerTests.TempDir();
        using var store = new FileCopyStateStore(dir);
        var manifest = new SyncManifest("FP", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddDays(1),
            [new SyncRange(null, "a 中文.txt", 2, "00FF"), new SyncRange("a 中文.txt", "b", 0, "11EE")]);

        await store.SaveSyncManifestAsync("my plan", manifest, CancellationToken.None);
        using var reopened = new FileCopyStateStore(dir);
        var loaded = await reopened.LoadSyncManifestAsync("my plan", CancellationToken.None);

        Assert.Equal((manifest.Fingerprint, manifest.LastFullReconcile, manifest.SavedAt), (loaded!.Fingerprint, loaded.LastFullReconcile, loaded.SavedAt));
        Assert.Equal(manifest.Ranges, loaded.Ranges);
        Assert.Single(Directory.GetFiles(dir, "*.sync.json"));
        Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
        await File.WriteAllTextAsync(Directory.GetFiles(dir, "*.sync.json")[0], "{\"fingerprint\":\"FP\",\"ran");
        Assert.Null(await reopened.LoadSyncManifestAsync("my plan", CancellationToken.None));
        Assert.Null(await NullCopyStateStore.Instance.LoadSyncManifestAsync("my plan", CancellationToken.None));
    }

    [Theory]
    [InlineData(null, "b", "b", "d", true)]
    [InlineData(null, "b", "c", "d", true)]
    [InlineData(null, "b", "a", "d", false)]
    [InlineData("c", "b", "c", "d", false)]
    [InlineData(null, "b", null, "d", false)]
    public void Only_ordered_non_overlapping_ranges_are_well_formed(string? after1, string last1, string? after2, string last2, bool expected)
    {
        var manifest = new SyncManifest("FP", null, DateTimeOffset.UnixEpoch, [new SyncRange(after1, last1, 1, "00"), new SyncRange(after2, last2, 1, "00")]);

        Assert.Equal(expected, manifest.IsWellFormed());
    }

    [Fact]
    public async Task A_hand_edited_overlapping_manifest_is_not_trusted()
    {
        var oss = Seeded();
        using var store = Store();
        await Runners.Create(oss, store).RunAsync(Runners.Plan());
        var manifest = (await store.LoadSyncManifestAsync("nightly", CancellationToken.None))!;
        await store.SaveSyncManifestAsync("nightly", manifest with { Ranges = [.. manifest.Ranges, manifest.Ranges[0]] }, CancellationToken.None);

        var report = await Runners.Create(oss, store).RunAsync(Runners.Plan());

        Assert.Equal((0, true), (report.RangesTrusted, report.FullReconcile));
    }

    [Theory]
    [InlineData("{\"fingerprint\":\"x\"}")]
    [InlineData("{\"fingerprint\":\"x\",\"ranges\":null}")]
    public async Task A_manifest_without_ranges_is_no_manifest_and_the_next_completed_run_replaces_it(string json)
    {
        var oss = Seeded(6);
        var dir = BackupRunnerTests.TempDir();
        using var store = new FileCopyStateStore(dir);
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "nightly.sync.json"), json);

        var first = await Runners.Create(oss, store).RunAsync(Runners.Plan());
        var second = await Runners.Create(oss, store).RunAsync(Runners.Plan());

        Assert.Equal((6L, 0L), (first.Totals.Copied, first.Totals.Failed));
        Assert.Equal((6L, 2), (second.Totals.Unchanged, second.RangesTrusted));
    }

    [Fact]
    public async Task A_manifest_the_store_cannot_save_is_a_warning_not_a_failed_run()
    {
        var oss = Seeded(6);
        var sink = new Runners.MemorySink();

        var report = await Runners.Create(oss, new ManifestDenyingStore()).RunAsync(Runners.Plan(), new BackupRunOptions { Report = sink });

        Assert.Equal(("Completed", 6L), (report.Status, report.Totals.Copied));
        Assert.Equal("Completed", sink.Final!.Status);
    }

    /// <summary>A store whose manifest file is read-only (UnauthorizedAccessException is not an IOException).</summary>
    private sealed class ManifestDenyingStore : ICopyStateStore
    {
        private readonly NullCopyStateStore _inner = NullCopyStateStore.Instance;

        public Task<BackupCheckpoint?> LoadCheckpointAsync(string plan, CancellationToken cancellationToken) => _inner.LoadCheckpointAsync(plan, cancellationToken);

        public Task SaveCheckpointAsync(string plan, BackupCheckpoint checkpoint, CancellationToken cancellationToken) =>
            _inner.SaveCheckpointAsync(plan, checkpoint, cancellationToken);

        public Task DeleteCheckpointAsync(string plan, CancellationToken cancellationToken) => _inner.DeleteCheckpointAsync(plan, cancellationToken);

        public Task RecordLineageAsync(string plan, CopyLineage lineage, CancellationToken cancellationToken) => _inner.RecordLineageAsync(plan, lineage, cancellationToken);

        public Task<CopyLineage?> FindLineageAsync(string plan, string destinationKey, CancellationToken cancellationToken) =>
            _inner.FindLineageAsync(plan, destinationKey, cancellationToken);

        public Task<SyncManifest?> LoadSyncManifestAsync(string plan, CancellationToken cancellationToken) => Task.FromResult<SyncManifest?>(null);

        public Task SaveSyncManifestAsync(string plan, SyncManifest manifest, CancellationToken cancellationToken) =>
            throw new UnauthorizedAccessException("Access to the path 'nightly.sync.json' is denied.");
    }
}
