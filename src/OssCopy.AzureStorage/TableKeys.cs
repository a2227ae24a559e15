using System.Security.Cryptography;
using System.Text;

namespace OssCopy.AzureStorage;

/// <summary>
/// Table keys for object keys. OSS keys are up to 1,023 UTF-8 bytes and may hold <c>/ \ # ?</c> and control
/// characters, which Table keys forbid; a Table key holds at most 512 UTF-16 characters (1 KiB). The row key is
/// an order-preserving Base64 (alphabet in ASCII order) of the key's first <see cref="PrefixBytes"/> bytes, then
/// <c>!</c> (below every alphabet character, so a key sorts before its extensions), then a hash of the whole key.
/// Rows therefore come back in the keys' UTF-8 byte order except among keys that share their first
/// <see cref="PrefixBytes"/> bytes, which share <see cref="Group"/> and are put in order by the reader.
/// </summary>
public static class TableKeys
{
    /// <summary>A multiple of 3, so a truncated prefix encodes to whole characters: 288 bytes → 384 characters.</summary>
    public const int PrefixBytes = 288;

    // '-' < '0'–'9' < 'A'–'Z' < '_' < 'a'–'z' in ASCII: encoded strings compare as the bytes they encode.
    private const string Alphabet = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";

    private const char GroupEnd = '!';

    public static string RowKey(string objectKey)
    {
        ArgumentNullException.ThrowIfNull(objectKey);
        var bytes = Encoding.UTF8.GetBytes(objectKey);
        var prefix = Encode(bytes.AsSpan(0, Math.Min(bytes.Length, PrefixBytes)));
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(bytes, hash);
        return prefix + GroupEnd + Encode(hash[..15]);
    }

    /// <summary>The part of a row key that rows of keys sharing the first <see cref="PrefixBytes"/> bytes have in common.</summary>
    public static ReadOnlySpan<char> Group(string rowKey)
    {
        ArgumentNullException.ThrowIfNull(rowKey);
        var end = rowKey.IndexOf(GroupEnd, StringComparison.Ordinal);
        return end < 0 ? rowKey : rowKey.AsSpan(0, end);
    }

    /// <summary>A Table key for any text (plan names): the order-preserving Base64 of its UTF-8, hashed when long.</summary>
    public static string ForText(string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(text);
        var bytes = Encoding.UTF8.GetBytes(text);
        if (bytes.Length <= PrefixBytes)
        {
            return Encode(bytes);
        }

        return RowKey(text);
    }

    /// <summary>A stable small number for a key, to spread a run's rows over partitions.</summary>
    public static int Shard(string objectKey, int shards)
    {
        ArgumentNullException.ThrowIfNull(objectKey);
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(objectKey), hash);
        return (int)(BitConverter.ToUInt32(hash) % (uint)shards);
    }

    internal static string Encode(ReadOnlySpan<byte> bytes)
    {
        var builder = new StringBuilder((bytes.Length * 4 + 2) / 3);
        var bits = 0;
        var buffer = 0;
        foreach (var b in bytes)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 6)
            {
                bits -= 6;
                builder.Append(Alphabet[(buffer >> bits) & 0x3F]);
            }
        }

        if (bits > 0)
        {
            // Zero padding: a prefix's padded bits never exceed its extension's, so order holds.
            builder.Append(Alphabet[(buffer << (6 - bits)) & 0x3F]);
        }

        return builder.ToString();
    }
}
