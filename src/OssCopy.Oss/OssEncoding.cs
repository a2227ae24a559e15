using System.Buffers;
using System.Text;

namespace OssCopy.Oss;

/// <summary>
/// Percent-encoding as the official v2 SDKs do it: every UTF-8 byte outside <c>A-Z a-z 0-9 - _ . ~</c>
/// becomes <c>%XX</c> with upper-case hex; paths keep <c>/</c>. Signing (V4 canonical URI and query),
/// request paths and <c>x-oss-copy-source</c> all use this one rule.
/// </summary>
public static class OssEncoding
{
    private static readonly SearchValues<char> Unreserved =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~");

    private static readonly SearchValues<char> UnreservedAndSlash =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~/");

    /// <summary>Encodes a query key or value (and anything else that must not keep <c>/</c>).</summary>
    public static string UriEncode(string value) => Encode(value, Unreserved);

    /// <summary>Encodes an object key or a path, keeping <c>/</c> (a leading <c>/</c> in a key stays an empty segment).</summary>
    public static string EscapePath(string value) => Encode(value, UnreservedAndSlash);

    private static string Encode(string value, SearchValues<char> keep)
    {
        if (!value.AsSpan().ContainsAnyExcept(keep))
        {
            return value;
        }

        var bytes = Encoding.UTF8.GetBytes(value);
        var builder = new StringBuilder(bytes.Length * 3);
        foreach (var b in bytes)
        {
            var c = (char)b;
            if (b < 0x80 && keep.Contains(c))
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('%').Append(HexUpper[b >> 4]).Append(HexUpper[b & 0xF]);
            }
        }

        return builder.ToString();
    }

    private const string HexUpper = "0123456789ABCDEF";
}
