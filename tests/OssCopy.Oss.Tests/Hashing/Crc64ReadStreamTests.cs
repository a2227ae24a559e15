using OssCopy.Oss.Hashing;

namespace OssCopy.Oss.Tests.Hashing;

public class Crc64ReadStreamTests
{
    private static readonly byte[] Data = CreateData();

    [Fact]
    public void Reading_in_odd_chunks_hashes_what_was_read()
    {
        using var stream = new Crc64ReadStream(new TrickleStream(Data));
        var copy = new MemoryStream();
        var buffer = new byte[10_000];
        foreach (var size in Crc64HasherTests.Sizes().Where(s => s > 0))
        {
            var read = stream.Read(buffer, 3, size);
            if (read == 0)
            {
                break;
            }

            copy.Write(buffer, 3, read);
        }

        AssertHashed(stream, copy);
    }

    [Fact]
    public void Reading_spans_and_single_bytes_hashes_what_was_read()
    {
        using var stream = new Crc64ReadStream(new MemoryStream(Data));
        var copy = new MemoryStream();
        Span<byte> buffer = stackalloc byte[333];
        for (var i = 0; ; i++)
        {
            if (i % 3 == 0)
            {
                var b = stream.ReadByte();
                if (b < 0)
                {
                    break;
                }

                copy.WriteByte((byte)b);
                continue;
            }

            var read = stream.Read(buffer);
            if (read == 0)
            {
                break;
            }

            copy.Write(buffer[..read]);
        }

        AssertHashed(stream, copy);
    }

    [Fact]
    public async Task Reading_asynchronously_in_odd_chunks_hashes_what_was_read()
    {
        await using var stream = new Crc64ReadStream(new TrickleStream(Data));
        var copy = new MemoryStream();
        var buffer = new byte[10_000];
        var useArrays = false;
        foreach (var size in Crc64HasherTests.Sizes().Where(s => s > 0))
        {
            useArrays = !useArrays;
#pragma warning disable CA1835 // The array overload is one of the two under test.
            var read = useArrays
                ? await stream.ReadAsync(buffer, 1, size)
                : await stream.ReadAsync(buffer.AsMemory(0, size));
#pragma warning restore CA1835
            if (read == 0)
            {
                break;
            }

            copy.Write(buffer, useArrays ? 1 : 0, read);
        }

        AssertHashed(stream, copy);
    }

    [Fact]
    public async Task CopyToAsync_hashes_everything()
    {
        await using var stream = new Crc64ReadStream(new MemoryStream(Data));
        var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        AssertHashed(stream, copy);
    }

    [Fact]
    public void It_is_read_only_and_forward_only()
    {
        using var stream = new Crc64ReadStream(new MemoryStream(Data));
        Assert.True(stream.CanRead);
        Assert.False(stream.CanSeek);
        Assert.False(stream.CanWrite);
        Assert.Throws<NotSupportedException>(() => stream.Length);
        Assert.Throws<NotSupportedException>(() => stream.Position);
        Assert.Throws<NotSupportedException>(() => stream.Seek(0, SeekOrigin.Begin));
        Assert.Throws<NotSupportedException>(() => stream.Write([1], 0, 1));
        Assert.Throws<NotSupportedException>(() => stream.SetLength(1));
    }

    [Fact]
    public void It_rejects_an_unreadable_stream()
    {
        var unreadable = new MemoryStream();
        unreadable.Dispose();
        Assert.Throws<ArgumentException>(() => new Crc64ReadStream(unreadable));
    }

    [Fact]
    public async Task It_disposes_the_inner_stream_unless_asked_to_leave_it_open()
    {
        var inner = new MemoryStream(Data);
        using (new Crc64ReadStream(inner, leaveOpen: true))
        {
        }

        Assert.True(inner.CanRead);
        await using (new Crc64ReadStream(inner, leaveOpen: true))
        {
        }

        Assert.True(inner.CanRead);
        var stream = new Crc64ReadStream(inner);
        stream.Dispose();
        Assert.False(inner.CanRead);
        Assert.False(stream.CanRead);
        Assert.Throws<ObjectDisposedException>(() => stream.ReadByte());

        var other = new MemoryStream(Data);
        await new Crc64ReadStream(other).DisposeAsync();
        Assert.False(other.CanRead);
    }

    private static void AssertHashed(Crc64ReadStream stream, MemoryStream copy)
    {
        Assert.Equal(Data, copy.ToArray());
        Assert.Equal(Crc64.Compute(Data), stream.Hasher.Value);
        Assert.Equal(Data.Length, stream.Hasher.Length);
    }

    private static byte[] CreateData()
    {
        var data = new byte[123_457];
        new Random(9).NextBytes(data);
        return data;
    }

    /// <summary>Returns fewer bytes than asked, as network streams do, so only what was read may be hashed.</summary>
    private sealed class TrickleStream(byte[] data) : MemoryStream(data)
    {
        private int _reads;

        public override int Read(Span<byte> buffer) => base.Read(buffer[..Limit(buffer.Length)]);

        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Limit(count));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Limit(buffer.Length)], cancellationToken);

        private int Limit(int count) => Math.Min(count, 1 + (++_reads * 37 % 500));
    }
}
