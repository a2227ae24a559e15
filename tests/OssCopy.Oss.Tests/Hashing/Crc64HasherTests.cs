using OssCopy.Oss.Hashing;

namespace OssCopy.Oss.Tests.Hashing;

public class Crc64HasherTests
{
    [Fact]
    public void Appending_in_odd_pieces_equals_compute()
    {
        var data = new byte[70_001];
        new Random(1).NextBytes(data);
        var hasher = new Crc64Hasher();
        var offset = 0;
        foreach (var size in Sizes())
        {
            var take = Math.Min(size, data.Length - offset);
            hasher.Append(data.AsSpan(offset, take));
            offset += take;
            if (offset == data.Length)
            {
                break;
            }
        }

        Assert.Equal(data.Length, offset);
        Assert.Equal(Crc64.Compute(data), hasher.Value);
        Assert.Equal(data.Length, hasher.Length);
    }

    [Fact]
    public void A_new_or_reset_hasher_is_the_empty_crc()
    {
        var hasher = new Crc64Hasher();
        Assert.Equal(0UL, hasher.Value);
        Assert.Equal(0, hasher.Length);

        hasher.Append("123456789"u8);
        Assert.Equal(0x995dc9bbdf1939faUL, hasher.Value);
        hasher.Reset();
        Assert.Equal(0UL, hasher.Value);
        Assert.Equal(0, hasher.Length);

        hasher.Append("123456789"u8);
        Assert.Equal(0x995dc9bbdf1939faUL, hasher.Value);
    }

    internal static IEnumerable<int> Sizes()
    {
        int[] odd = [1, 7, 3, 15, 17, 63, 65, 255, 257, 4093, 1, 0, 8191];
        for (var i = 0; ; i++)
        {
            yield return odd[i % odd.Length];
        }
    }
}
