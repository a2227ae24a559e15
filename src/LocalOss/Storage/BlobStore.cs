using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using OssCopy.Oss.Hashing;

namespace LocalOss.Storage;

/// <summary>Data read or received for a new blob, hashed while it streamed, not yet visible to anyone.</summary>
internal sealed class StagedBlob
{
    public required string Sha256 { get; init; }

    public required long Length { get; init; }

    public required byte[] Md5 { get; init; }

    public required ulong Crc64 { get; init; }

    /// <summary>Temporary file (disk store) or chunk list (memory store).</summary>
    internal object? Handle { get; set; }

    public string Md5Hex => Convert.ToHexString(Md5);
}

/// <summary>Thrown when a request body ends before its declared length (a dropped or lying client).</summary>
internal sealed class IncompleteBodyException(string message, Exception? inner = null) : IOException(message, inner);

/// <summary>Reads a blob by absolute offset; disposing releases the file handle.</summary>
internal interface IBlobReader : IDisposable
{
    ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken);
}

/// <summary>
/// Object data, stored once per distinct content and named by its SHA-256. Objects, versions and parts
/// reference byte ranges of blobs (<see cref="BlobSegment"/>), so copies and multipart completion never
/// rewrite data; the metadata store counts references and says when a blob may go.
/// </summary>
internal abstract class BlobStore : IDisposable
{
    protected const int BufferSize = 256 * 1024;

    /// <summary>Streams <paramref name="source"/> into a staging area while hashing it (SHA-256, MD5, CRC-64).</summary>
    public async Task<StagedBlob> StageAsync(Stream source, long? declaredLength, CancellationToken cancellationToken)
    {
        var writer = BeginStage();
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        ulong crc = 0;
        long total = 0;
        var completed = false;
        try
        {
            while (true)
            {
                int read;
                try
                {
                    read = await source.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false);
                }
                catch (IOException ex) when (ex is not IncompleteBodyException)
                {
                    throw new IncompleteBodyException("The request body ended before its declared length.", ex);
                }

                if (read == 0)
                {
                    break;
                }

                var span = buffer.AsSpan(0, read);
                sha.AppendData(span);
                md5.AppendData(span);
                crc = Crc64.Append(crc, span);
                total += read;
                await writer.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }

            if (declaredLength is { } expected && expected != total)
            {
                throw new IncompleteBodyException($"The request body had {total} bytes, not the {expected} declared.");
            }

            var staged = new StagedBlob
            {
                Sha256 = Convert.ToHexStringLower(sha.GetHashAndReset()),
                Length = total,
                Md5 = md5.GetHashAndReset(),
                Crc64 = crc,
            };
            staged.Handle = await writer.FinishAsync(cancellationToken).ConfigureAwait(false);
            completed = true;
            return staged;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            if (!completed)
            {
                writer.Abandon();
            }
        }
    }

    /// <summary>Makes a staged blob permanent under its hash; a blob of equal content already there is kept.</summary>
    public abstract void Publish(StagedBlob blob);

    /// <summary>Drops a staged blob that will not be used (a failed precondition, a refused write).</summary>
    public abstract void Discard(StagedBlob blob);

    public abstract void Delete(string sha256);

    public abstract IBlobReader OpenRead(string sha256);

    public abstract bool Exists(string sha256);

    /// <summary>Hashes of every stored blob (for the start-up sweep and for tests).</summary>
    public abstract IReadOnlyCollection<string> Enumerate();

    public virtual void Dispose()
    {
    }

    protected abstract StageWriter BeginStage();

    protected abstract class StageWriter
    {
        public abstract ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

        public abstract ValueTask<object?> FinishAsync(CancellationToken cancellationToken);

        public abstract void Abandon();
    }
}

/// <summary>
/// Blobs as files <c>blobs/ab/abcdef…</c> under the data folder. New data goes to <c>tmp/</c> first and is
/// renamed into place only once complete, so a crash or a dropped upload never leaves a partial blob.
/// </summary>
internal sealed class FileBlobStore : BlobStore
{
    private readonly string _blobRoot;
    private readonly string _tempRoot;
    private readonly bool _durable;

    public FileBlobStore(string dataDirectory, bool durable)
    {
        _blobRoot = Path.Combine(dataDirectory, "blobs");
        _tempRoot = Path.Combine(dataDirectory, "tmp");
        _durable = durable;
        Directory.CreateDirectory(_blobRoot);
        if (Directory.Exists(_tempRoot))
        {
            // Left by a crash mid-upload: never acknowledged, so never referenced.
            Directory.Delete(_tempRoot, recursive: true);
        }

        Directory.CreateDirectory(_tempRoot);
    }

    public override void Publish(StagedBlob blob)
    {
        if (blob.Handle is not string temp)
        {
            return;
        }

        blob.Handle = null;
        var final = PathOf(blob.Sha256);
        if (File.Exists(final))
        {
            File.Delete(temp);
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(final)!);
        File.Move(temp, final, overwrite: true);
    }

    public override void Discard(StagedBlob blob)
    {
        if (blob.Handle is string temp)
        {
            blob.Handle = null;
            TryDelete(temp);
        }
    }

    public override void Delete(string sha256) => TryDelete(PathOf(sha256));

    public override IBlobReader OpenRead(string sha256) =>
        new FileReader(File.OpenHandle(PathOf(sha256), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));

    public override bool Exists(string sha256) => File.Exists(PathOf(sha256));

    public override IReadOnlyCollection<string> Enumerate() =>
        Directory.EnumerateFiles(_blobRoot, "*", SearchOption.AllDirectories).Select(Path.GetFileName).OfType<string>().ToList();

    protected override StageWriter BeginStage() => new FileStageWriter(Path.Combine(_tempRoot, Guid.NewGuid().ToString("N")), _durable);

    private string PathOf(string sha256) => Path.Combine(_blobRoot, sha256[..2], sha256);

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // A leftover is swept at the next start; failing the request for it would be worse.
        }
    }

    private sealed class FileStageWriter : StageWriter, IDisposable
    {
        private readonly string _path;
        private readonly bool _durable;
        private readonly FileStream _stream;

        public FileStageWriter(string path, bool durable)
        {
            _path = path;
            _durable = durable;
            _stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
            _stream.WriteAsync(data, cancellationToken);

        public override async ValueTask<object?> FinishAsync(CancellationToken cancellationToken)
        {
            if (_durable)
            {
                _stream.Flush(flushToDisk: true);
            }

            await _stream.DisposeAsync().ConfigureAwait(false);
            return _path;
        }

        public override void Abandon()
        {
            _stream.Dispose();
            TryDelete(_path);
        }

        public void Dispose() => _stream.Dispose();
    }

    private sealed class FileReader(SafeFileHandle handle) : IBlobReader
    {
        public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken) =>
            RandomAccess.ReadAsync(handle, buffer, offset, cancellationToken);

        public void Dispose() => handle.Dispose();
    }
}

/// <summary>Blobs in memory, as 1 MiB chunks so a large object never needs one huge array.</summary>
internal sealed class MemoryBlobStore : BlobStore
{
    private const int ChunkSize = 1024 * 1024;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, List<byte[]>> _blobs = new(StringComparer.Ordinal);

    public override void Publish(StagedBlob blob)
    {
        if (blob.Handle is List<byte[]> chunks)
        {
            blob.Handle = null;
            _blobs.TryAdd(blob.Sha256, chunks);
        }
    }

    public override void Discard(StagedBlob blob) => blob.Handle = null;

    public override void Delete(string sha256) => _blobs.TryRemove(sha256, out _);

    public override IBlobReader OpenRead(string sha256) =>
        _blobs.TryGetValue(sha256, out var chunks) ? new ChunkReader(chunks) : throw new FileNotFoundException("No blob " + sha256);

    public override bool Exists(string sha256) => _blobs.ContainsKey(sha256);

    public override IReadOnlyCollection<string> Enumerate() => _blobs.Keys.ToList();

    protected override StageWriter BeginStage() => new ChunkWriter();

    private sealed class ChunkWriter : StageWriter
    {
        private readonly List<byte[]> _chunks = [];
        private int _used = ChunkSize;

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            var span = data.Span;
            while (span.Length > 0)
            {
                if (_used == ChunkSize)
                {
                    _chunks.Add(new byte[ChunkSize]);
                    _used = 0;
                }

                var n = Math.Min(span.Length, ChunkSize - _used);
                span[..n].CopyTo(_chunks[^1].AsSpan(_used));
                _used += n;
                span = span[n..];
            }

            return ValueTask.CompletedTask;
        }

        public override ValueTask<object?> FinishAsync(CancellationToken cancellationToken) => ValueTask.FromResult<object?>(_chunks);

        public override void Abandon() => _chunks.Clear();
    }

    private sealed class ChunkReader(List<byte[]> chunks) : IBlobReader
    {
        public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
        {
            var index = (int)(offset / ChunkSize);
            if (index >= chunks.Count)
            {
                return ValueTask.FromResult(0);
            }

            var within = (int)(offset % ChunkSize);
            var n = Math.Min(buffer.Length, ChunkSize - within);
            chunks[index].AsSpan(within, n).CopyTo(buffer.Span);
            return ValueTask.FromResult(n);
        }

        public void Dispose()
        {
        }
    }
}
