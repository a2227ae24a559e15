using OssCopy.Oss.Hashing;

namespace OssCopy.Oss.Tests.Hashing;

/// <summary>The carry-less multiply path against the table, at each vector width the CPU has.</summary>
public class Crc64HardwareTests
{
    [Theory]
    [MemberData(nameof(Crc64Paths.HardwareWidthData), MemberType = typeof(Crc64Paths))]
    public void Every_length_to_1100_at_random_offsets_matches_the_table(int width)
    {
        if (!Crc64Paths.HardwareWidths.Contains(width))
        {
            return;
        }

        var random = new Random(width);
        var buffer = new byte[1100 + 64];
        random.NextBytes(buffer);
        var hardware = Crc64Paths.Hardware(width);
        for (var length = 0; length <= 1100; length++)
        {
            var offset = random.Next(64);
            var crc = (ulong)random.NextInt64() ^ ((ulong)random.Next(2) << 63);
            var data = buffer.AsSpan(offset, length);
            var expected = Crc64.AppendPortable(crc, data);
            Assert.True(expected == hardware(crc, data), $"length {length}, offset {offset}");
        }
    }

    [Theory]
    [MemberData(nameof(Crc64Paths.HardwareWidthData), MemberType = typeof(Crc64Paths))]
    public void Megabytes_match_the_table(int width)
    {
        if (!Crc64Paths.HardwareWidths.Contains(width))
        {
            return;
        }

        var random = new Random(42 + width);
        var buffer = new byte[(3 << 20) + 1000];
        random.NextBytes(buffer);
        var hardware = Crc64Paths.Hardware(width);
        foreach (var (offset, length) in new[] { (0, 3 << 20), (1, (3 << 20) - 1), (13, (2 << 20) + 255), (63, (1 << 20) + 17) })
        {
            var data = buffer.AsSpan(offset, length);
            Assert.True(Crc64.AppendPortable(0, data) == hardware(0, data), $"offset {offset}, length {length}");
        }
    }

    [Fact]
    public void The_public_entry_point_uses_the_hardware_when_it_is_there()
    {
        if (!Crc64.IsHardwareAccelerated)
        {
            return;
        }

        var data = new byte[4096];
        new Random(7).NextBytes(data);
        Assert.Equal(Crc64.AppendHardware(0, data), Crc64.Compute(data));
        Assert.Equal(Crc64.AppendPortable(0, data), Crc64.Compute(data));
    }
}
