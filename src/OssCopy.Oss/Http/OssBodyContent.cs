using System.Net;
using OssCopy.Oss.Hashing;

namespace OssCopy.Oss.Http;

/// <summary>
/// A request body streamed from the caller's stream while its CRC-64 is computed, so an upload is hashed in the
/// same pass that sends it. A seekable stream is rewound for every attempt; a forward-only one is sent once.
/// The caller's stream is never disposed here.
/// </summary>
internal sealed class OssBodyContent : HttpContent
{
    private const int BufferSize = 128 * 1024;
    private readonly Stream _body;
    private readonly long _start;
    private int _sends;

    public OssBodyContent(Stream body)
    {
        _body = body ?? throw new ArgumentNullException(nameof(body));
        _start = body.CanSeek ? body.Position : -1;
    }

    public bool CanResend => _body.CanSeek;

    /// <summary>The CRC-64 of the bytes the last attempt sent, once it finished sending.</summary>
    public ulong? SentCrc64 { get; private set; }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _sends) > 1)
        {
            if (!_body.CanSeek)
            {
                throw new InvalidOperationException("The request body is a forward-only stream and was already sent once.");
            }

            _body.Position = _start;
        }

        SentCrc64 = null;
        var hasher = new Crc64Hasher();
        var buffer = new byte[BufferSize];
        int read;
        while ((read = await _body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            hasher.Append(buffer.AsSpan(0, read));
            await stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }

        SentCrc64 = hasher.Value;
    }

    protected override bool TryComputeLength(out long length)
    {
        if (_body.CanSeek)
        {
            length = _body.Length - _start;
            return true;
        }

        length = 0;
        return false;
    }
}
