using OssCopy.Core.Copying;

namespace OssCopy.Core.Backup;

/// <summary>What a listed object came to before any copy: a destination-only object, left out by the plan, unchanged, or work.</summary>
public enum ListedDecisionKind
{
    /// <summary>Only in the destination: counted, never deleted.</summary>
    ExtraInDestination,

    /// <summary>Left out by the plan's include/exclude patterns: counted as listed and excluded.</summary>
    Excluded,

    /// <summary>Same as the destination (or in a range a previous run found in sync): <see cref="ListedDecision.Unchanged"/> is its report line.</summary>
    Unchanged,

    /// <summary>Needs a copy (or a check that the destination is already ours): <see cref="ListedDecision.Work"/>.</summary>
    Copy,
}

/// <summary>The decision for one step of the listing diff.</summary>
public sealed record ListedDecision(ListedDecisionKind Kind, string RelativeKey, long Size, ReportEntry? Unchanged = null, CopyWorkItem? Work = null);

/// <summary>
/// What every per-object decision of one plan run shares: the plan, when the run started (<c>{date}</c> in tags),
/// how copies are verified, whether it is a dry run, and the concurrency limiter to pace copies with (optional: a
/// queue worker may pace by other means). Cheap to make; a queue worker makes one per message from the plan and the
/// run's start time.
/// </summary>
public sealed class PlanCopyContext
{
    private readonly List<KeyPattern> _include;
    private readonly List<KeyPattern> _exclude;

    public PlanCopyContext(BackupPlan plan, DateTimeOffset runStartedAt, CopyVerification verification, bool dryRun = false, AdaptiveConcurrencyLimiter? limiter = null)
    {
        Plan = plan ?? throw new ArgumentNullException(nameof(plan));
        RunStartedAt = runStartedAt;
        Verification = verification;
        DryRun = dryRun;
        Limiter = limiter;
        Placeholders = new TagPlaceholders(plan.Name, DateOnly.FromDateTime(runStartedAt.UtcDateTime), plan.Source.Bucket);
        _include = plan.Include.Select(p => new KeyPattern(p)).ToList();
        _exclude = plan.Exclude.Select(p => new KeyPattern(p)).ToList();
    }

    /// <summary>The context of a run of <paramref name="plan"/>: its verification decided by <see cref="VerificationPolicy.ForPlan"/>.</summary>
    public static PlanCopyContext ForRun(BackupPlan plan, BackupRunOptions? run, BackupRunnerOptions backup, DateTimeOffset runStartedAt, AdaptiveConcurrencyLimiter? limiter = null) =>
        new(plan, runStartedAt, VerificationPolicy.ForPlan(plan, run, backup), run?.DryRun ?? false, limiter);

    public BackupPlan Plan { get; }

    /// <summary>When the run started (a resumed run: when its first part started); <c>{date}</c> in tag templates is its UTC date.</summary>
    public DateTimeOffset RunStartedAt { get; }

    public CopyVerification Verification { get; }

    public bool DryRun { get; }

    public AdaptiveConcurrencyLimiter? Limiter { get; }

    public TagPlaceholders Placeholders { get; }

    public string DestinationKey(string relativeKey) => Plan.Destination.Prefix + relativeKey;

    /// <summary>Whether the plan's include/exclude patterns select the key (relative to the source prefix).</summary>
    public bool IsSelected(string relativeKey) => (_include.Count == 0 || AnyMatch(_include, relativeKey)) && !AnyMatch(_exclude, relativeKey);

    /// <summary>Decides one step of the listing diff: the same for the in-process run and a queue's list step.</summary>
    public ListedDecision Decide(DiffEntry entry)
    {
        if (entry.Kind == DiffKind.ExtraInDestination)
        {
            return new ListedDecision(ListedDecisionKind.ExtraInDestination, entry.RelativeKey, entry.Destination?.Size ?? 0);
        }

        var source = entry.Source ?? throw new ArgumentException("A diff step other than a destination-only object has a source.", nameof(entry));
        if (!IsSelected(entry.RelativeKey))
        {
            return new ListedDecision(ListedDecisionKind.Excluded, entry.RelativeKey, source.Size);
        }

        if (entry.Kind is DiffKind.Unchanged or DiffKind.InSyncRange)
        {
            var reason = entry.Kind == DiffKind.Unchanged ? ReportReason.SameETag : ReportReason.InSyncRange;
            return new ListedDecision(ListedDecisionKind.Unchanged, entry.RelativeKey, source.Size, Unchanged: new ReportEntry
            {
                Key = source.Key,
                DestinationKey = DestinationKey(entry.RelativeKey),
                Action = ReportAction.Unchanged,
                Reason = reason,
                Size = source.Size,
                SourceETag = source.ETag,
                ETag = entry.Destination?.ETag,
            });
        }

        return new ListedDecision(ListedDecisionKind.Copy, entry.RelativeKey, source.Size, Work: CopyWorkItem.From(Plan, entry));
    }

    /// <summary>What one decided object adds to the run's totals (a copy's line: see <see cref="ReportMapping.Totals"/>).</summary>
    public static ReportTotals Totals(ListedDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return decision.Kind switch
        {
            ListedDecisionKind.ExtraInDestination => new ReportTotals { ExtraInDestination = 1 },
            ListedDecisionKind.Excluded => new ReportTotals { Listed = 1, Excluded = 1 },
            ListedDecisionKind.Unchanged => ReportMapping.Totals(decision.Unchanged!),
            _ => new ReportTotals(),
        };
    }

    private static bool AnyMatch(List<KeyPattern> patterns, string relativeKey)
    {
        foreach (var pattern in patterns)
        {
            if (pattern.IsMatch(relativeKey))
            {
                return true;
            }
        }

        return false;
    }
}
