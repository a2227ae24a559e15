using OssCopy.Core.Backup;

namespace OssCopy.Core.State;

/// <summary>
/// Where a backup keeps what must outlive one run: the checkpoint (how far the listing got, and the totals up to
/// there) so a stopped run resumes, and the lineage of copies whose destination ETag differs from the source's
/// (multipart copies), so incremental runs know those objects are unchanged. A local file for the CLI; Azure
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

/// <summary>Keeps nothing: for dry runs and hosts that do not resume.</summary>
public sealed class NullCopyStateStore : ICopyStateStore
{
    public static readonly NullCopyStateStore Instance = new();

    public Task<BackupCheckpoint?> LoadCheckpointAsync(string plan, CancellationToken cancellationToken) => Task.FromResult<BackupCheckpoint?>(null);

    public Task SaveCheckpointAsync(string plan, BackupCheckpoint checkpoint, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task DeleteCheckpointAsync(string plan, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task RecordLineageAsync(string plan, CopyLineage lineage, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<CopyLineage?> FindLineageAsync(string plan, string destinationKey, CancellationToken cancellationToken) => Task.FromResult<CopyLineage?>(null);
}
