using OssCopy.Oss.Hashing;

namespace OssCopy.Oss.Http;

/// <summary>
/// Wraps a downloaded object and checks, when the last byte has been read, that the bytes hash to the
/// <c>x-oss-hash-crc64ecma</c> the service announced; a mismatch is an error, never silently kept data.
/// </summary>
internal sealed class Crc64VerifyingStream(Stream inner, ulong expectedCrc, long expectedLength, string? requestId) : Stream
{
    private readonly Crc64Hasher _hasher = new();
    private bool _verified;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => expectedLength;

    public override long Position
    {
        get => _hasher.Length;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = inner.Read(buffer);
        return Observe(buffer[..read], buffer.Length);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        return Observe(buffer.Span[..read], buffer.Length);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync();
        await base.DisposeAsync();
    }

    /// <summary>Hashes what was read; a zero-byte read into a non-empty buffer is the end of the object.</summary>
    private int Observe(ReadOnlySpan<byte> data, int requested)
    {
        if (data.Length > 0)
        {
            _hasher.Append(data);
        }
        else if (requested > 0 && !_verified)
        {
            _verified = true;
            if (_hasher.Length != expectedLength || _hasher.Value != expectedCrc)
            {
                throw new OssException(
                    0,
                    OssErrorCodes.InconsistentCrc,
                    $"The downloaded object does not match the service's CRC-64: received {_hasher.Length} bytes hashing to {Crc64.Format(_hasher.Value)}, expected {expectedLength} bytes hashing to {Crc64.Format(expectedCrc)}.",
                    requestId);
            }
        }

        return data.Length;
    }
}
