using System.Runtime.CompilerServices;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using OssCopy.Core.State;
using OssCopy.Oss;
using OssCopy.Oss.Models;

namespace OssCopy.Core.Backup;

/// <summary>
/// A part of a plan's source listing to diff on its own (plain data, for a queue message): either one listing page
/// after a cursor (<see cref="Page"/>), or one key range a previous run recorded in sync (<see cref="ForRange"/>),
/// whose destination is listed only when the source no longer lists as it did.
/// </summary>
public sealed record ListingWindow
{
    /// <summary>The source key (relative to the plan's source prefix) the window starts after; null: the first key.</summary>
    public string? After { get; init; }

    /// <summary>The stored range to check, for a range window; null for a page window.</summary>
    public SyncRange? Range { get; init; }

    /// <summary>
    /// The last source key (relative, inclusive) of the key range the window belongs to; null: the listing's end. A run
    /// split into key ranges gives each range's windows its end, so that ranges listed in parallel never overlap.
    /// </summary>
    public string? Last { get; init; }

    [JsonIgnore]
    public bool IsRange => Range is not null;

    /// <summary>One listing page of source keys after <paramref name="after"/>, none after <paramref name="last"/> (inclusive; null: no end).</summary>
    public static ListingWindow Page(string? after, string? last = null) => new() { After = after, Last = last };

    /// <summary>The source keys of a stored sync range, inside a key range ending at <paramref name="last"/> (the stored range must end there or before).</summary>
    public static ListingWindow ForRange(SyncRange range, string? last = null)
    {
        ArgumentNullException.ThrowIfNull(range);
        if (last is not null && Utf8Ordinal.Instance.Compare(range.Last, last) > 0)
        {
            throw new ArgumentException($"The stored range ending at '{range.Last}' goes past the key range's end '{last}'.", nameof(range));
        }

        return new() { After = range.After, Range = range, Last = last };
    }
}

/// <summary>What one window of the listing came to.</summary>
public sealed record ListingWindowResult
{
    /// <summary>The objects that need a copy (or a check): one <see cref="PlanObjectCopier"/> call each.</summary>
    public required IReadOnlyList<CopyWorkItem> Work { get; init; }

    /// <summary>The report lines of the objects found unchanged (same ETag, or in a range found in sync).</summary>
    public required IReadOnlyList<ReportEntry> Unchanged { get; init; }

    /// <summary>
    /// What the window adds to the run's totals before any copy: listed, excluded, unchanged, destination-only. A work
    /// item is not in it: it counts (as listed, copied, failed…) with its copy's line (<see cref="ReportMapping.Totals"/>).
    /// </summary>
    public required ReportTotals Totals { get; init; }

    /// <summary>The cursor of the next window: the last source key this one covered. Null when the source listing ended here.</summary>
    public string? NextAfter { get; init; }

    /// <summary>The range(s) of this window, for the next run's sync manifest (a range window found in sync records itself again).</summary>
    public required IReadOnlyList<SyncRange> Recorded { get; init; }

    /// <summary>A range window whose source listed exactly as recorded: its destination was not listed.</summary>
    public bool Trusted { get; init; }
}

/// <summary>
/// The listing diff one window at a time, for a run driven by messages (a queue "list step" per page, resuming from a
/// cursor): lists the window's source keys, lists the destination only where the window needs it, merge-joins them
/// exactly as the in-process run does (<see cref="SyncRangeDiff"/>), and decides each object with
/// <see cref="PlanCopyContext.Decide"/>. A page window costs one source listing request and the destination pages
/// that cover it.
/// </summary>
public sealed class ListingWindowDiff
{
    private readonly IOssClient _client;
    private readonly BackupRunnerOptions _options;

    public ListingWindowDiff(IOssClient client, IOptions<BackupRunnerOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _options = options.Value;
        _options.ThrowIfInvalid();
    }

    public async Task<ListingWindowResult> DiffAsync(PlanCopyContext context, ListingWindow window, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(window);
        var plan = context.Plan;
        IAsyncEnumerable<OssObjectSummary> source;
        string? windowLast;
        string? nextAfter;
        if (window.Range is { } range)
        {
            source = UpTo(ListingDiff.ObjectsAsync(_client.ListObjectsV2PagesAsync(ListRequest(plan.Source, window.After), cancellationToken), cancellationToken),
                plan.Source.Prefix + range.Last, cancellationToken);
            windowLast = range.Last;

            // The stored range reaching the key range's end ends the key range too.
            nextAfter = string.Equals(range.Last, window.Last, StringComparison.Ordinal) ? null : range.Last;
        }
        else
        {
            var page = await _client.ListObjectsV2Async(ListRequest(plan.Source, window.After), cancellationToken);
            var contents = WithinWindow(page.Contents, plan.Source.Prefix, window.Last);
            source = Items(contents);
            var more = page.IsTruncated && contents.Count == page.Contents.Count && contents.Count > 0
                && !string.Equals(Relative(contents[^1].Key, plan.Source.Prefix), window.Last, StringComparison.Ordinal);
            windowLast = more ? Relative(contents[^1].Key, plan.Source.Prefix) : window.Last;
            nextAfter = more ? windowLast : null;
        }

        var destination = new DestinationCursor(startAfter => _client.ListObjectsV2PagesAsync(
            ListRequest(plan.Destination, null, startAfter), cancellationToken), plan.Destination.Prefix);
        IReadOnlyList<SyncRange> trusted = window.Range is { } stored ? [stored] : [];
        var diff = new SyncRangeDiff(source, plan.Source.Prefix, destination, trusted, window.After, _options.ListPageSize, windowLast);

        var work = new List<CopyWorkItem>();
        var unchanged = new List<ReportEntry>();
        var totals = new TotalsAccumulator();
        await foreach (var entry in diff.JoinAsync(cancellationToken))
        {
            var decision = context.Decide(entry);
            totals.Add(PlanCopyContext.Totals(decision));
            if (decision.Kind == ListedDecisionKind.Unchanged)
            {
                unchanged.Add(decision.Unchanged!);
            }
            else if (decision.Kind == ListedDecisionKind.Copy)
            {
                work.Add(decision.Work!);
            }
        }

        var recorded = diff.Recorded.ToList();
        if (nextAfter is null && window.Last is not null && recorded.Count > 0 && Utf8Ordinal.Instance.Compare(recorded[^1].Last, window.Last) < 0)
        {
            // The key range ended with no source key between its last one and its end: the last recorded range reaches
            // the end (same count and hash), so the next run's ranges line up with the key ranges.
            recorded[^1] = recorded[^1] with { Last = window.Last };
        }

        return new ListingWindowResult
        {
            Work = work,
            Unchanged = unchanged,
            Totals = totals.ToTotals(),
            NextAfter = nextAfter,
            Recorded = recorded,
            Trusted = diff.TrustedRanges > 0,
        };
    }

    /// <summary>The page's objects up to the key range's end <paramref name="last"/> (relative, inclusive; null: all).</summary>
    private static IReadOnlyList<OssObjectSummary> WithinWindow(IReadOnlyList<OssObjectSummary> contents, string prefix, string? last)
    {
        if (last is null)
        {
            return contents;
        }

        var end = prefix + last;
        var count = 0;
        while (count < contents.Count && Utf8Ordinal.Instance.Compare(contents[count].Key, end) <= 0)
        {
            count++;
        }

        return count == contents.Count ? contents : [.. contents.Take(count)];
    }

    private ListObjectsV2Request ListRequest(BucketLocation location, string? after, string? startAfterKey = null) => new()
    {
        Bucket = location.Bucket,
        Prefix = string.IsNullOrEmpty(location.Prefix) ? null : location.Prefix,
        StartAfter = startAfterKey ?? (after is null ? null : location.Prefix + after),
        MaxKeys = _options.ListPageSize,
    };

    private static string Relative(string key, string prefix) =>
        key.StartsWith(prefix, StringComparison.Ordinal)
            ? key[prefix.Length..]
            : throw new InvalidOperationException($"The listing under prefix '{prefix}' returned the key '{key}' outside it.");

#pragma warning disable CS1998 // An async iterator over a list already fetched: the diff takes async streams.
    private static async IAsyncEnumerable<OssObjectSummary> Items(IReadOnlyList<OssObjectSummary> items)
#pragma warning restore CS1998
    {
        foreach (var item in items)
        {
            yield return item;
        }
    }

    /// <summary>The objects up to <paramref name="lastKey"/> (a full key, inclusive); stops listing past it.</summary>
    private static async IAsyncEnumerable<OssObjectSummary> UpTo(
        IAsyncEnumerable<OssObjectSummary> objects, string lastKey, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in objects.WithCancellation(cancellationToken))
        {
            if (Utf8Ordinal.Instance.Compare(item.Key, lastKey) > 0)
            {
                yield break;
            }

            yield return item;
        }
    }
}
