using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OssCopy.Oss.Hashing;

/// <summary>
/// Table-driven CRC-64/XZ, slicing by 8: for machines without carry-less multiply and for short tails. Works on
/// the raw register (pre- and post-inversion are the caller's).
/// </summary>
internal static class Crc64Portable
{
    // Slice k, entry b: the register contribution of byte b followed by k zero bytes. Eight independent lookups
    // then advance eight bytes at once instead of a chain of eight dependent ones.
    private const int Slices = 8;
    private static readonly ulong[] Table = BuildTable();

    internal static ulong Update(ulong state, ReadOnlySpan<byte> data)
    {
        ref var table = ref MemoryMarshal.GetArrayDataReference(Table);
        while (data.Length >= Slices)
        {
            state ^= BinaryPrimitives.ReadUInt64LittleEndian(data);
            state = Entry(ref table, 7, state)
                ^ Entry(ref table, 6, state >> 8)
                ^ Entry(ref table, 5, state >> 16)
                ^ Entry(ref table, 4, state >> 24)
                ^ Entry(ref table, 3, state >> 32)
                ^ Entry(ref table, 2, state >> 40)
                ^ Entry(ref table, 1, state >> 48)
                ^ Entry(ref table, 0, state >> 56);
            data = data[Slices..];
        }

        foreach (var b in data)
        {
            state = Entry(ref table, 0, state ^ b) ^ (state >> 8);
        }

        return state;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Entry(ref ulong table, int slice, ulong index) =>
        Unsafe.Add(ref table, (slice * 256) + (int)(index & 0xFF));

    private static ulong[] BuildTable()
    {
        var table = new ulong[Slices * 256];
        for (var b = 0; b < 256; b++)
        {
            var crc = (ulong)b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc >> 1) ^ ((crc & 1) != 0 ? Crc64Polynomial.Reflected : 0);
            }

            table[b] = crc;
        }

        for (var i = 256; i < table.Length; i++)
        {
            var previous = table[i - 256];
            table[i] = (previous >> 8) ^ table[(int)(previous & 0xFF)];
        }

        return table;
    }
}
