using CsCheck;
using OssCopy.AzureStorage.DistributedBackupRun;
using OssCopy.Core.Backup;

namespace OssCopy.AzureStorage.Tests;

public sealed class KeyRangeTests
{
    // Keys over a small alphabet (ASCII, a 2-byte, a 3-byte and a 4-byte character), so boundaries often meet keys.
    private static readonly Gen<string> Key = Gen.String[Gen.OneOf('0', '5', 'a', 'z', '/', 'é', '中'), 0, 6]
        .Select(Gen.Bool, (s, astral) => astral && s.Length > 0 ? s + "\U0001F600" : s)
        .Where(s => s.Length > 0);

    [Fact]
    public void Ranges_from_any_boundaries_are_disjoint_ordered_and_cover_every_key()
    {
        Gen.Select(Key.Array[0, 12], Key.Array[1, 40]).Sample((boundaries, keys) =>
        {
            var ranges = KeyRanges.FromBoundaries(boundaries);

            Assert.Null(ranges[0].After);
            Assert.Null(ranges[^1].Last);
            for (var i = 1; i < ranges.Count; i++)
            {
                Assert.Equal(ranges[i - 1].Last, ranges[i].After);
                Assert.True(ranges[i].Last is null || Utf8Ordinal.Instance.Compare(ranges[i - 1].Last, ranges[i].Last) < 0);
            }

            Assert.Equal(ranges.Count, ranges.Select(r => r.Id).Distinct().Count());
            foreach (var key in keys)
            {
                Assert.Single(ranges, r => r.Contains(key));
            }
        }, seed: "0N0XIzNsQ0O2", iter: 2000);
    }

    [Fact]
    public void Picked_boundaries_cut_the_weights_into_even_shares()
    {
        var candidates = Enumerable.Range(1, 100).Select(i => (i.ToString("D3", System.Globalization.CultureInfo.InvariantCulture), 10L)).ToList();

        var picked = KeyRanges.Pick(candidates, 4);

        Assert.Equal(["025", "050", "075"], picked);
        Assert.Empty(KeyRanges.Pick(candidates, 1));
        Assert.Equal(["001"], KeyRanges.Pick([("001", 5L), ("002", 5L)], 8));
    }
}
