using System.Text.Json;
using System.Text.Json.Serialization;
using OssCopy.Core.Copying;

namespace OssCopy.Core.Backup;

/// <summary>What became of one source object in a run.</summary>
public enum ReportAction
{
    Copied,
    Unchanged,
    Failed,
    SourceChanged,
    WouldCopy,

    /// <summary>The source is archived and being restored (this run asked for it, or found it under way): copied by a later run.</summary>
    Restoring,

    /// <summary>Left alone on purpose; <see cref="ReportEntry.Reason"/> says why (<see cref="ReportReason.Archived"/>).</summary>
    Skipped,
}

/// <summary>Why an object was (or would be) copied, or was left alone.</summary>
public enum ReportReason
{
    /// <summary>Not in the destination.</summary>
    Missing,

    /// <summary>The destination has another size.</summary>
    SizeDiffers,

    /// <summary>Same size, another ETag, and no record that it is our copy.</summary>
    ETagDiffers,

    /// <summary>Same size and ETag.</summary>
    SameETag,

    /// <summary>Another ETag, but the state store or the destination's metadata records it as a copy of this very source.</summary>
    CopiedBefore,

    /// <summary>
    /// In a key range whose source listing is exactly what it was when a previous run found the whole range in the
    /// destination: the destination was not listed there (see <see cref="BackupRunnerOptions.FullReconcileInterval"/>).
    /// </summary>
    InSyncRange,

    /// <summary>The source is archived and not restored, and the plan said to skip such objects.</summary>
    Archived,
}

/// <summary>One line of the report's <c>objects</c> array.</summary>
public sealed record ReportEntry
{
    public required string Key { get; init; }

    public required string DestinationKey { get; init; }

    public required ReportAction Action { get; init; }

    public ReportReason Reason { get; init; }

    public long Size { get; init; }

    public string? SourceETag { get; init; }

    public string? Strategy { get; init; }

    public bool? Verified { get; init; }

    public int? StatusCode { get; init; }

    public string? RequestId { get; init; }

    public string? ETag { get; init; }

    public string? VersionId { get; init; }

    public string? SourceVersionId { get; init; }

    [JsonPropertyName("hashCrc64")]
    public string? HashCrc64 { get; init; }

    public string? ErrorCode { get; init; }

    public string? ErrorMessage { get; init; }

    public string? Ec { get; init; }

    /// <summary>For a would-copy object: the requests a real run would make for it, at least.</summary>
    public int? Requests { get; init; }

    public double? DurationMs { get; init; }

    /// <summary>For an archived source (Restoring, Skipped): its storage class.</summary>
    public string? StorageClass { get; init; }

    /// <summary>For an archived source: <c>requested</c> when this run sent RestoreObject, else its <c>x-oss-restore</c> as HEAD showed it.</summary>
    public string? Restore { get; init; }
}

/// <summary>Counts over a run (and, resumed, over the runs before it).</summary>
public sealed record ReportTotals
{
    /// <summary>Source objects seen by the listing (after the resume point).</summary>
    public long Listed { get; init; }

    /// <summary>Source objects left out by the include/exclude patterns.</summary>
    public long Excluded { get; init; }

    public long Copied { get; init; }

    public long CopiedBytes { get; init; }

    public long Unchanged { get; init; }

    public long UnchangedBytes { get; init; }

    public long Failed { get; init; }

    public long SourceChanged { get; init; }

    /// <summary>Archived sources being restored: not copied by this run (a later one copies them); not failures, but the backup is not complete.</summary>
    public long Restoring { get; init; }

    /// <summary>Sources left alone on purpose (archived and not restored, with <c>archived: skip</c>).</summary>
    public long Skipped { get; init; }

    public long WouldCopy { get; init; }

    public long WouldCopyBytes { get; init; }

    /// <summary>Dry run: the requests copying the would-copy objects takes, at least (tags may add some).</summary>
    public long WouldCopyRequests { get; init; }

    /// <summary>
    /// Destination objects with no source counterpart: never deleted, only counted. Only key ranges where the
    /// destination was listed count (all of them in a full reconcile; see <see cref="CopyReport.RangesTrusted"/>).
    /// </summary>
    public long ExtraInDestination { get; init; }

    public static ReportTotals operator +(ReportTotals a, ReportTotals b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);

        // The field-by-field sum lives in the accumulator alone, so a new total cannot be added in one place and not the other.
        var sum = new TotalsAccumulator(a);
        sum.Add(b);
        return sum.ToTotals();
    }

    public ReportTotals Add(ReportTotals other) => this + other;
}

/// <summary>
/// <see cref="ReportTotals"/> summed in place. A run adds one delta per object; adding records made a new
/// ReportTotals each time, twice per object (the run's totals and the checkpoint window's). Not thread-safe: the
/// owner adds under its own lock.
/// </summary>
internal sealed class TotalsAccumulator
{
    private long _listed, _excluded, _copied, _copiedBytes, _unchanged, _unchangedBytes, _failed, _sourceChanged;
    private long _wouldCopy, _wouldCopyBytes, _wouldCopyRequests, _extraInDestination, _restoring, _skipped;

    public TotalsAccumulator(ReportTotals? initial = null)
    {
        if (initial is not null)
        {
            Add(initial);
        }
    }

    public void Add(ReportTotals delta)
    {
        _listed += delta.Listed;
        _excluded += delta.Excluded;
        _copied += delta.Copied;
        _copiedBytes += delta.CopiedBytes;
        _unchanged += delta.Unchanged;
        _unchangedBytes += delta.UnchangedBytes;
        _failed += delta.Failed;
        _sourceChanged += delta.SourceChanged;
        _wouldCopy += delta.WouldCopy;
        _wouldCopyBytes += delta.WouldCopyBytes;
        _wouldCopyRequests += delta.WouldCopyRequests;
        _extraInDestination += delta.ExtraInDestination;
        _restoring += delta.Restoring;
        _skipped += delta.Skipped;
    }

    public ReportTotals ToTotals() => new()
    {
        Listed = _listed,
        Excluded = _excluded,
        Copied = _copied,
        CopiedBytes = _copiedBytes,
        Unchanged = _unchanged,
        UnchangedBytes = _unchangedBytes,
        Failed = _failed,
        SourceChanged = _sourceChanged,
        WouldCopy = _wouldCopy,
        WouldCopyBytes = _wouldCopyBytes,
        WouldCopyRequests = _wouldCopyRequests,
        ExtraInDestination = _extraInDestination,
        Restoring = _restoring,
        Skipped = _skipped,
    };
}

/// <summary>
/// A run's report. The JSON file holds the same fields plus <c>objects</c>, every source object of the run (streamed
/// to the file as the run goes, so a million objects never sit in memory); this object keeps the first failures.
/// </summary>
public sealed record CopyReport
{
    public required string Plan { get; init; }

    public required string RunId { get; init; }

    public bool DryRun { get; init; }

    /// <summary><c>Completed</c> or <c>Cancelled</c> (resumable from the checkpoint).</summary>
    public required string Status { get; init; }

    public required string Source { get; init; }

    public required string Destination { get; init; }

    /// <summary>How every copy of the run was verified (the run's, the plan's or the runner's choice).</summary>
    public CopyVerification Verification { get; init; }

    public DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset FinishedAt { get; init; }

    public double DurationSeconds { get; init; }

    /// <summary>The source key this run resumed after, when it continued a stopped run.</summary>
    public string? ResumedAfter { get; init; }

    /// <summary>Totals of this run plus, when resumed, of the runs it continues.</summary>
    public required ReportTotals Totals { get; init; }

    /// <summary>Totals carried over from the stopped runs this one continues.</summary>
    public ReportTotals? PreviousTotals { get; init; }

    /// <summary>Requests this run sent, by OSS operation.</summary>
    public IReadOnlyDictionary<string, long> Requests { get; init; } = new Dictionary<string, long>();

    /// <summary>Key ranges (about one listing page each) reported from the sync manifest, without listing the destination there.</summary>
    public int RangesTrusted { get; init; }

    /// <summary>Key ranges where the destination was listed and merge-joined with the source.</summary>
    public int RangesCompared { get; init; }

    /// <summary>Whether this run listed the destination over the whole plan (no range trusted, not resumed).</summary>
    public bool FullReconcile { get; init; }

    public int FinalConcurrency { get; init; }

    public int ConcurrencyDecreases { get; init; }

    /// <summary>The lowest concurrency throttling brought the run to.</summary>
    public int LowestConcurrency { get; init; }

    /// <summary>The first failures (at most <see cref="MaxFailuresKept"/>); the file lists them all.</summary>
    [JsonIgnore]
    public IReadOnlyList<ReportEntry> Failures { get; init; } = [];

    public const int MaxFailuresKept = 1000;

    /// <summary>
    /// The first objects left for a later run (<see cref="ReportAction.Restoring"/>, <see cref="ReportAction.Skipped"/>;
    /// at most <see cref="MaxFailuresKept"/>): the sync manifest never vouches for their ranges, so the next run looks again.
    /// </summary>
    [JsonIgnore]
    public IReadOnlyList<ReportEntry> Pending { get; init; } = [];

    /// <summary>Objects are still being restored: nothing failed, but the backup is not complete until a later run copies them.</summary>
    [JsonIgnore]
    public bool HasRestoring => Totals.Restoring > 0;

    [JsonIgnore]
    public bool HasFailures => Totals.Failed > 0 || Totals.SourceChanged > 0;
}

/// <summary>The report's JSON conventions: camelCase, enums as names, nulls left out.</summary>
public static class ReportJson
{
    /// <summary>Keys stay readable (中文, quotes in ETags): the report is a file for people and tools, never embedded in HTML.</summary>
    public static readonly System.Text.Encodings.Web.JavaScriptEncoder Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    public static readonly JsonSerializerOptions Options = new()
    {
        Encoder = Encoder,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
        WriteIndented = true,
    };

    public static readonly JsonSerializerOptions CompactOptions = new(Options) { WriteIndented = false };
}
