using OssCopy.Oss.Hashing;

namespace OssCopy.Oss.Tests.Hashing;

public delegate ulong Crc64Append(ulong crc, ReadOnlySpan<byte> data);

/// <summary>Every CRC-64 implementation this machine can run, so each assertion covers all of them.</summary>
public static class Crc64Paths
{
    private static readonly int[] Widths = [128, 256, 512];

    /// <summary>The carry-less multiply vector widths this CPU has; empty without PCLMULQDQ.</summary>
    public static IReadOnlyList<int> HardwareWidths { get; } =
        Crc64.IsHardwareAccelerated ? Widths.Where(w => w <= Crc64Clmul.WidestVectorBits).ToArray() : [];

    public static Crc64Append Hardware(int width) => (crc, data) => ~Crc64Clmul.Update(~crc, data, width);

    public static IEnumerable<(string Name, Crc64Append Append)> All()
    {
        yield return ("public Append", Crc64.Append);
        yield return ("portable", Crc64.AppendPortable);
        if (Crc64.IsHardwareAccelerated)
        {
            yield return ("hardware", Crc64.AppendHardware);
        }

        foreach (var width in HardwareWidths)
        {
            yield return ($"hardware {width}-bit", Hardware(width));
        }
    }

    public static TheoryData<int> HardwareWidthData() => new(Widths);
}
