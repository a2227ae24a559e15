using System.ComponentModel.DataAnnotations;
using OssCopy.Core.Copying;

namespace OssCopy.Core.Backup;

/// <summary>How plans run. Bound from <c>Backup</c> and validated at start.</summary>
public sealed class BackupRunnerOptions : IValidatableObject
{
    public const string SectionName = "Backup";

    /// <summary>
    /// How a plan's copies are verified when the plan does not say. <see cref="CopyVerification.ETag"/> by default:
    /// a plan copies from a listing that already gave each object's size and ETag, every copy is pinned to that
    /// ETag, and OSS's answer to a single CopyObject carries the destination's ETag, which must be the same one
    /// (for an object uploaded whole it is the content's MD5, so this proves size and content). That keeps a bulk
    /// copy at one request per object. Any answer that does not prove the copy this way (a multipart copy, another
    /// ETag) falls back to comparing the answer's CRC-64 with a HEAD of the source. Plans that must also prove
    /// metadata, headers and tags per object ask for <see cref="CopyVerification.Full"/>; one-object copies (CLI,
    /// webhook, events) use <see cref="CopyEngineOptions.Verification"/>, Full by default.
    /// </summary>
    public CopyVerification Verification { get; set; } = CopyVerification.ETag;

    /// <summary>Most copies at once (a plan or a run may ask for fewer or more). Throttling lowers the live limit.</summary>
    [Range(1, 1024)]
    public int MaxParallelism { get; set; } = 16;

    /// <summary>The live limit never drops below this.</summary>
    [Range(1, 1024)]
    public int MinParallelism { get; set; } = 1;

    /// <summary>
    /// Copies in flight when a run starts; until the first throttling each finished copy adds one (slow start, doubling
    /// every round trip) up to the maximum. Starting at the maximum put a run far above a cap it then met with a burst
    /// of refusals.
    /// </summary>
    [Range(1, 1024)]
    public int InitialParallelism { get; set; } = 8;

    /// <summary>
    /// What a burst of throttling multiplies the live limit by. 0.75 rather than Reno's halving: at a modelled account
    /// cap (<c>bench/run scale</c>, README "Performance and reliability"), halving spent a quarter of every cycle well
    /// under the cap; 0.75 with <see cref="ConcurrencyRecoveryRounds"/> of 2 stays nearer the cap and, probing more
    /// slowly, overshoots it less often, so fewer requests are refused.
    /// </summary>
    [Range(0.1, 0.95)]
    public double ConcurrencyDecreaseFactor { get; set; } = 0.75;

    /// <summary>
    /// Once throttled, how many rounds of <c>limit</c> successful copies each added slot takes (before any throttling:
    /// one). Slower probing near a cap that was met overshoots it less often.
    /// </summary>
    [Range(1, 16)]
    public int ConcurrencyRecoveryRounds { get; set; } = 2;

    /// <summary>
    /// For the workers of a distributed run, which share one account cap and each pace themselves: the share of attempts
    /// refused for rate that their probing aims to stay under (each worker slows its recovery while it sees more; see
    /// <see cref="AdaptiveConcurrencyLimiter.ThrottledShareGoal"/>). Without it, n workers climb back to the cap n
    /// times as fast as one and are refused about n times as often. 0 turns it off. The in-process runner, one
    /// client, keeps <see cref="ConcurrencyRecoveryRounds"/> fixed.
    /// </summary>
    [Range(0, 0.5)]
    public double WorkerThrottledShareGoal { get; set; } = 0.01;

    /// <summary>
    /// How often a throttled copy is tried again, at the lowered concurrency and after <see cref="ThrottleBackoff"/>.
    /// The client does not retry a throttled CopyObject of a run (its backoff would hold the copy's concurrency slot):
    /// these are its retries. At the default backoff, 6 wait 16 to 32 s in all before the copy is reported failed.
    /// </summary>
    [Range(0, 20)]
    public int ThrottleRetries { get; set; } = 6;

    /// <summary>The first pause before such a retry; it doubles, with jitter.</summary>
    public TimeSpan ThrottleBackoff { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How often the listing position is saved while a run goes.</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Keys per listing page (OSS allows up to 1000; fewer pages, fewer requests).</summary>
    [Range(1, 1000)]
    public int ListPageSize { get; set; } = 1000;

    /// <summary>
    /// How far the listing may run ahead of the oldest unfinished copy. Bounds memory (and what a resume redoes)
    /// while one large copy is slow and thousands of unchanged objects stream past it.
    /// </summary>
    [Range(16, 10_000_000)]
    public int MaxWindow { get; set; } = 50_000;

    /// <summary>
    /// How long a run may trust the key ranges the last runs found in sync (the plan's sync manifest in the state
    /// store) instead of listing the destination there; once the last run that listed the destination over the whole
    /// plan is older than this, the next run does so again. Zero: always list the destination.
    /// <para>
    /// The trade-off: a trusted range is one whose source listing (keys, sizes, ETags) is exactly what it was when a
    /// run found every object of it in the destination. An object deleted or changed in the <em>destination</em> by
    /// someone else within such a range is only noticed, and copied again, by the next full reconcile (at most this
    /// long after the last one), and destination-only objects are counted only in ranges that were compared. Changes
    /// in the source are always seen: they change the range's hash.
    /// </para>
    /// </summary>
    public TimeSpan FullReconcileInterval { get; set; } = TimeSpan.FromDays(7);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MinParallelism > MaxParallelism)
        {
            yield return new ValidationResult("MinParallelism must not exceed MaxParallelism.", [nameof(MinParallelism)]);
        }

        if (ThrottleBackoff < TimeSpan.Zero || ThrottleBackoff > TimeSpan.FromMinutes(1))
        {
            yield return new ValidationResult("ThrottleBackoff must be between 0 and 1 minute.", [nameof(ThrottleBackoff)]);
        }

        if (FullReconcileInterval < TimeSpan.Zero)
        {
            yield return new ValidationResult("FullReconcileInterval must not be negative.", [nameof(FullReconcileInterval)]);
        }

        if (CheckpointInterval <= TimeSpan.Zero)
        {
            yield return new ValidationResult("CheckpointInterval must be positive.", [nameof(CheckpointInterval)]);
        }
    }

    public void ThrowIfInvalid()
    {
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(this, new ValidationContext(this), results, validateAllProperties: true))
        {
            throw new ArgumentException(string.Join(" ", results.Select(r => r.ErrorMessage)), results[0].MemberNames.FirstOrDefault());
        }
    }
}

/// <summary>One run's choices.</summary>
public sealed class BackupRunOptions
{
    /// <summary>List and compare only: the report says what would be copied, with object, byte and request counts.</summary>
    public bool DryRun { get; init; }

    /// <summary>Overrides the plan's and the runner's verification.</summary>
    public CopyVerification? Verification { get; init; }

    /// <summary>Overrides the plan's and the runner's parallelism.</summary>
    public int? Parallelism { get; init; }

    /// <summary>Continue from the plan's checkpoint when there is one (default).</summary>
    public bool Resume { get; init; } = true;

    /// <summary>
    /// List the destination over the whole plan even where the sync manifest says nothing changed (catches objects
    /// changed or deleted in the destination by someone else), and record a fresh manifest.
    /// </summary>
    public bool FullReconcile { get; init; }

    /// <summary>Where the report's entries go as the run makes them (a <see cref="JsonReportWriter"/> for a file).</summary>
    public IReportSink? Report { get; init; }

    /// <summary>Live counters for a progress display.</summary>
    public BackupProgress? Progress { get; init; }
}

/// <summary>Live counters of a run, safe to read from another thread while it goes.</summary>
public sealed class BackupProgress
{
    private long _listed;
    private long _done;
    private long _copied;
    private long _copiedBytes;
    private long _unchanged;
    private long _failed;
    private long _wouldCopy;
    private long _queued;
    private long _queuedBytes;
    private long _finishedBytes;
    private int _concurrency;
    private int _listingComplete;

    public long Listed => Interlocked.Read(ref _listed);

    public long Done => Interlocked.Read(ref _done);

    public long Copied => Interlocked.Read(ref _copied);

    public long CopiedBytes => Interlocked.Read(ref _copiedBytes);

    public long Unchanged => Interlocked.Read(ref _unchanged);

    public long Failed => Interlocked.Read(ref _failed);

    public long WouldCopy => Interlocked.Read(ref _wouldCopy);

    /// <summary>Objects found to need a copy so far (grows while the listing runs).</summary>
    public long ToCopy => Interlocked.Read(ref _queued);

    public long ToCopyBytes => Interlocked.Read(ref _queuedBytes);

    /// <summary>Bytes of the to-copy objects that are finished, whatever their outcome.</summary>
    public long FinishedBytes => Interlocked.Read(ref _finishedBytes);

    public int Concurrency => Volatile.Read(ref _concurrency);

    public bool ListingComplete => Volatile.Read(ref _listingComplete) == 1;

    internal void OnListed() => Interlocked.Increment(ref _listed);

    internal void OnQueued(long bytes)
    {
        Interlocked.Increment(ref _queued);
        Interlocked.Add(ref _queuedBytes, bytes);
    }

    /// <summary>One object dealt with; a null action is an object the plan's patterns left out.</summary>
    internal void OnFinished(ReportAction? action, long bytes, bool wasQueued)
    {
        Interlocked.Increment(ref _done);
        if (wasQueued)
        {
            Interlocked.Add(ref _finishedBytes, bytes);
        }

        switch (action)
        {
            case ReportAction.Copied:
                Interlocked.Increment(ref _copied);
                Interlocked.Add(ref _copiedBytes, bytes);
                break;
            case ReportAction.Unchanged:
                Interlocked.Increment(ref _unchanged);
                break;
            case ReportAction.WouldCopy:
                Interlocked.Increment(ref _wouldCopy);
                break;
            case ReportAction.Restoring or ReportAction.Skipped:
                // Archived sources left for a later run: neither copied nor failed.
                break;
            case null:
                break;
            default:
                Interlocked.Increment(ref _failed);
                break;
        }
    }

    internal void SetConcurrency(int value) => Volatile.Write(ref _concurrency, value);

    internal void OnListingComplete() => Volatile.Write(ref _listingComplete, 1);
}
