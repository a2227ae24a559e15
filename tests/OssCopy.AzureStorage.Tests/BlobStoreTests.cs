using System.Text.Json;
using OssCopy.Core.Backup;
using OssCopy.Core.State;

namespace OssCopy.AzureStorage.Tests;

[Collection(AzuriteTests.Name)]
public sealed class BlobStoreTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset Start = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    private static CopyReport Report(string status, ReportTotals totals) => new()
    {
        Plan = "nightly",
        RunId = "run1",
        Status = status,
        Source = "oss://src/",
        Destination = "oss://dst/backup/",
        StartedAt = Start,
        FinishedAt = Start.AddMinutes(3),
        DurationSeconds = 180,
        Totals = totals,
    };

    [Fact]
    public async Task A_report_written_to_a_blob_is_byte_for_byte_the_CLI_report()
    {
        var options = TestNames.UniqueOptions();
        var reports = new BlobReportStore(azurite.CreateClients(), options);
        await reports.CreateIfNotExistsAsync(CancellationToken.None);
        var entries = Enumerable.Range(0, 2500).Select(i => new ReportEntry
        {
            Key = $"dir/{i:D5}#中\u0001",
            DestinationKey = $"backup/dir/{i:D5}",
            Action = i % 7 == 0 ? ReportAction.Failed : ReportAction.Copied,
            Size = i,
            ErrorMessage = i % 7 == 0 ? "AccessDenied" : null,
        }).ToList();
        var totals = new ReportTotals { Listed = 2500, Copied = entries.Count(e => e.Action == ReportAction.Copied), Failed = entries.Count(e => e.Action == ReportAction.Failed) };

        await using (var sink = reports.CreateSink("nightly", "run1"))
        {
            await WriteAsync(sink, entries, totals);
        }

        var local = Path.Combine(Path.GetTempPath(), $"azstore-report-{Guid.NewGuid():N}.json");
        try
        {
            await using (var writer = new JsonReportWriter(local))
            {
                await WriteAsync(writer, entries, totals);
            }

            await using var blob = await reports.OpenReadAsync("nightly", "run1", CancellationToken.None);
            Assert.NotNull(blob);
            using var copy = new MemoryStream();
            await blob.CopyToAsync(copy);
            Assert.Equal(await File.ReadAllBytesAsync(local), copy.ToArray());

            using var document = JsonDocument.Parse(copy.ToArray());
            Assert.Equal(2500, document.RootElement.GetProperty("objects").GetArrayLength());
            Assert.Equal("completed", document.RootElement.GetProperty("status").GetString());
            Assert.EndsWith($"/{options.ReportsContainer}/nightly/run1.json", reports.ReportUri("nightly", "run1").AbsolutePath, StringComparison.Ordinal);
            Assert.Null(await reports.OpenReadAsync("nightly", "no-such-run", CancellationToken.None));
        }
        finally
        {
            File.Delete(local);
        }
    }

    private static async Task WriteAsync(IReportSink sink, IEnumerable<ReportEntry> entries, ReportTotals totals)
    {
        await sink.StartAsync(Report("running", new ReportTotals()), CancellationToken.None);
        foreach (var entry in entries)
        {
            await sink.WriteAsync(entry, CancellationToken.None);
        }

        await sink.CompleteAsync(Report("completed", totals), CancellationToken.None);
    }

    private async Task<Func<BlobCopyStateStore>> StateStoresAsync()
    {
        var options = TestNames.UniqueOptions();
        BlobCopyStateStore NewStore() => new(azurite.CreateClients(), options);
        await NewStore().CreateIfNotExistsAsync(CancellationToken.None);
        return NewStore;
    }

    private static BackupCheckpoint Checkpoint(string after) => new("run1", "fp", after, Start, Start.AddMinutes(1), new ReportTotals { Listed = 10, Copied = 4 });

    [Fact]
    public async Task Checkpoint_writes_are_conditional_on_what_the_writer_last_saw()
    {
        var newStore = await StateStoresAsync();
        var a = newStore();
        var b = newStore();
        Assert.Null(await a.LoadCheckpointAsync("nightly", CancellationToken.None));
        Assert.Null(await b.LoadCheckpointAsync("nightly", CancellationToken.None));

        await a.SaveCheckpointAsync("nightly", Checkpoint("k1"), CancellationToken.None);
        await Assert.ThrowsAsync<CopyStateConflictException>(() => b.SaveCheckpointAsync("nightly", Checkpoint("b-stale"), CancellationToken.None));
        await a.SaveCheckpointAsync("nightly", Checkpoint("k2"), CancellationToken.None);

        Assert.Equal(Checkpoint("k2"), await b.LoadCheckpointAsync("nightly", CancellationToken.None));
        await b.SaveCheckpointAsync("nightly", Checkpoint("k3"), CancellationToken.None);
        await Assert.ThrowsAsync<CopyStateConflictException>(() => a.SaveCheckpointAsync("nightly", Checkpoint("a-stale"), CancellationToken.None));
        await Assert.ThrowsAsync<CopyStateConflictException>(() => a.DeleteCheckpointAsync("nightly", CancellationToken.None));

        await b.DeleteCheckpointAsync("nightly", CancellationToken.None);
        Assert.Null(await newStore().LoadCheckpointAsync("nightly", CancellationToken.None));

        // A store that never read the blob writes it unconditionally (a fresh worker taking over).
        await newStore().SaveCheckpointAsync("nightly", Checkpoint("k4"), CancellationToken.None);
        Assert.Equal(Checkpoint("k4"), await newStore().LoadCheckpointAsync("nightly", CancellationToken.None));
    }

    [Fact]
    public async Task Manifests_and_lineage_round_trip_per_plan()
    {
        var newStore = await StateStoresAsync();
        ICopyStateStore store = newStore();
        var manifest = new SyncManifest("fp", Start, Start.AddMinutes(5), [new SyncRange(null, "a/1", 1000, "h1"), new SyncRange("a/1", "b/#?\u0001中", 12, "h2")]);
        var lineage = new CopyLineage("backup/big#file?.bin", "\"src-etag\"", "\"dst-etag-2\"", 5L << 30, Start);

        Assert.Null(await store.LoadSyncManifestAsync("nightly", CancellationToken.None));
        await store.SaveSyncManifestAsync("nightly", manifest, CancellationToken.None);
        await store.RecordLineageAsync("nightly", lineage, CancellationToken.None);

        ICopyStateStore other = newStore();
        var loaded = await other.LoadSyncManifestAsync("nightly", CancellationToken.None);
        Assert.NotNull(loaded);
        Assert.Equal(manifest with { Ranges = [] }, loaded with { Ranges = [] });
        Assert.Equal(manifest.Ranges, loaded.Ranges);
        Assert.Equal(lineage, await other.FindLineageAsync("nightly", lineage.DestinationKey, CancellationToken.None));
        Assert.Null(await other.FindLineageAsync("nightly", "backup/other", CancellationToken.None));
        Assert.Null(await other.FindLineageAsync("weekly", lineage.DestinationKey, CancellationToken.None));
        Assert.Null(await other.LoadSyncManifestAsync("weekly", CancellationToken.None));
    }
}
