namespace OssCopy.Oss.Hashing;

/// <summary>
/// A read-only, forward-only pass-through that hashes the bytes as the consumer reads them, so an upload or a
/// download is checked against <c>x-oss-hash-crc64ecma</c> without buffering it or reading it twice.
/// </summary>
public sealed class Crc64ReadStream : Stream
{
    private readonly Stream _inner;
    private readonly bool _leaveOpen;
    private Action<Crc64Hasher>? _onEnd;
    private bool _disposed;

    /// <param name="inner">The stream to hash.</param>
    /// <param name="leaveOpen">Whether disposing this stream leaves <paramref name="inner"/> open.</param>
    /// <param name="onEnd">
    /// Called once when the end of <paramref name="inner"/> is reached (a read into a non-empty buffer returns 0),
    /// so a consumer can verify the whole object at the moment the last byte has been read; it may throw.
    /// </param>
    public Crc64ReadStream(Stream inner, bool leaveOpen = false, Action<Crc64Hasher>? onEnd = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (!inner.CanRead)
        {
            throw new ArgumentException("The stream to hash must be readable.", nameof(inner));
        }

        _inner = inner;
        _leaveOpen = leaveOpen;
        _onEnd = onEnd;
    }

    /// <summary>The CRC and length of the bytes read so far.</summary>
    public Crc64Hasher Hasher { get; } = new();

    public override bool CanRead => !_disposed;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var read = _inner.Read(buffer);
        return Observe(buffer[..read], buffer.Length);
    }

    public override int ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        return Read(one) == 1 ? one[0] : -1;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var read = await _inner.ReadAsync(buffer, cancellationToken);
        return Observe(buffer.Span[..read], buffer.Length);
    }

    private int Observe(ReadOnlySpan<byte> data, int requested)
    {
        Hasher.Append(data);
        if (data.Length == 0 && requested > 0 && _onEnd is { } onEnd)
        {
            _onEnd = null;
            onEnd(Hasher);
        }

        return data.Length;
    }

    // Nothing is ever written, so there is nothing to flush.
    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            if (!_leaveOpen)
            {
                _inner.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            if (!_leaveOpen)
            {
                await _inner.DisposeAsync();
            }
        }

        await base.DisposeAsync();
    }
}
