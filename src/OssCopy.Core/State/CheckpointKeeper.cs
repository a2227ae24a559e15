using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using OssCopy.Core.Backup;

namespace OssCopy.Core.State;

/// <summary>
/// A plan's checkpoint in the <see cref="ICopyStateStore"/>: found only when it was written for a plan of the same
/// shape (<see cref="Fingerprint"/>), saved as the run goes, deleted when the run completes.
/// </summary>
public sealed class CheckpointKeeper(ICopyStateStore store, TimeProvider? timeProvider = null)
{
    private readonly ICopyStateStore _store = store ?? throw new ArgumentNullException(nameof(store));
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    /// <summary>The checkpoint a run of <paramref name="plan"/> resumes from: none for a dry run, a run asked not to resume, or a plan that changed shape.</summary>
    public async Task<BackupCheckpoint?> LoadAsync(BackupPlan plan, BackupRunOptions run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(run);
        if (run.DryRun || !run.Resume)
        {
            return null;
        }

        var checkpoint = await _store.LoadCheckpointAsync(plan.Name, cancellationToken);
        return checkpoint is not null && checkpoint.Fingerprint == Fingerprint(plan) ? checkpoint : null;
    }

    /// <summary>Saves the position: every source key up to <paramref name="afterSourceKey"/> is dealt with, <paramref name="totals"/> counting them.</summary>
    public Task SaveAsync(BackupPlan plan, string runId, string afterSourceKey, DateTimeOffset startedAt, ReportTotals totals, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return _store.SaveCheckpointAsync(plan.Name, new BackupCheckpoint(runId, Fingerprint(plan), afterSourceKey, startedAt, _time.GetUtcNow(), totals), cancellationToken);
    }

    /// <summary>The run completed: the next starts from the beginning.</summary>
    public Task DeleteAsync(BackupPlan plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return _store.DeleteCheckpointAsync(plan.Name, cancellationToken);
    }

    /// <summary>What a checkpoint is valid for: the same buckets, prefixes and selection.</summary>
    public static string Fingerprint(BackupPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var shape = JsonSerializer.Serialize(new
        {
            s = plan.Source.Bucket, sp = plan.Source.Prefix, d = plan.Destination.Bucket, dp = plan.Destination.Prefix, i = plan.Include, e = plan.Exclude,
        });
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(shape)))[..16];
    }
}
