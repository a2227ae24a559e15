using System.Globalization;

namespace OssCopy.Oss.Hashing;

/// <summary>
/// CRC-64 as OSS computes it for <c>x-oss-hash-crc64ecma</c>: CRC-64/XZ (reflected polynomial
/// 0xC96C5795D7870F42, init and xorout all ones). The empty input's CRC is 0.
/// </summary>
public static class Crc64
{
    /// <summary>Whether <see cref="Append"/> uses carry-less multiplication instead of the table.</summary>
    public static bool IsHardwareAccelerated => Crc64Clmul.IsSupported;

    public static ulong Compute(ReadOnlySpan<byte> data) => Append(0, data);

    /// <summary>
    /// Continues from a finished CRC value, as Go's <c>NewCRC64(init)</c> and the SDKs' appendable objects do:
    /// <c>Append(Compute(a), b) == Compute(a + b)</c>.
    /// </summary>
    public static ulong Append(ulong crc, ReadOnlySpan<byte> data) =>
        IsHardwareAccelerated ? AppendHardware(crc, data) : AppendPortable(crc, data);

    /// <summary>
    /// The CRC of A followed by B from the CRCs of A and B and the length of B (zlib's GF(2) method), e.g. a
    /// multipart object's CRC from its parts' CRCs in part order.
    /// </summary>
    public static ulong Combine(ulong crc1, ulong crc2, long length2)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length2);

        // Pre- and post-inversion cancel between the two values, so only crc1 needs moving over B's bits.
        return Crc64Polynomial.Multiply(Crc64Polynomial.XPow((ulong)length2, scale: 3), crc1) ^ crc2;
    }

    internal static ulong AppendPortable(ulong crc, ReadOnlySpan<byte> data) => ~Crc64Portable.Update(~crc, data);

    internal static ulong AppendHardware(ulong crc, ReadOnlySpan<byte> data)
    {
        if (!Crc64Clmul.IsSupported)
        {
            throw new PlatformNotSupportedException("This CPU has no carry-less multiply instruction the CRC-64 code uses.");
        }

        return ~Crc64Clmul.Update(~crc, data, Crc64Clmul.WidestVectorBits);
    }

    /// <summary>The header form: unsigned decimal, whatever the culture (Java SDKs show it signed; OSS does not).</summary>
    public static string Format(ulong crc) => crc.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Parses a header value: unsigned decimal digits only, surrounding spaces or tabs allowed as HTTP allows
    /// them around a field value. Signs, hex, group separators and values past 2^64 - 1 are rejected.
    /// </summary>
    public static bool TryParse(string? header, out ulong crc)
    {
        crc = 0;
        return header is not null
            && ulong.TryParse(header.AsSpan().Trim(" \t"), NumberStyles.None, CultureInfo.InvariantCulture, out crc);
    }
}
