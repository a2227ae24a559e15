using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using OssCopy.Oss.Models;

namespace OssCopy.Core.Backup;

/// <summary>
/// Hashes one key range of a source listing: every entry's relative key, size and ETag, in order. Equal hashes mean
/// the range lists exactly as it did when a run found it in sync, so that run's answer still holds for it.
/// </summary>
internal sealed class RangeHasher : IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private byte[] _buffer = new byte[512];

    /// <summary>Entries added since the range started.</summary>
    public int Count { get; private set; }

    public void Add(string relativeKey, OssObjectSummary entry)
    {
        ArgumentNullException.ThrowIfNull(relativeKey);
        ArgumentNullException.ThrowIfNull(entry);
        var etag = entry.ETag ?? string.Empty;
        var needed = 16 + Encoding.UTF8.GetMaxByteCount(relativeKey.Length) + Encoding.UTF8.GetMaxByteCount(etag.Length);
        if (_buffer.Length < needed)
        {
            _buffer = new byte[Math.Max(needed, _buffer.Length * 2)];
        }

        // Length-prefixed fields, so ("ab", "c") and ("a", "bc") never hash alike.
        var span = _buffer.AsSpan();
        var keyLength = Encoding.UTF8.GetBytes(relativeKey, span[4..]);
        BinaryPrimitives.WriteInt32LittleEndian(span, keyLength);
        var offset = 4 + keyLength;
        BinaryPrimitives.WriteInt64LittleEndian(span[offset..], entry.Size);
        offset += 8;
        var etagLength = Encoding.UTF8.GetBytes(etag, span[(offset + 4)..]);
        BinaryPrimitives.WriteInt32LittleEndian(span[offset..], etagLength);
        offset += 4 + etagLength;
        _hash.AppendData(span[..offset]);
        Count++;
    }

    /// <summary>The range's hash (128 bits of SHA-256, hex: ample to tell listings apart) and a fresh start for the next range.</summary>
    public string Finish()
    {
        Span<byte> digest = stackalloc byte[32];
        _hash.GetHashAndReset(digest);
        Count = 0;
        return Convert.ToHexString(digest[..16]);
    }

    public void Dispose() => _hash.Dispose();
}
