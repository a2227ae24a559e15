using System.Buffers;
using System.Text.Json;
using System.Threading.Channels;

namespace OssCopy.Core.Backup;

/// <summary>Receives a run's report as it is made.</summary>
public interface IReportSink : IAsyncDisposable
{
    /// <summary>Called once before any entry.</summary>
    ValueTask StartAsync(CopyReport header, CancellationToken cancellationToken);

    ValueTask WriteAsync(ReportEntry entry, CancellationToken cancellationToken);

    /// <summary>Called once at the end, with the totals.</summary>
    ValueTask CompleteAsync(CopyReport report, CancellationToken cancellationToken);
}

/// <summary>
/// Streams the JSON report to a file: the run's identity first, then <c>objects</c> one by one as they finish, then
/// totals and requests. Entries pass through a bounded queue to one writer, so workers never contend on the file
/// and memory stays flat however many objects the plan has.
/// </summary>
public sealed class JsonReportWriter : IReportSink
{
    private static readonly HashSet<string> HeaderFields = ["plan", "runId", "dryRun", "source", "destination", "startedAt", "resumedAfter"];

    private static readonly ReadOnlyMemory<byte> NewLine = "\n"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> NewLineComma = "\n,"u8.ToArray();

    private readonly Stream _stream;
    private readonly Utf8JsonWriter _json;
    private readonly Channel<ReportEntry> _entries = Channel.CreateBounded<ReportEntry>(new BoundedChannelOptions(4096) { SingleReader = true });
    private Task? _pump;

    public JsonReportWriter(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        FilePath = path;
        _stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16, useAsync: true);
        _json = new Utf8JsonWriter(_stream, new JsonWriterOptions { Encoder = ReportJson.Encoder });
    }

    public string FilePath { get; }

    public async ValueTask StartAsync(CopyReport header, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(header);
        _json.WriteStartObject();
        using (var document = JsonSerializer.SerializeToDocument(header, ReportJson.Options))
        {
            foreach (var property in document.RootElement.EnumerateObject().Where(p => HeaderFields.Contains(p.Name)))
            {
                property.WriteTo(_json);
            }
        }

        _json.WriteStartArray("objects");
        await _json.FlushAsync(cancellationToken);
        _pump = PumpAsync();
    }

    public ValueTask WriteAsync(ReportEntry entry, CancellationToken cancellationToken) => _entries.Writer.WriteAsync(entry, cancellationToken);

    public async ValueTask CompleteAsync(CopyReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        _entries.Writer.TryComplete();
        if (_pump is not null)
        {
            await _pump;
        }

        _json.WriteEndArray();
        using (var document = JsonSerializer.SerializeToDocument(report, ReportJson.Options))
        {
            foreach (var property in document.RootElement.EnumerateObject().Where(p => !HeaderFields.Contains(p.Name)))
            {
                property.WriteTo(_json);
            }
        }

        _json.WriteEndObject();
        await _json.FlushAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        _entries.Writer.TryComplete();
        if (_pump is not null)
        {
            try
            {
                await _pump;
            }
            catch (IOException)
            {
                // The report is best effort once the run itself has failed; the run's own error is what matters.
            }
        }

        await _json.DisposeAsync();
        await _stream.DisposeAsync();
    }

    private async Task PumpAsync()
    {
        // The entries go straight to the (buffered) file, one per line, so the file stays greppable however long
        // it gets; the JSON writer only framed the array and never sees them, so it is told nothing and adds no comma.
        // Entries that are already waiting are serialized into one reused buffer and written together: one file write
        // per batch instead of two per entry, and no byte array per entry. The bytes are those SerializeToUtf8Bytes
        // wrote with the compact options (same encoder, no indentation).
        var first = true;
        var reader = _entries.Reader;
        var buffer = new ArrayBufferWriter<byte>(BatchBytes);
        await using var entryWriter = new Utf8JsonWriter(buffer, new JsonWriterOptions
        {
            Encoder = ReportJson.CompactOptions.Encoder,
            Indented = ReportJson.CompactOptions.WriteIndented,
            MaxDepth = ReportJson.CompactOptions.MaxDepth,
        });
        while (await reader.WaitToReadAsync())
        {
            while (reader.TryRead(out var entry))
            {
                buffer.Write((first ? NewLine : NewLineComma).Span);
                JsonSerializer.Serialize(entryWriter, entry, ReportJson.CompactOptions);
                entryWriter.Flush();
                entryWriter.Reset();
                first = false;
                if (buffer.WrittenCount >= BatchBytes)
                {
                    await _stream.WriteAsync(buffer.WrittenMemory);
                    buffer.ResetWrittenCount();
                }
            }

            if (buffer.WrittenCount > 0)
            {
                await _stream.WriteAsync(buffer.WrittenMemory);
                buffer.ResetWrittenCount();
            }
        }

        await _stream.WriteAsync(NewLine);
    }

    private const int BatchBytes = 32 * 1024;
}
