using System.Runtime.CompilerServices;
using OssCopy.Core.Copying;
using OssCopy.Oss.Models;

namespace OssCopy.Core.Backup;

/// <summary>How a source object compares with the destination.</summary>
public enum DiffKind
{
    /// <summary>No destination object with this relative key.</summary>
    Missing,

    /// <summary>The destination object has another size.</summary>
    SizeDiffers,

    /// <summary>Same size, another ETag: changed, or copied in parts (which gives the copy its own ETag); the runner finds out which.</summary>
    ETagDiffers,

    /// <summary>Same size and ETag.</summary>
    Unchanged,

    /// <summary>Only in the destination (never deleted; counted).</summary>
    ExtraInDestination,

    /// <summary>
    /// In a key range that lists exactly as when a previous run found it in sync (<see cref="SyncRangeDiff"/>): the
    /// destination was not listed there, so there is no destination object to show.
    /// </summary>
    InSyncRange,
}

/// <summary>One step of the merge-join: a source object with its destination counterpart, or a destination-only object.</summary>
public readonly record struct DiffEntry(DiffKind Kind, string RelativeKey, OssObjectSummary? Source, OssObjectSummary? Destination);

/// <summary>
/// Merge-joins two listings sorted in OSS's order, keyed by the key relative to each side's prefix. Holds one
/// object of each side at a time, so memory stays constant whatever the number of keys.
/// </summary>
public static class ListingDiff
{
    public static async IAsyncEnumerable<DiffEntry> JoinAsync(
        IAsyncEnumerable<OssObjectSummary> source,
        string sourcePrefix,
        IAsyncEnumerable<OssObjectSummary> destination,
        string destinationPrefix,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        var comparer = Utf8Ordinal.Instance;
        await using var s = source.GetAsyncEnumerator(cancellationToken);
        await using var d = destination.GetAsyncEnumerator(cancellationToken);
        var sKey = await NextAsync(s, sourcePrefix, null, "source");
        var dKey = await NextAsync(d, destinationPrefix, null, "destination");
        while (sKey is not null || dKey is not null)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var order = sKey is null ? 1 : dKey is null ? -1 : comparer.Compare(sKey, dKey);
            if (order < 0)
            {
                yield return new DiffEntry(DiffKind.Missing, sKey!, s.Current, null);
                sKey = await NextAsync(s, sourcePrefix, sKey, "source");
            }
            else if (order > 0)
            {
                yield return new DiffEntry(DiffKind.ExtraInDestination, dKey!, null, d.Current);
                dKey = await NextAsync(d, destinationPrefix, dKey, "destination");
            }
            else
            {
                yield return new DiffEntry(Compare(s.Current, d.Current), sKey!, s.Current, d.Current);
                sKey = await NextAsync(s, sourcePrefix, sKey, "source");
                dKey = await NextAsync(d, destinationPrefix, dKey, "destination");
            }
        }
    }

    /// <summary>Every object of a listing, page by page.</summary>
    public static async IAsyncEnumerable<OssObjectSummary> ObjectsAsync(
        IAsyncEnumerable<ListObjectsV2Result> pages, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pages);
        await foreach (var page in pages.WithCancellation(cancellationToken))
        {
            foreach (var item in page.Contents)
            {
                yield return item;
            }
        }
    }

    internal static DiffKind Compare(OssObjectSummary source, OssObjectSummary destination) =>
        source.Size != destination.Size ? DiffKind.SizeDiffers
        : ETags.Equal(source.ETag, destination.ETag) ? DiffKind.Unchanged
        : DiffKind.ETagDiffers;

    private static string Relative(string key, string prefix) =>
        key.StartsWith(prefix, StringComparison.Ordinal)
            ? key[prefix.Length..]
            : throw new InvalidOperationException($"The listing under prefix '{prefix}' returned the key '{key}' outside it.");

    /// <summary>The next relative key of one side, or null at its end; refuses a listing out of order.</summary>
    private static async ValueTask<string?> NextAsync(IAsyncEnumerator<OssObjectSummary> side, string prefix, string? previous, string name)
    {
        if (!await side.MoveNextAsync())
        {
            return null;
        }

        var key = Relative(side.Current.Key, prefix);

        // A merge-join over an unsorted listing would silently copy or skip the wrong objects; refuse instead.
        if (previous is not null && Utf8Ordinal.Instance.Compare(previous, key) >= 0)
        {
            throw new InvalidOperationException($"The {name} listing is not in ascending key order: '{key}' after '{previous}'.");
        }

        return key;
    }
}
