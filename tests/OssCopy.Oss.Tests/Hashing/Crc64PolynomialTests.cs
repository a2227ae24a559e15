using System.Numerics;
using System.Runtime.Intrinsics;
using OssCopy.Oss.Hashing;

namespace OssCopy.Oss.Tests.Hashing;

/// <summary>
/// Checks the derived constants the carry-less multiply path and Combine rely on against an independent
/// derivation: plain polynomial long division over BigInteger, in the normal (unreflected) form.
/// </summary>
public class Crc64PolynomialTests
{
    // x^64 + x^62 + x^57 + ... + 1, from the reflected form by reversing its 64 bits.
    private static readonly BigInteger P = (BigInteger.One << 64) | Reverse(Crc64Polynomial.Reflected);

    public static TheoryData<int> FoldDistances() => new(128, 256, 384, 512, 768, 1024, 1536, 2048);

    [Fact]
    public void The_polynomial_is_crc64_xz()
    {
        Assert.Equal(0x42F0E1EBA9EA3693UL, Reverse(Crc64Polynomial.Reflected));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(127)]
    [InlineData(191)]
    [InlineData(1000)]
    [InlineData(2111)]
    [InlineData(4099)]
    public void XPow_is_the_remainder_of_x_to_the_n(int n)
    {
        Assert.Equal(Reflect(Mod(BigInteger.One << n)), Crc64Polynomial.XPow((ulong)n));
    }

    [Fact]
    public void XPow_scaled_by_bytes_is_eight_bits_per_byte()
    {
        foreach (var bytes in new ulong[] { 0, 1, 2, 3, 1000, 1 << 20 })
        {
            Assert.Equal(Crc64Polynomial.XPow(bytes * 8), Crc64Polynomial.XPow(bytes, 3));
        }
    }

    [Fact]
    public void Multiply_adds_exponents()
    {
        Assert.Equal(Crc64Polynomial.XPow(5000), Crc64Polynomial.Multiply(Crc64Polynomial.XPow(1234), Crc64Polynomial.XPow(3766)));
        var a = 0x0123456789ABCDEFUL;
        var b = 0xFEDCBA9876543210UL;
        Assert.Equal(Reflect(Mod(ClMul(Unreflect(a), Unreflect(b)))), Crc64Polynomial.Multiply(a, b));
    }

    [Fact]
    public void XPow_agrees_with_the_crc_register()
    {
        // The raw CRC of one set bit followed by n zero bytes is x^(8n + 7 + 64) mod P: it ties the reflected
        // layout of the derived constants to the layout of the table-driven register.
        for (var n = 0; n < 40; n++)
        {
            var message = new byte[n + 1];
            message[0] = 1;
            var raw = ~Crc64.AppendPortable(~0UL, message);
            Assert.Equal(Crc64Polynomial.XPow((ulong)((8 * n) + 71)), raw);
        }
    }

    [Theory]
    [MemberData(nameof(FoldDistances))]
    public void Fold_factors_carry_a_lane_the_distance(int distanceBits)
    {
        var factors = Crc64Clmul.Factors(distanceBits);
        Assert.Equal(Reflect(Mod(BigInteger.One << (distanceBits + 63))), factors.GetElement(0));
        Assert.Equal(Reflect(Mod(BigInteger.One << (distanceBits - 1))), factors.GetElement(1));
    }

    [Fact]
    public void Barrett_quotient_is_x128_divided_by_p()
    {
        var quotient = BigInteger.Zero;
        var remainder = BigInteger.One << 128;
        while (remainder.GetBitLength() >= 65)
        {
            var shift = (int)remainder.GetBitLength() - 65;
            quotient ^= BigInteger.One << shift;
            remainder ^= P << shift;
        }

        Assert.Equal(64, quotient.GetBitLength() - 1);
        Assert.Equal(Reverse((ulong)(quotient >> 1)), Crc64Polynomial.BarrettQuotient());
        Assert.Equal(Reverse((ulong)(P >> 1)), Crc64Polynomial.ReflectedWithoutConstantTerm);
    }

    private static BigInteger Mod(BigInteger a)
    {
        while (a.GetBitLength() >= 65)
        {
            a ^= P << ((int)a.GetBitLength() - 65);
        }

        return a;
    }

    private static BigInteger ClMul(BigInteger a, BigInteger b)
    {
        var product = BigInteger.Zero;
        for (var i = 0; i < b.GetBitLength(); i++)
        {
            if (!(b >> i).IsEven)
            {
                product ^= a << i;
            }
        }

        return product;
    }

    private static ulong Reflect(BigInteger normal) => Reverse((ulong)normal);

    private static BigInteger Unreflect(ulong reflected) => Reverse(reflected);

    private static ulong Reverse(ulong value)
    {
        ulong reversed = 0;
        for (var i = 0; i < 64; i++, value >>= 1)
        {
            reversed = (reversed << 1) | (value & 1);
        }

        return reversed;
    }
}
