using OssCopy.Core.Backup;

namespace OssCopy.AzureStorage;

public enum RunStatus
{
    Listing,
    Copying,
    Finalizing,
    Completed,
    Failed,
}

/// <summary>
/// Where listing of one key range got to: keys up to and including <see cref="After"/> are enqueued. The range ends
/// at <see cref="Last"/> (inclusive; null: the listing's end).
/// </summary>
public sealed record ListingPosition(string? After, bool Done)
{
    public string? Last { get; init; }
}

/// <summary>
/// One distributed run of a plan, as the runs table holds it. Counters are totals so far; <see cref="Progress"/>
/// turns them into what a status page shows.
/// </summary>
public sealed record RunRecord
{
    public required string Plan { get; init; }

    public required string RunId { get; init; }

    public required string Fingerprint { get; init; }

    public RunStatus Status { get; init; }

    public DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Set by every update; a run not updated for the stale period is taken over by the next start.</summary>
    public DateTimeOffset HeartbeatAt { get; init; }

    /// <summary>How many times a start found this run stale and resumed it.</summary>
    public int Takeovers { get; init; }

    public ReportTotals Totals { get; init; } = new();

    /// <summary>Listing position per key range (range id → position); range ids are the caller's.</summary>
    public IReadOnlyDictionary<string, ListingPosition> Listing { get; init; } = new Dictionary<string, ListingPosition>(StringComparer.Ordinal);

    public long BatchesEnqueued { get; init; }

    public long BatchesCompleted { get; init; }

    public long ObjectsEnqueued { get; init; }

    /// <summary>
    /// OSS requests by operation, as the handlers' deliveries that counted (moved a listing position, completed a batch)
    /// sent them, plus the start's splitting; a delivery that lost a race or was cancelled is not in them.
    /// </summary>
    public IReadOnlyDictionary<string, long> Requests { get; init; } = new Dictionary<string, long>(StringComparer.Ordinal);

    /// <summary>Adds request counts by operation.</summary>
    public static IReadOnlyDictionary<string, long> AddRequests(IReadOnlyDictionary<string, long> a, IReadOnlyDictionary<string, long>? b)
    {
        ArgumentNullException.ThrowIfNull(a);
        if (b is null || b.Count == 0)
        {
            return a;
        }

        var sum = new SortedDictionary<string, long>(a.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal), StringComparer.Ordinal);
        foreach (var (operation, count) in b)
        {
            sum[operation] = sum.GetValueOrDefault(operation) + count;
        }

        return sum;
    }

    /// <summary>Why the run failed (no secrets: the caller passes an error code and message, never a request's headers).</summary>
    public string? Error { get; init; }

    public bool IsFinished => Status is RunStatus.Completed or RunStatus.Failed;

    public RunProgress Progress(DateTimeOffset now)
    {
        var elapsed = (FinishedAt ?? now) - StartedAt;
        var seconds = Math.Max(elapsed.TotalSeconds, 0.001);
        var done = Totals.Copied + Totals.Unchanged + Totals.Failed + Totals.SourceChanged;
        return new RunProgress(
            Status,
            Totals.Listed,
            ObjectsEnqueued,
            done,
            Totals.Copied,
            Totals.CopiedBytes,
            Totals.Failed,
            BatchesEnqueued,
            BatchesCompleted,
            elapsed,
            done / seconds,
            Totals.CopiedBytes / seconds);
    }
}

/// <summary>A run's progress at one moment: counts, bytes and the average rates since it started.</summary>
public sealed record RunProgress(
    RunStatus Status,
    long Listed,
    long Enqueued,
    long Done,
    long Copied,
    long CopiedBytes,
    long Failed,
    long BatchesEnqueued,
    long BatchesCompleted,
    TimeSpan Elapsed,
    double ObjectsPerSecond,
    double BytesPerSecond);

public enum RunStartOutcome
{
    /// <summary>No run was active: this call started a new one.</summary>
    Started,

    /// <summary>The active run's heartbeat was stale: this call took it over (same run id) and now owns it.</summary>
    TookOver,

    /// <summary>Another run is active and alive: this call started nothing.</summary>
    AlreadyActive,
}

public sealed record RunStart(RunStartOutcome Outcome, RunRecord Run);

/// <summary>A sync range one list step recorded for the next run, and whether the step trusted it (listed no destination).</summary>
public sealed record RecordedRange(OssCopy.Core.State.SyncRange Range, bool Trusted);
