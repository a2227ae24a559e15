using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OssCopy.Oss.Hashing;

/// <summary>
/// CRC-64/XZ by folding with carry-less multiplication (PCLMULQDQ, and VPCLMULQDQ on 256/512-bit vectors).
/// Works on the raw register, like <see cref="Crc64Portable"/>.
/// </summary>
/// <remarks>
/// A 128-bit lane of reflected input is a polynomial whose low qword holds the higher-degree half. Folding
/// carries a lane D bits forward: low·(x^(D+64) mod P) + high·(x^D mod P) is congruent to lane·x^D and fits
/// in 128 bits again, so it can be XORed into the data D bits later. Several accumulators run side by side
/// because a multiply takes several cycles to finish while the CPU can start one every cycle. The last 128
/// bits are brought to 64 by Barrett reduction, and a tail shorter than 16 bytes goes through the table.
/// </remarks>
internal static class Crc64Clmul
{
    internal static bool IsSupported => Pclmulqdq.IsSupported;

    internal static int WidestVectorBits =>
        Pclmulqdq.V512.IsSupported && Avx512F.IsSupported ? 512
        : Pclmulqdq.V256.IsSupported ? 256
        : 128;

    private static readonly Vector128<ulong> By128 = Factors(128);
    private static readonly Vector128<ulong> By512 = Factors(512);

    // Four 128-bit accumulators fold into the last one from 384, 256 and 128 bits back.
    private static readonly Vector128<ulong> By384 = Factors(384);
    private static readonly Vector128<ulong> By256 = Factors(256);

    private static readonly Vector256<ulong> Wide256By1024 = Broadcast256(Factors(1024));
    private static readonly Vector256<ulong> Wide256By256 = Broadcast256(By256);
    private static readonly Vector256<ulong> Wide256By512 = Broadcast256(By512);
    private static readonly Vector256<ulong> Wide256By768 = Broadcast256(Factors(768));
    private static readonly Vector256<ulong> Wide256Lanes = Vector256.Create(By128, Vector128<ulong>.Zero);

    private static readonly Vector512<ulong> Wide512By2048 = Broadcast512(Factors(2048));
    private static readonly Vector512<ulong> Wide512By512 = Broadcast512(By512);
    private static readonly Vector512<ulong> Wide512By1024 = Broadcast512(Factors(1024));
    private static readonly Vector512<ulong> Wide512By1536 = Broadcast512(Factors(1536));
    private static readonly Vector512<ulong> Wide512Lanes =
        Vector512.Create(Vector256.Create(By384, By256), Vector256.Create(By128, Vector128<ulong>.Zero));

    private static readonly Vector128<ulong> Barrett =
        Vector128.Create(Crc64Polynomial.BarrettQuotient(), Crc64Polynomial.ReflectedWithoutConstantTerm);

    /// <summary>Advances the raw register over <paramref name="data"/> with vectors up to the given width.</summary>
    /// <remarks>The width is a parameter so tests can drive each path on a machine that has them all.</remarks>
    internal static ulong Update(ulong state, ReadOnlySpan<byte> data, int maxVectorBits)
    {
        if (data.Length < 16)
        {
            return Crc64Portable.Update(state, data);
        }

        ref var start = ref MemoryMarshal.GetReference(data);
        var length = (nuint)data.Length;
        var widest = Math.Min(maxVectorBits, WidestVectorBits);
        nuint offset;
        Vector128<ulong> acc;
        if (widest >= 512 && length >= 64)
        {
            acc = Fold512(state, ref start, length, out offset);
        }
        else if (widest >= 256 && length >= 32)
        {
            acc = Fold256(state, ref start, length, out offset);
        }
        else
        {
            acc = Fold128(state, ref start, length, out offset);
        }

        for (; length - offset >= 16; offset += 16)
        {
            acc = FoldInto(acc, By128, Load128(ref start, offset));
        }

        return Crc64Portable.Update(Reduce(acc), data[(int)offset..]);
    }

    /// <summary>
    /// Factors that carry a 128-bit lane D bits forward. Each is one degree short of what the remarks above
    /// say because the carry-less product of two reflected operands comes out multiplied by x.
    /// </summary>
    internal static Vector128<ulong> Factors(int distanceBits) =>
        Vector128.Create(Crc64Polynomial.XPow((ulong)distanceBits + 63), Crc64Polynomial.XPow((ulong)distanceBits - 1));

    private static Vector128<ulong> Fold128(ulong state, ref byte start, nuint length, out nuint offset)
    {
        var x0 = Load128(ref start, 0) ^ Vector128.CreateScalar(state);
        offset = 16;
        if (length < 64)
        {
            return x0;
        }

        var x1 = Load128(ref start, 16);
        var x2 = Load128(ref start, 32);
        var x3 = Load128(ref start, 48);
        for (offset = 64; length - offset >= 64; offset += 64)
        {
            x0 = FoldInto(x0, By512, Load128(ref start, offset));
            x1 = FoldInto(x1, By512, Load128(ref start, offset + 16));
            x2 = FoldInto(x2, By512, Load128(ref start, offset + 32));
            x3 = FoldInto(x3, By512, Load128(ref start, offset + 48));
        }

        return FoldInto(x0, By384, FoldInto(x1, By256, FoldInto(x2, By128, x3)));
    }

    private static Vector128<ulong> Fold256(ulong state, ref byte start, nuint length, out nuint offset)
    {
        var x0 = Load256(ref start, 0) ^ Vector256.CreateScalar(state);
        offset = 32;
        if (length >= 128)
        {
            var x1 = Load256(ref start, 32);
            var x2 = Load256(ref start, 64);
            var x3 = Load256(ref start, 96);
            for (offset = 128; length - offset >= 128; offset += 128)
            {
                x0 = FoldInto(x0, Wide256By1024, Load256(ref start, offset));
                x1 = FoldInto(x1, Wide256By1024, Load256(ref start, offset + 32));
                x2 = FoldInto(x2, Wide256By1024, Load256(ref start, offset + 64));
                x3 = FoldInto(x3, Wide256By1024, Load256(ref start, offset + 96));
            }

            x0 = FoldInto(x0, Wide256By768, FoldInto(x1, Wide256By512, FoldInto(x2, Wide256By256, x3)));
        }

        for (; length - offset >= 32; offset += 32)
        {
            x0 = FoldInto(x0, Wide256By256, Load256(ref start, offset));
        }

        // The lower lane folds 128 bits into the upper; the upper lane's factors are zero, so it passes as is.
        var folded = FoldInto(x0, Wide256Lanes, Vector256.Create(Vector128<ulong>.Zero, x0.GetUpper()));
        return folded.GetLower() ^ folded.GetUpper();
    }

    private static Vector128<ulong> Fold512(ulong state, ref byte start, nuint length, out nuint offset)
    {
        var x0 = Load512(ref start, 0) ^ Vector512.CreateScalar(state);
        offset = 64;
        if (length >= 256)
        {
            var x1 = Load512(ref start, 64);
            var x2 = Load512(ref start, 128);
            var x3 = Load512(ref start, 192);
            for (offset = 256; length - offset >= 256; offset += 256)
            {
                x0 = FoldInto(x0, Wide512By2048, Load512(ref start, offset));
                x1 = FoldInto(x1, Wide512By2048, Load512(ref start, offset + 64));
                x2 = FoldInto(x2, Wide512By2048, Load512(ref start, offset + 128));
                x3 = FoldInto(x3, Wide512By2048, Load512(ref start, offset + 192));
            }

            x0 = FoldInto(x0, Wide512By1536, FoldInto(x1, Wide512By1024, FoldInto(x2, Wide512By512, x3)));
        }

        for (; length - offset >= 64; offset += 64)
        {
            x0 = FoldInto(x0, Wide512By512, Load512(ref start, offset));
        }

        // Lanes 0..2 fold 384, 256 and 128 bits forward onto lane 3, whose factors are zero.
        var lane3 = x0.GetUpper().GetUpper();
        var folded = FoldInto(x0, Wide512Lanes, Vector512.Create(Vector256<ulong>.Zero, Vector256.Create(Vector128<ulong>.Zero, lane3)));
        var half = folded.GetLower() ^ folded.GetUpper();
        return half.GetLower() ^ half.GetUpper();
    }

    /// <summary>
    /// The register for acc·x^64 mod P. acc·x^64 = low·x^128 + high·x^64: the low qword folds 128 bits forward
    /// and the high qword moves into the higher-degree half; what is left, r = rl·x^64 + rh, is reduced with
    /// q = floor(rl·floor(x^128/P) / x^64), so that r mod P = (q·P mod x^64) + rh.
    /// </summary>
    private static ulong Reduce(Vector128<ulong> acc)
    {
        var r = Pclmulqdq.CarrylessMultiply(acc, By128, 0x10) ^ Sse2.ShiftRightLogical128BitLane(acc, 8);
        var q = Pclmulqdq.CarrylessMultiply(r, Barrett, 0x00);

        // Barrett's P has no x^0 term, so the product is q·P + q; q itself adds back that term.
        var qp = Pclmulqdq.CarrylessMultiply(q, Barrett, 0x10);
        return qp.GetElement(1) ^ q.ToScalar() ^ r.GetElement(1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> FoldInto(Vector128<ulong> acc, Vector128<ulong> factors, Vector128<ulong> target) =>
        Pclmulqdq.CarrylessMultiply(acc, factors, 0x00) ^ Pclmulqdq.CarrylessMultiply(acc, factors, 0x11) ^ target;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> FoldInto(Vector256<ulong> acc, Vector256<ulong> factors, Vector256<ulong> target) =>
        Pclmulqdq.V256.CarrylessMultiply(acc, factors, 0x00) ^ Pclmulqdq.V256.CarrylessMultiply(acc, factors, 0x11) ^ target;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> FoldInto(Vector512<ulong> acc, Vector512<ulong> factors, Vector512<ulong> target) =>
        Avx512F.TernaryLogic(
            Pclmulqdq.V512.CarrylessMultiply(acc, factors, 0x00),
            Pclmulqdq.V512.CarrylessMultiply(acc, factors, 0x11),
            target,
            0x96);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> Load128(ref byte start, nuint offset) =>
        Vector128.LoadUnsafe(ref start, offset).AsUInt64();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> Load256(ref byte start, nuint offset) =>
        Vector256.LoadUnsafe(ref start, offset).AsUInt64();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> Load512(ref byte start, nuint offset) =>
        Vector512.LoadUnsafe(ref start, offset).AsUInt64();

    private static Vector256<ulong> Broadcast256(Vector128<ulong> lane) => Vector256.Create(lane, lane);

    private static Vector512<ulong> Broadcast512(Vector128<ulong> lane) => Vector512.Create(Broadcast256(lane), Broadcast256(lane));
}
