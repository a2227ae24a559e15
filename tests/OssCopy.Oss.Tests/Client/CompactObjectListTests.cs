using OssCopy.Oss.Internal;
using OssCopy.Oss.Models;

namespace OssCopy.Oss.Tests.Client;

/// <summary>The compact form a listing page's objects are kept in: every field comes back as it went in.</summary>
public class CompactObjectListTests
{
    private static readonly OssObjectSummary[] Objects =
    [
        new("photos/2026/a.jpg", 344606, "\"5B3C1A2E053D763E1B002CC607C5A0FE\"", new DateTimeOffset(2026, 12, 4, 8, 43, 7, 123, TimeSpan.Zero), "Standard", "Normal"),
        new("中文/目录/文件 +%.txt", 0, null, null, null, null),
        new("emoji/😀🚀/x", long.MaxValue, "\"ABC-3\"", new DateTimeOffset(2012, 2, 24, 8, 43, 27, TimeSpan.FromHours(8)), "ColdArchive", "Multipart", "0022012****", "user-example"),
        new(string.Empty, 1, string.Empty, null, "IA", "Appendable"),
        new(new string('k', 1023), 7, "\"" + new string('e', 32) + "\"", null, "Archive", "Symlink"),
    ];

    [Fact]
    public void Every_field_of_every_object_reads_back_equal_in_order()
    {
        var list = new CompactObjectList();
        foreach (var item in Objects)
        {
            list.Add(item);
        }

        list.TrimExcess();

        Assert.Equal(Objects.Length, list.Count);
        Assert.Equal(Objects, list);
        for (var i = 0; i < Objects.Length; i++)
        {
            Assert.Equal(Objects[i], list[i]);
        }
    }

    [Fact]
    public void A_page_of_a_thousand_objects_reads_back_whole_with_or_without_its_capacity_given_first()
    {
        var expected = Enumerable.Range(0, 1000)
            .Select(i => new OssObjectSummary($"obj/{i:D6}", i, $"\"{i:X32}\"", DateTimeOffset.UnixEpoch.AddSeconds(i), "Standard", "Normal"))
            .ToList();
        var sized = new CompactObjectList();
        sized.EnsureCapacity(expected.Count);
        var grown = new CompactObjectList();
        foreach (var item in expected)
        {
            sized.Add(item);
            grown.Add(item);
        }

        grown.TrimExcess();

        Assert.Equal(expected, sized);
        Assert.Equal(expected, grown);
    }

    [Fact]
    public void A_key_that_UTF_8_cannot_carry_is_kept_as_given_and_its_neighbours_are_unaffected()
    {
        var lone = new OssObjectSummary("bad\uD800key", 3, "\"E\"", null, "Standard", "Normal");
        var badETag = new OssObjectSummary("fine", 4, "\"\uDC00\"", null, null, null);
        var list = new CompactObjectList();
        list.Add(Objects[0]);
        list.Add(lone);
        list.Add(Objects[1]);
        list.Add(badETag);
        list.Add(Objects[2]);
        list.TrimExcess();

        Assert.Equal([Objects[0], lone, Objects[1], badETag, Objects[2]], list);
        Assert.Equal("bad\uD800key", list[1].Key);
        Assert.Equal("\"\uDC00\"", list[3].ETag);
    }

    [Fact]
    public void An_index_outside_the_list_is_refused()
    {
        var list = new CompactObjectList();
        list.EnsureCapacity(10);
        list.Add(Objects[0]);

        Assert.Throws<ArgumentOutOfRangeException>(() => list[1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => list[-1]);
        Assert.Empty(new CompactObjectList());
    }
}
