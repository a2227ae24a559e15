using OssCopy.Core.Backup;
using OssCopy.Core.State;
using OssCopy.Core.Tests.Backup;

namespace OssCopy.Core.Tests.State;

public class FileCopyStateStoreTests
{
    [Fact]
    public async Task A_checkpoint_round_trips_and_is_deleted_when_the_run_completes()
    {
        var dir = BackupRunnerTests.TempDir();
        using var store = new FileCopyStateStore(dir);
        var checkpoint = new BackupCheckpoint("run-1", "F00D", "photos/2026/a b.jpg", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddHours(1),
            new ReportTotals { Listed = 10, Copied = 7, CopiedBytes = 700, Unchanged = 2, Failed = 1 });

        await store.SaveCheckpointAsync("my plan/x", checkpoint, CancellationToken.None);
        using var reopened = new FileCopyStateStore(dir);
        var loaded = await reopened.LoadCheckpointAsync("my plan/x", CancellationToken.None);

        Assert.Equal(checkpoint, loaded);
        Assert.Single(Directory.GetFiles(dir, "*.checkpoint.json"));
        await reopened.DeleteCheckpointAsync("my plan/x", CancellationToken.None);
        Assert.Null(await reopened.LoadCheckpointAsync("my plan/x", CancellationToken.None));
    }

    [Fact]
    public async Task Lineage_survives_a_new_store_and_a_torn_last_line_is_skipped()
    {
        var dir = BackupRunnerTests.TempDir();
        using (var store = new FileCopyStateStore(dir))
        {
            await store.RecordLineageAsync("p", new CopyLineage("k1", "\"S1\"", "\"D1-2\"", 10, DateTimeOffset.UnixEpoch), CancellationToken.None);
            await store.RecordLineageAsync("p", new CopyLineage("k2", "\"S2\"", "\"D2-2\"", 20, DateTimeOffset.UnixEpoch), CancellationToken.None);
            await store.RecordLineageAsync("p", new CopyLineage("k1", "\"S3\"", "\"D3-2\"", 30, DateTimeOffset.UnixEpoch), CancellationToken.None);
        }

        await File.AppendAllTextAsync(Path.Combine(dir, "p.lineage.ndjson"), "{\"destinationKey\":\"k9\",\"sour");
        using var reopened = new FileCopyStateStore(dir);

        Assert.Equal("\"S3\"", (await reopened.FindLineageAsync("p", "k1", CancellationToken.None))!.SourceETag);
        Assert.Equal(20, (await reopened.FindLineageAsync("p", "k2", CancellationToken.None))!.Size);
        Assert.Null(await reopened.FindLineageAsync("p", "k9", CancellationToken.None));
        Assert.Null(await reopened.FindLineageAsync("other", "k1", CancellationToken.None));
    }

    [Fact]
    public async Task A_store_whose_folder_does_not_exist_yet_loads_nothing_and_deletes_nothing()
    {
        using var store = new FileCopyStateStore(Path.Combine(BackupRunnerTests.TempDir(), "not", "yet"));

        Assert.Null(await store.LoadCheckpointAsync("p", CancellationToken.None));
        await store.DeleteCheckpointAsync("p", CancellationToken.None);
        Assert.Null(await store.FindLineageAsync("p", "k", CancellationToken.None));
    }

    [Fact]
    public async Task A_damaged_checkpoint_counts_as_none()
    {
        var dir = BackupRunnerTests.TempDir();
        await File.WriteAllTextAsync(Path.Combine(dir, "p.checkpoint.json"), "{ not json");
        using var store = new FileCopyStateStore(dir);

        Assert.Null(await store.LoadCheckpointAsync("p", CancellationToken.None));
    }
}
