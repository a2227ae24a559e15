using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OssCopy.Core.Backup;
using OssCopy.Core.Copying;
using OssCopy.Core.State;
using OssCopy.Core.Tests.Support;
using OssCopy.Oss.Models;

namespace OssCopy.Core.Tests.Backup;

public class ListingWindowDiffTests
{
    private static readonly DateTimeOffset RunStart = new(2026, 3, 14, 0, 0, 0, TimeSpan.Zero);

    private static PlanCopyContext Context() => new(Runners.Plan(), RunStart, CopyVerification.ETag);

    /// <summary>Seven source objects; the first three already copied, an extra between pages and one after the last key.</summary>
    private static InMemoryOss Seeded()
    {
        var oss = InMemoryOss.WithSourceObjects(7);
        foreach (var key in new[] { "000.txt", "001.txt", "002.txt" })
        {
            var stored = oss.Find("src-bucket", "data/" + key)!;
            oss.Put("dst-bucket", "backup/" + key, size: stored.Size, etag: stored.ETag);
        }

        oss.Put("dst-bucket", "backup/002a.txt");
        oss.Put("dst-bucket", "backup/zzz.txt");
        return oss;
    }

    private static List<ListObjectsV2Request> WatchListings(InMemoryOss oss)
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

            return null;
        };
        return seen;
    }

    [Fact]
    public async Task One_page_window_turns_its_keys_into_work_items_and_unchanged_lines_and_gives_the_cursor_to_resume_from()
    {
        var oss = Seeded();
        await using var services = Runners.Services(oss.Client); // three keys a page
        var diff = services.GetRequiredService<ListingWindowDiff>();
        var listings = WatchListings(oss);

        var first = await diff.DiffAsync(Context(), ListingWindow.Page(null));

        Assert.Equal("002.txt", first.NextAfter);
        Assert.Empty(first.Work);
        Assert.Equal(["data/000.txt", "data/001.txt", "data/002.txt"], first.Unchanged.Select(e => e.Key));
        Assert.All(first.Unchanged, e => Assert.Equal((ReportAction.Unchanged, ReportReason.SameETag), (e.Action, e.Reason)));
        Assert.Equal(new ReportTotals { Listed = 3, Unchanged = 3, UnchangedBytes = 100 + 101 + 102 }, first.Totals);
        Assert.Equal(2, listings.Count); // one source page, one destination page
        Assert.Equal((null, "backup/"), (listings[1].StartAfter, listings[1].Prefix));

        // The cursor goes into the next message as JSON; the window resumes after it.
        var resumed = JsonSerializer.Deserialize<ListingWindow>(JsonSerializer.Serialize(ListingWindow.Page(first.NextAfter)))!;
        listings.Clear();
        var second = await diff.DiffAsync(Context(), resumed);

        Assert.Equal("005.txt", second.NextAfter);
        Assert.Equal(["003.txt", "004.txt", "005.txt"], second.Work.Select(w => w.RelativeKey));
        Assert.All(second.Work, w => Assert.Equal((DiffKind.Missing, "src-bucket", (ListedObject?)null), (w.Reason, w.Source.Bucket, w.Destination)));
        Assert.Equal(new ReportTotals { ExtraInDestination = 1 }, second.Totals); // 002a.txt: after the cursor, before 003
        Assert.Equal(("data/002.txt", "backup/002.txt"), (listings[0].StartAfter, listings[1].StartAfter));

        var last = await diff.DiffAsync(Context(), ListingWindow.Page(second.NextAfter));

        Assert.Null(last.NextAfter);
        Assert.Equal(["006.txt"], last.Work.Select(w => w.RelativeKey));
        Assert.Equal(1, last.Totals.ExtraInDestination); // zzz.txt: after the last source key, counted once, by the last window
    }

    [Fact]
    public async Task Windows_of_a_key_range_stop_at_its_last_key_and_leave_later_keys_and_extras_to_the_next_range()
    {
        var oss = Seeded();
        await using var services = Runners.Services(oss.Client); // three keys a page
        var diff = services.GetRequiredService<ListingWindowDiff>();

        // Range (start, 004.txt]: two windows, the second cut at the range's end although its page goes on.
        var first = await diff.DiffAsync(Context(), ListingWindow.Page(null, "004.txt"));
        var second = await diff.DiffAsync(Context(), ListingWindow.Page(first.NextAfter, "004.txt"));

        Assert.Equal("002.txt", first.NextAfter);
        Assert.Null(second.NextAfter);
        Assert.Equal(["003.txt", "004.txt"], second.Work.Select(w => w.RelativeKey));
        Assert.Equal(1, second.Totals.ExtraInDestination); // 002a.txt; zzz.txt is past the range's end
        Assert.Equal("004.txt", second.Recorded[^1].Last);

        // Range (004.txt, end]: the rest, and the extra after the last key.
        var third = await diff.DiffAsync(Context(), ListingWindow.Page("004.txt", null));

        Assert.Null(third.NextAfter);
        Assert.Equal(["005.txt", "006.txt"], third.Work.Select(w => w.RelativeKey));
        Assert.Equal(1, third.Totals.ExtraInDestination);
        Assert.Equal("004.txt", third.Recorded[0].After);
    }

    [Fact]
    public async Task Windows_run_to_the_end_decide_every_object_as_the_in_process_run_does()
    {
        var oss = Seeded();
        oss.Put("src-bucket", "data/skip.log");
        await using var services = Runners.Services(oss.Client);
        var plan = Runners.Plan();
        plan.Exclude = ["*.log"];
        var context = new PlanCopyContext(plan, RunStart, CopyVerification.ETag, dryRun: true);
        var diff = services.GetRequiredService<ListingWindowDiff>();

        var work = new List<string>();
        var totals = new ReportTotals();
        string? after = null;
        var windows = 0;
        do
        {
            var result = await diff.DiffAsync(context, ListingWindow.Page(after));
            work.AddRange(result.Work.Select(w => w.Source.Key));
            totals += result.Totals;
            after = result.NextAfter;
            windows++;
        }
        while (after is not null);

        var sink = new Runners.MemorySink();
        var report = await Runners.Create(oss).RunAsync(plan, new BackupRunOptions { DryRun = true, Report = sink });

        Assert.Equal(3, windows);
        Assert.Equal(sink.Entries.Where(e => e.Action == ReportAction.WouldCopy).Select(e => e.Key).Order(), work.Order());
        // A work item counts as listed when its copy's line is made (ReportMapping.Totals), not in the window's totals.
        Assert.Equal((report.Totals.Listed, report.Totals.Excluded, report.Totals.Unchanged, report.Totals.ExtraInDestination),
            (totals.Listed + work.Count, totals.Excluded, totals.Unchanged, totals.ExtraInDestination));
    }

    [Fact]
    public async Task A_range_window_that_lists_as_recorded_is_trusted_without_listing_the_destination()
    {
        var oss = InMemoryOss.WithSourceObjects(9);
        using var store = new FileCopyStateStore(BackupRunnerTests.TempDir());
        await Runners.Create(oss, store).RunAsync(Runners.Plan());
        var manifest = await store.LoadSyncManifestAsync("nightly", CancellationToken.None);
        var range = manifest!.Ranges[1];
        await using var services = Runners.Services(oss.Client, store);
        var diff = services.GetRequiredService<ListingWindowDiff>();
        var listings = WatchListings(oss);

        var result = await diff.DiffAsync(Context(), ListingWindow.ForRange(range));

        Assert.True(result.Trusted);
        Assert.Equal(range.Last, result.NextAfter);
        Assert.Equal([range], result.Recorded);
        Assert.Empty(result.Work);
        Assert.All(result.Unchanged, e => Assert.Equal(ReportReason.InSyncRange, e.Reason));
        Assert.Equal(range.Count, result.Unchanged.Count);
        Assert.All(listings, l => Assert.Equal("src-bucket", l.Bucket));

        // The source changed inside the range: the window lists the destination there and finds the copy to make.
        oss.Put("src-bucket", "data/004.txt", size: 999);
        listings.Clear();
        var changed = await diff.DiffAsync(Context(), ListingWindow.ForRange(range));

        Assert.False(changed.Trusted);
        Assert.Equal([("004.txt", DiffKind.SizeDiffers)], changed.Work.Select(w => (w.RelativeKey, w.Reason)));
        Assert.Contains(listings, l => l.Bucket == "dst-bucket");
    }
}
