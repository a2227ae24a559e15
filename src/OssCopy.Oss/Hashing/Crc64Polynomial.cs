namespace OssCopy.Oss.Hashing;

/// <summary>
/// Arithmetic modulo the CRC-64/XZ polynomial P in the reflected form the CRC register uses: bit i holds the
/// coefficient of x^(63 - i), so x^0 is the top bit. Combining CRCs and every folding constant of the
/// carry-less multiply path are derived here rather than copied, so they cannot drift from the polynomial.
/// </summary>
internal static class Crc64Polynomial
{
    /// <summary>P without its x^64 term, reflected (Go's crc64.ECMA).</summary>
    internal const ulong Reflected = 0xC96C5795D7870F42;

    /// <summary>The polynomial 1.</summary>
    internal const ulong One = 1UL << 63;

    // x^(2^k) mod P for k up to 66: a byte count below 2^63 is at most 2^66 bits.
    private static readonly ulong[] PowersOfTwo = BuildPowersOfTwo(67);

    /// <summary>a·b mod P (zlib's multmodp).</summary>
    internal static ulong Multiply(ulong a, ulong b)
    {
        ulong product = 0;
        for (; a != 0; a <<= 1)
        {
            if ((a & One) != 0)
            {
                product ^= b;
            }

            b = TimesX(b);
        }

        return product;
    }

    /// <summary>x^(n·2^scale) mod P by square-and-multiply over a table of x^(2^k).</summary>
    internal static ulong XPow(ulong n, int scale = 0)
    {
        var result = One;
        for (var k = scale; n != 0; n >>= 1, k++)
        {
            if ((n & 1) != 0)
            {
                result = Multiply(PowersOfTwo[k], result);
            }
        }

        return result;
    }

    /// <summary>
    /// floor(x^128 / P) for Barrett reduction, as a reflected register of its coefficients x^64 .. x^1. Its
    /// x^0 coefficient is dropped because the carry-less product of two reflected operands is one degree
    /// high, which that drop cancels exactly.
    /// </summary>
    internal static ulong BarrettQuotient()
    {
        var normal = ReverseBits(Reflected);

        // Long division of x^128, one dividend bit per step: quotient bits leave the 64-bit remainder at the top.
        UInt128 quotient = 0;
        ulong remainder = 0;
        for (var degree = 128; degree >= 0; degree--)
        {
            var carry = remainder >> 63;
            remainder = (remainder << 1) | (degree == 128 ? 1UL : 0UL);
            if (carry != 0)
            {
                remainder ^= normal;
            }

            quotient = (quotient << 1) | carry;
        }

        return ReverseBits((ulong)(quotient >> 1));
    }

    /// <summary>P's coefficients x^64 .. x^1 as a reflected register, for the last step of Barrett reduction.</summary>
    internal static ulong ReflectedWithoutConstantTerm => (Reflected << 1) | 1;

    private static ulong TimesX(ulong a) => (a >> 1) ^ ((a & 1) != 0 ? Reflected : 0);

    private static ulong[] BuildPowersOfTwo(int count)
    {
        var table = new ulong[count];
        table[0] = One >> 1;
        for (var k = 1; k < count; k++)
        {
            table[k] = Multiply(table[k - 1], table[k - 1]);
        }

        return table;
    }

    private static ulong ReverseBits(ulong value)
    {
        ulong reversed = 0;
        for (var i = 0; i < 64; i++, value >>= 1)
        {
            reversed = (reversed << 1) | (value & 1);
        }

        return reversed;
    }
}
