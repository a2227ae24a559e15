using System.Text;
using OssCopy.Core.Backup;
using OssCopy.Oss.Models;

namespace OssCopy.Core.Tests.Backup;

public class ListingDiffTests
{
    private static OssObjectSummary O(string key, long size = 1, string etag = "\"E\"") => new(key, size, etag, null, "Standard", "Normal");

    private static async IAsyncEnumerable<OssObjectSummary> Stream(params OssObjectSummary[] items)
    {
        foreach (var item in items)
        {
            await Task.Yield();
            yield return item;
        }
    }

    private static async Task<List<DiffEntry>> Join(OssObjectSummary[] source, string sourcePrefix, OssObjectSummary[] destination, string destinationPrefix)
    {
        var result = new List<DiffEntry>();
        await foreach (var entry in ListingDiff.JoinAsync(Stream(source), sourcePrefix, Stream(destination), destinationPrefix))
        {
            result.Add(entry);
        }

        return result;
    }

    [Fact]
    public async Task Missing_changed_unchanged_and_extra_are_told_apart_by_relative_key()
    {
        var diff = await Join(
            [O("src/a"), O("src/b", 2), O("src/c", etag: "\"X\""), O("src/d"), O("src/f")], "src/",
            [O("bak/b", 3), O("bak/c"), O("bak/d", etag: "\"e\""), O("bak/e"), O("bak/g")], "bak/");

        Assert.Equal(
            [
                (DiffKind.Missing, "a"), (DiffKind.SizeDiffers, "b"), (DiffKind.ETagDiffers, "c"), (DiffKind.Unchanged, "d"),
                (DiffKind.ExtraInDestination, "e"), (DiffKind.Missing, "f"), (DiffKind.ExtraInDestination, "g"),
            ],
            diff.Select(d => (d.Kind, d.RelativeKey)));
    }

    [Fact]
    public async Task An_empty_side_makes_everything_missing_or_extra()
    {
        Assert.All(await Join([O("a"), O("b")], string.Empty, [], "x/"), d => Assert.Equal(DiffKind.Missing, d.Kind));
        Assert.All(await Join([], string.Empty, [O("x/a")], "x/"), d => Assert.Equal(DiffKind.ExtraInDestination, d.Kind));
    }

    [Fact]
    public async Task Keys_are_joined_in_UTF8_byte_order_as_OSS_lists_them()
    {
        // U+FF5E (EF BD 9E in UTF-8) sorts before U+1F600 (F0 9F 98 80), though its UTF-16 code unit is larger.
        var keys = new[] { "a", "z", "\uFF5E", "\U0001F600" };
        var sorted = keys.Order(Utf8Ordinal.Instance).ToArray();
        Assert.Equal(keys.OrderBy(k => Encoding.UTF8.GetBytes(k), Comparer<byte[]>.Create((x, y) => x.AsSpan().SequenceCompareTo(y))), sorted);
        Assert.True(string.CompareOrdinal("\uFF5E", "\U0001F600") > 0, "UTF-16 order differs, which is the point");

        var diff = await Join(sorted.Select(k => O(k)).ToArray(), string.Empty, sorted.Select(k => O("b/" + k)).ToArray(), "b/");

        Assert.All(diff, d => Assert.Equal(DiffKind.Unchanged, d.Kind));
        Assert.Equal(4, diff.Count);
    }

    [Fact]
    public async Task A_listing_out_of_order_is_refused_rather_than_trusted()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() => Join([O("b"), O("a")], string.Empty, [], string.Empty));
    }

    [Fact]
    public async Task ETags_compare_without_quotes_and_case()
    {
        var diff = await Join([O("k", etag: "\"abc\"")], string.Empty, [O("k", etag: "ABC")], string.Empty);

        Assert.Equal(DiffKind.Unchanged, Assert.Single(diff).Kind);
    }

    [Fact]
    public async Task The_join_holds_constant_memory_over_a_million_keys()
    {
        const int count = 1_000_000;
        static async IAsyncEnumerable<OssObjectSummary> Generated(string prefix, int count)
        {
            for (var i = 0; i < count; i++)
            {
                yield return new OssObjectSummary(prefix + i.ToString("D8", System.Globalization.CultureInfo.InvariantCulture), i, "\"E\"", null, null, null);
                if (i % 10_000 == 0)
                {
                    await Task.Yield();
                }
            }
        }

        GC.Collect();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        long unchanged = 0;
        long peak = 0;
        await foreach (var entry in ListingDiff.JoinAsync(Generated("s/", count), "s/", Generated("d/", count), "d/"))
        {
            if (entry.Kind == DiffKind.Unchanged)
            {
                unchanged++;
            }

            if (unchanged % 250_000 == 0)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true) - before);
            }
        }

        Assert.Equal(count, unchanged);
        Assert.True(peak < 16 * 1024 * 1024, $"retained {peak} bytes while joining");
    }
}
