using Microsoft.Extensions.Logging;
using OssCopy.Core.Backup;
using OssCopy.Core.State;
using OssCopy.Oss;
using OssCopy.Oss.Models;

namespace OssCopy.AzureStorage.DistributedBackupRun;

/// <summary>How a distributed run finds the boundaries of the key ranges it lists in parallel.</summary>
public enum KeyRangeSplitting
{
    /// <summary>The last run's sync ranges when it recorded enough of them, else the keys' first characters.</summary>
    Auto,

    /// <summary>The distinct first characters of the keys (one level deeper while they are too few), found by skip-listing.</summary>
    FirstCharacters,

    /// <summary>The "folders": the listing's common prefixes at the first level with more than one.</summary>
    Delimiter,

    /// <summary>The ranges the last run recorded in its sync manifest, cut where their object counts are even.</summary>
    SyncRanges,
}

/// <summary>
/// One key range of a split run: source keys (relative to the plan's source prefix) after <see cref="After"/> and up to
/// <see cref="Last"/> inclusive; null ends are open.
/// </summary>
public sealed record KeyRange(string Id, string? After, string? Last)
{
    public bool Contains(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return (After is null || Utf8Ordinal.Instance.Compare(key, After) > 0) && (Last is null || Utf8Ordinal.Instance.Compare(key, Last) <= 0);
    }
}

/// <summary>Key ranges from boundaries: whatever the boundaries, the ranges are disjoint and cover every key.</summary>
public static class KeyRanges
{
    /// <summary>
    /// The ranges (null, b1], (b1, b2], …, (bn, null) for the distinct boundaries in UTF-8 order. Boundaries only
    /// decide how evenly the work spreads, never which keys are listed: every key falls in exactly one range.
    /// </summary>
    public static IReadOnlyList<KeyRange> FromBoundaries(IEnumerable<string> boundaries)
    {
        ArgumentNullException.ThrowIfNull(boundaries);
        var sorted = boundaries.Distinct(StringComparer.Ordinal).Order(Utf8Ordinal.Instance).ToList();
        if (sorted.Count == 0)
        {
            return [new KeyRange(DistributedRunStarter.WholeRange, null, null)];
        }

        var ranges = new List<KeyRange>(sorted.Count + 1);
        string? after = null;
        for (var i = 0; i <= sorted.Count; i++)
        {
            var last = i < sorted.Count ? sorted[i] : null;
            ranges.Add(new KeyRange($"r{i:D3}", after, last));
            after = last;
        }

        return ranges;
    }

    /// <summary>
    /// At most <paramref name="count"/> − 1 boundaries among <paramref name="candidates"/> (sorted, each with the
    /// number of objects up to it since the previous one), cut where the running total crosses each even share.
    /// </summary>
    public static IReadOnlyList<string> Pick(IReadOnlyList<(string Boundary, long Weight)> candidates, int count)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var total = candidates.Sum(c => Math.Max(c.Weight, 0));
        var picked = new List<string>();
        if (total == 0 || count == 1)
        {
            return picked;
        }

        long running = 0;
        var next = 1;
        foreach (var (boundary, weight) in candidates)
        {
            running += Math.Max(weight, 0);
            if (next < count && running * count >= total * next && running < total)
            {
                picked.Add(boundary);
                while (next < count && running * count >= total * next)
                {
                    next++;
                }
            }
        }

        return picked;
    }
}

/// <summary>
/// Splits a plan's source listing into disjoint key ranges that list in parallel, so that concurrent copies spread
/// over the key space (OSS allows an account about 10,000 requests/s, but only about 2,000/s through sequential keys:
/// one index partition). Finding boundaries costs a few listing requests (or none, from the last run's manifest);
/// a poor guess only makes ranges uneven.
/// </summary>
public sealed partial class KeyRangeSplitter
{
    /// <summary>At most this many ranges: each has a cursor in the run record, whose listing property is bounded.</summary>
    public const int MaxRanges = 64;

    private const int MaxDepth = 16;
    private const int MaxDelimiterPages = 4;

    // The largest code point: every key starting with a prefix, but for this character, sorts below prefix + it.
    private const string MaxCharacter = "\U0010FFFF";

    private readonly IOssClient _client;
    private readonly ILogger _logger;

    public KeyRangeSplitter(IOssClient client, ILogger<KeyRangeSplitter> logger)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <summary>The plan's key ranges: one (the whole plan) when <paramref name="count"/> is 1.</summary>
    public async Task<IReadOnlyList<KeyRange>> SplitAsync(BackupPlan plan, int count, KeyRangeSplitting how, IReadOnlyList<SyncRange> lastRun, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(lastRun);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, MaxRanges);
        if (count == 1)
        {
            return KeyRanges.FromBoundaries([]);
        }

        if (how == KeyRangeSplitting.Auto)
        {
            how = lastRun.Count >= count ? KeyRangeSplitting.SyncRanges : KeyRangeSplitting.FirstCharacters;
        }

        IReadOnlyList<string> boundaries = how switch
        {
            KeyRangeSplitting.SyncRanges => KeyRanges.Pick([.. lastRun.Select(r => (r.Last, (long)r.Count))], count),
            KeyRangeSplitting.Delimiter => KeyRanges.Pick([.. (await DelimiterPrefixesAsync(plan, cancellationToken)).Skip(1).Select(p => (p, 1L))], count),
            _ => KeyRanges.Pick([.. (await FirstCharactersAsync(plan, count, cancellationToken)).Skip(1).Select(p => (p, 1L))], count),
        };

        // A boundary is the last key of a range: a group's first prefix ends the range before it (only a key equal to
        // the prefix itself lands there, which is harmless).
        var ranges = KeyRanges.FromBoundaries(boundaries);
        Log.Split(_logger, plan.Name, ranges.Count, how.ToString());
        return ranges;
    }

    /// <summary>
    /// The distinct key prefixes of the shortest length at which there are at least <paramref name="count"/> of them
    /// (or the most found within the probe budget), by skip-listing: one request per prefix found.
    /// </summary>
    private async Task<List<string>> FirstCharactersAsync(BackupPlan plan, int count, CancellationToken cancellationToken)
    {
        var budget = Math.Max(4 * count, 16);
        List<string> best = [];
        for (var depth = 1; depth <= MaxDepth; depth++)
        {
            var found = await DistinctPrefixesAsync(plan.Source, depth, budget, cancellationToken);
            if (found.Count >= best.Count)
            {
                best = found;
            }

            // Enough, or as many as the budget allows, or the keys are no longer than this.
            if (found.Count >= count || found.Count >= budget || found.All(p => p.Length < depth))
            {
                break;
            }
        }

        return best;
    }

    private async Task<List<string>> DistinctPrefixesAsync(BucketLocation source, int depth, int budget, CancellationToken cancellationToken)
    {
        var found = new List<string>();
        string? after = null;
        while (found.Count < budget)
        {
            var page = await _client.ListObjectsV2Async(new ListObjectsV2Request
            {
                Bucket = source.Bucket,
                Prefix = string.IsNullOrEmpty(source.Prefix) ? null : source.Prefix,
                StartAfter = after is null ? null : source.Prefix + after,
                MaxKeys = 1,
            }, cancellationToken);
            if (page.Contents.Count == 0)
            {
                break;
            }

            var key = page.Contents[0].Key[source.Prefix.Length..];
            var length = Math.Min(depth, key.Length);
            if (length < key.Length && char.IsHighSurrogate(key[length - 1]))
            {
                length++;
            }

            var prefix = key[..length];
            found.Add(prefix);
            after = prefix + MaxCharacter;
        }

        return found;
    }

    /// <summary>The first level of "folders" (common prefixes, with the objects beside them) that has more than one entry.</summary>
    private async Task<IReadOnlyList<string>> DelimiterPrefixesAsync(BackupPlan plan, CancellationToken cancellationToken)
    {
        var under = string.Empty;
        for (var level = 0; level < MaxDepth; level++)
        {
            var entries = new List<string>();
            string? token = null;
            for (var page = 0; page < MaxDelimiterPages; page++)
            {
                var result = await _client.ListObjectsV2Async(new ListObjectsV2Request
                {
                    Bucket = plan.Source.Bucket,
                    Prefix = NullIfEmpty(plan.Source.Prefix + under),
                    Delimiter = "/",
                    ContinuationToken = token,
                    MaxKeys = 1000,
                }, cancellationToken);
                entries.AddRange(result.CommonPrefixes.Select(c => c[plan.Source.Prefix.Length..]));
                entries.AddRange(result.Contents.Select(c => c.Key[plan.Source.Prefix.Length..]));
                token = result.NextContinuationToken;
                if (!result.IsTruncated || token is null)
                {
                    break;
                }
            }

            entries.Sort(Utf8Ordinal.Instance);
            if (entries.Count != 1 || !entries[0].EndsWith('/'))
            {
                return entries;
            }

            under = entries[0];
        }

        return [];
    }

    private static string? NullIfEmpty(string text) => text.Length == 0 ? null : text;

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Plan {Plan} split into {Ranges} key ranges ({How}).")]
        public static partial void Split(ILogger logger, string plan, int ranges, string how);
    }
}
