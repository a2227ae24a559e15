namespace OssCopy.Oss.Hashing;

/// <summary>
/// The CRC-64 of data that arrives in pieces (a stream, a part at a time). Not thread-safe: one writer.
/// </summary>
public sealed class Crc64Hasher
{
    /// <summary>The CRC of everything appended since construction or the last <see cref="Reset"/>.</summary>
    public ulong Value { get; private set; }

    /// <summary>How many bytes were appended; with <see cref="Value"/> it is what <see cref="Crc64.Combine"/> needs.</summary>
    public long Length { get; private set; }

    public void Append(ReadOnlySpan<byte> data)
    {
        Value = Crc64.Append(Value, data);
        Length += data.Length;
    }

    public void Reset()
    {
        Value = 0;
        Length = 0;
    }
}
