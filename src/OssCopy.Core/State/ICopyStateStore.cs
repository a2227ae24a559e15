using OssCopy.Core.Backup;

namespace OssCopy.Core.State;

/// <summary>
/// Where a backup keeps what must outlive one run: the checkpoint (how far the listing got, and the totals up to
/// there) so a stopped run resumes, and the lineage of copies whose destination ETag differs from the source's
/// (multipart copies), so incremental runs know those objects are unchanged, and the sync manifest (key ranges known
/// to be in sync) so a re-run need not list the destination where nothing changed. A local file for the CLI; Azure
/// Tables for the functions.
/// </summary>
public interface ICopyStateStore
{
    Task<BackupCheckpoint?> LoadCheckpointAsync(string plan, CancellationToken cancellationToken);

    Task SaveCheckpointAsync(string plan, BackupCheckpoint checkpoint, CancellationToken cancellationToken);

    /// <summary>Called when a run finished: the next run starts from the beginning.</summary>
    Task DeleteCheckpointAsync(string plan, CancellationToken cancellationToken);

    Task RecordLineageAsync(string plan, CopyLineage lineage, CancellationToken cancellationToken);

    Task<CopyLineage?> FindLineageAsync(string plan, string destinationKey, CancellationToken cancellationToken);

    /// <summary>
    /// The key ranges the plan's last completed run found in sync, or null. A store that keeps none (this default)
    /// makes every run list the destination over the whole plan, as before manifests existed.
    /// </summary>
    Task<SyncManifest?> LoadSyncManifestAsync(string plan, CancellationToken cancellationToken) => Task.FromResult<SyncManifest?>(null);

    /// <summary>Replaces the plan's manifest as a whole: a reader sees the previous one or this one, never a mix.</summary>
    Task SaveSyncManifestAsync(string plan, SyncManifest manifest, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// A run's position: every source key up to and including <see cref="AfterSourceKey"/> has been dealt with, and
/// <see cref="Totals"/> counts them. <see cref="Fingerprint"/> ties it to the plan's shape: a changed plan starts over.
/// </summary>
public sealed record BackupCheckpoint(
    string RunId,
    string Fingerprint,
    string? AfterSourceKey,
    DateTimeOffset StartedAt,
    DateTimeOffset SavedAt,
    ReportTotals Totals);

/// <summary>A copy whose destination got its own ETag: it is up to date while both ETags are still these.</summary>
public sealed record CopyLineage(string DestinationKey, string SourceETag, string DestinationETag, long Size, DateTimeOffset CopiedAt);

/// <summary>
/// What a completed run proved about the destination, so the next run can skip listing it where the source lists
/// exactly as it did. <see cref="Fingerprint"/> covers everything that decides what the destination should hold (a
/// changed plan ignores the manifest); <see cref="LastFullReconcile"/> is the start of the last run that listed the
/// destination over the whole plan (null: unknown, so the next run does). <see cref="Ranges"/> are in key order and
/// do not overlap; one per 1,000 source objects or so, about 150 bytes each.
/// </summary>
public sealed record SyncManifest(string Fingerprint, DateTimeOffset? LastFullReconcile, DateTimeOffset SavedAt, IReadOnlyList<SyncRange> Ranges)
{
    /// <summary>Ranges in ascending order, each non-empty as an interval, none overlapping: anything else is not ours to trust.</summary>
    public bool IsWellFormed()
    {
        var comparer = Backup.Utf8Ordinal.Instance;
        string? previousLast = null;
        for (var i = 0; i < Ranges.Count; i++)
        {
            var range = Ranges[i];
            if (range is null || range.Last is null || range.Hash is null || range.Count < 0
                || (range.After is not null && comparer.Compare(range.After, range.Last) >= 0)
                || (range.After is null && i > 0)
                || (previousLast is not null && comparer.Compare(previousLast, range.After) > 0))
            {
                return false;
            }

            previousLast = range.Last;
        }

        return true;
    }
}

/// <summary>
/// Source keys (relative to the plan's source prefix) after <see cref="After"/> (exclusive; null: from the first)
/// up to <see cref="Last"/> (inclusive): <see cref="Count"/> listed objects whose keys, sizes and ETags hash, in
/// order, to <see cref="Hash"/>, and every one of them was in the destination (or left out by the plan) when recorded.
/// </summary>
public sealed record SyncRange(string? After, string Last, int Count, string Hash);

/// <summary>Keeps nothing: for dry runs and hosts that do not resume.</summary>
public sealed class NullCopyStateStore : ICopyStateStore
{
    public static readonly NullCopyStateStore Instance = new();

    public Task<BackupCheckpoint?> LoadCheckpointAsync(string plan, CancellationToken cancellationToken) => Task.FromResult<BackupCheckpoint?>(null);

    public Task SaveCheckpointAsync(string plan, BackupCheckpoint checkpoint, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task DeleteCheckpointAsync(string plan, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task RecordLineageAsync(string plan, CopyLineage lineage, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<CopyLineage?> FindLineageAsync(string plan, string destinationKey, CancellationToken cancellationToken) => Task.FromResult<CopyLineage?>(null);

    public Task<SyncManifest?> LoadSyncManifestAsync(string plan, CancellationToken cancellationToken) => Task.FromResult<SyncManifest?>(null);

    public Task SaveSyncManifestAsync(string plan, SyncManifest manifest, CancellationToken cancellationToken) => Task.CompletedTask;
}
