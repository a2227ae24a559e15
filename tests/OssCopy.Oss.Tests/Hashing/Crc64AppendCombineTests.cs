using OssCopy.Oss.Hashing;

namespace OssCopy.Oss.Tests.Hashing;

public class Crc64AppendCombineTests
{
    private static readonly byte[] Data = RandomBytes(100_003, seed: 5);

    [Fact]
    public void Append_split_at_random_points_equals_compute()
    {
        var expected = Crc64.Compute(Data);
        var random = new Random(11);
        foreach (var (path, append) in Crc64Paths.All())
        {
            for (var trial = 0; trial < 50; trial++)
            {
                var cuts = Enumerable.Range(0, random.Next(1, 6)).Select(_ => random.Next(Data.Length + 1)).Append(0).Append(Data.Length).Order().ToArray();
                ulong crc = 0;
                for (var i = 1; i < cuts.Length; i++)
                {
                    crc = append(crc, Data.AsSpan(cuts[i - 1], cuts[i] - cuts[i - 1]));
                }

                Assert.True(expected == crc, $"{path}: cuts {string.Join(",", cuts)}");
            }
        }
    }

    [Fact]
    public void Appending_nothing_keeps_the_value()
    {
        foreach (var (_, append) in Crc64Paths.All())
        {
            Assert.Equal(0UL, append(0, []));
            Assert.Equal(0x995dc9bbdf1939faUL, append(0x995dc9bbdf1939faUL, []));
        }
    }

    [Fact]
    public void Combine_equals_direct_at_random_splits()
    {
        var random = new Random(3);
        var expected = Crc64.Compute(Data);
        for (var trial = 0; trial < 100; trial++)
        {
            var cut = trial < 2 ? trial * Data.Length : random.Next(Data.Length + 1);
            var combined = Crc64.Combine(Crc64.Compute(Data.AsSpan(0, cut)), Crc64.Compute(Data.AsSpan(cut)), Data.Length - cut);
            Assert.True(expected == combined, $"cut {cut}");
        }
    }

    [Fact]
    public void Combining_parts_in_order_gives_the_whole_object()
    {
        // As CompleteMultipartUpload does: the object's CRC from its parts' CRCs.
        var parts = Enumerable.Range(0, 10).Select(i => Data.AsMemory(i * 10_000, i == 9 ? Data.Length - 90_000 : 10_000)).ToArray();
        var crc = parts.Aggregate(0UL, (acc, part) => Crc64.Combine(acc, Crc64.Compute(part.Span), part.Length));
        Assert.Equal(Crc64.Compute(Data), crc);
    }

    [Fact]
    public void Combine_over_a_long_second_part_equals_append()
    {
        var zeros = new byte[5_000_017];
        var first = Crc64.Compute(Data);
        Assert.Equal(Crc64.Append(first, zeros), Crc64.Combine(first, Crc64.Compute(zeros), zeros.Length));
    }

    [Fact]
    public void Combine_with_an_empty_second_part_is_the_first()
    {
        Assert.Equal(12345UL, Crc64.Combine(12345, 0, 0));
    }

    [Fact]
    public void Combine_rejects_a_negative_length()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Crc64.Combine(1, 2, -1));
    }

    [Fact]
    public void Combine_accepts_the_largest_length()
    {
        // Exercises the top of the x^(2^k) table: 8 * long.MaxValue bits.
        const long half = long.MaxValue / 2;
        Assert.Equal(Crc64.Combine(Crc64.Combine(1, 0, half), 0, half + 1), Crc64.Combine(1, 0, long.MaxValue));
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
