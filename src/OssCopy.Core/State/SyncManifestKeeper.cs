using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using OssCopy.Core.Backup;

namespace OssCopy.Core.State;

/// <summary>
/// A plan's sync manifest as one run sees it: the manifest as stored (until the run's first copy withdraws what it no
/// longer vouches for), the manifest when valid for this plan, and the ranges the run may trust.
/// </summary>
public sealed class LoadedSyncManifest(SyncManifest? stored, SyncManifest? manifest, IReadOnlyList<SyncRange> trusted)
{
    private int _withdrawn;

    /// <summary>The manifest as stored, whatever plan wrote it; null once withdrawn from (or when there was none).</summary>
    public SyncManifest? Stored { get; private set; } = stored;

    /// <summary>The plan's sync manifest, when valid for this plan (trusted or not).</summary>
    public SyncManifest? Manifest { get; } = manifest;

    /// <summary>The ranges the run may report without listing the destination (none in a full reconcile).</summary>
    public IReadOnlyList<SyncRange> Trusted { get; } = trusted;

    /// <summary>Takes the stored manifest for the one withdrawal a run makes; null after the first call.</summary>
    internal SyncManifest? TakeStored()
    {
        if (Interlocked.Exchange(ref _withdrawn, 1) != 0)
        {
            return null;
        }

        var stored = Stored;
        Stored = null;
        return stored;
    }
}

/// <summary>
/// Keeps a plan's <see cref="SyncManifest"/> in the <see cref="ICopyStateStore"/>: loads what a run may trust,
/// withdraws what the run's first copy stops it vouching for, and saves the ranges of a completed run.
/// </summary>
public sealed class SyncManifestKeeper(ICopyStateStore store, BackupRunnerOptions options, TimeProvider? timeProvider = null)
{
    private readonly ICopyStateStore _store = store ?? throw new ArgumentNullException(nameof(store));
    private readonly BackupRunnerOptions _options = options ?? throw new ArgumentNullException(nameof(options));
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    /// <summary>
    /// The plan's sync manifest, when it was written for this very plan, and the ranges this run may trust: none when
    /// a full reconcile is asked for or due.
    /// </summary>
    public async Task<LoadedSyncManifest> LoadAsync(BackupPlan plan, bool fullReconcile, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var manifest = await _store.LoadSyncManifestAsync(plan.Name, cancellationToken);
        if (manifest?.Ranges is null)
        {
            // None, or one without ranges (hand-edited, foreign): it vouches for nothing, so there is nothing to withdraw.
            return new LoadedSyncManifest(null, null, []);
        }

        if (manifest.Fingerprint != Fingerprint(plan) || !manifest.IsWellFormed())
        {
            return new LoadedSyncManifest(manifest, null, []);
        }

        var due = fullReconcile || _options.FullReconcileInterval == TimeSpan.Zero
                  || manifest.LastFullReconcile is not { } last || now - last >= _options.FullReconcileInterval;
        return new LoadedSyncManifest(manifest, manifest, due ? [] : manifest.Ranges);
    }

    /// <summary>
    /// Before the run's first copy, the stored manifest stops vouching for that key and every later one. Otherwise a
    /// run that copies and then stops (cancelled, crashed) would leave a manifest that trusts ranges whose destination
    /// it changed: were the source to go back to exactly what the manifest hashed, the next run would skip them. One
    /// write per run (later calls do nothing); a resumed run lists the destination from there on.
    /// </summary>
    public async Task WithdrawFromAsync(BackupPlan plan, LoadedSyncManifest loaded, string firstCopied, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(loaded);
        if (loaded.TakeStored() is not { } stored)
        {
            return;
        }

        var kept = loaded.Manifest is null ? [] : stored.Ranges.Where(r => Utf8Ordinal.Instance.Compare(r.Last, firstCopied) < 0).ToList();
        if (kept.Count < stored.Ranges.Count)
        {
            await _store.SaveSyncManifestAsync(plan.Name, stored with { Ranges = kept, SavedAt = _time.GetUtcNow() }, cancellationToken);
        }
    }

    /// <summary>
    /// Records the ranges of a completed run for the next one, leaving out every range that holds an object that
    /// failed or changed while copied, or that is still restoring or was skipped as archived (not in the destination:
    /// the next run must look at it again); all of them when there were too many to know which.
    /// <paramref name="fullReconcile"/>: the run compared every range from the first key on, so it listed the
    /// destination over the whole plan (at <paramref name="startedAt"/>).
    /// </summary>
    public Task SaveAsync(BackupPlan plan, LoadedSyncManifest loaded, IReadOnlyList<SyncRange> recorded, IReadOnlyList<ReportEntry> failures,
        bool fullReconcile, DateTimeOffset startedAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(loaded);
        ArgumentNullException.ThrowIfNull(recorded);
        ArgumentNullException.ThrowIfNull(failures);
        var ranges = recorded;
        if (failures.Count >= CopyReport.MaxFailuresKept)
        {
            ranges = [];
        }
        else if (failures.Count > 0)
        {
            var prefix = plan.Source.Prefix;
            var failed = failures.Select(f => f.Key[prefix.Length..]).Order(Utf8Ordinal.Instance).ToList();
            ranges = ranges.Where(r => !ContainsAny(r, failed)).ToList();
        }

        var lastFull = fullReconcile ? startedAt : loaded.Manifest?.LastFullReconcile;
        return _store.SaveSyncManifestAsync(plan.Name, new SyncManifest(Fingerprint(plan), lastFull, _time.GetUtcNow(), ranges), cancellationToken);
    }

    /// <summary>
    /// What a sync manifest is valid for: everything that decides what the destination should hold (buckets,
    /// prefixes, selection, copy options, tag rules, endpoint), unlike the checkpoint's which only guards the position.
    /// Parallelism is left out: it changes how fast, not what.
    /// </summary>
    public static string Fingerprint(BackupPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var options = plan.Options ?? new BackupCopyOptions();
        var shape = JsonSerializer.Serialize(new
        {
            v = 1,
            s = plan.Source.Bucket, sp = plan.Source.Prefix, d = plan.Destination.Bucket, dp = plan.Destination.Prefix, i = plan.Include, e = plan.Exclude,
            o = new
            {
                options.StorageClass, options.ObjectAcl, options.ServerSideEncryption, options.ServerSideDataEncryption, options.ServerSideEncryptionKeyId,
                options.ForbidOverwrite, options.Verification,
            },
            t = plan.TagRules.Select(r => new { r.Prefix, r.Suffix, r.MinSize, r.MaxSize, r.Action, r.Tagging }),
            c = plan.Oss is null ? null : new { plan.Oss.Region, plan.Oss.Endpoint },
        });
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(shape)))[..32];
    }

    private static bool ContainsAny(SyncRange range, List<string> sortedKeys)
    {
        var comparer = Utf8Ordinal.Instance;
        var index = range.After is null ? 0 : sortedKeys.BinarySearch(range.After, comparer);
        index = index < 0 ? ~index : range.After is null ? 0 : index + 1;
        return index < sortedKeys.Count && comparer.Compare(sortedKeys[index], range.Last) <= 0;
    }
}
