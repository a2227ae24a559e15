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
        // wrote with the compact options (same encoder, no indentation), written by ReportEntryJson.
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
                ReportEntryJson.Write(entryWriter, entry);
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

/// <summary>
/// Writes a <see cref="ReportEntry"/> exactly as <c>JsonSerializer</c> does with <see cref="ReportJson.CompactOptions"/>:
/// camelCase names in declaration order, enums by name, nulls left out, strings and numbers through the same
/// <see cref="Utf8JsonWriter"/> calls the serializer's converters make. Every object of a run is one entry, and the
/// serializer's general path cost several times more per entry (far more before the JIT had optimized it). A test
/// sets every property and compares the bytes with the serializer's, so a field added to the record cannot be missed.
/// </summary>
internal static class ReportEntryJson
{
    private static readonly JsonEncodedText Key = JsonEncodedText.Encode("key");
    private static readonly JsonEncodedText DestinationKey = JsonEncodedText.Encode("destinationKey");
    private static readonly JsonEncodedText Action = JsonEncodedText.Encode("action");
    private static readonly JsonEncodedText Reason = JsonEncodedText.Encode("reason");
    private static readonly JsonEncodedText Size = JsonEncodedText.Encode("size");
    private static readonly JsonEncodedText SourceETag = JsonEncodedText.Encode("sourceETag");
    private static readonly JsonEncodedText Strategy = JsonEncodedText.Encode("strategy");
    private static readonly JsonEncodedText Verified = JsonEncodedText.Encode("verified");
    private static readonly JsonEncodedText StatusCode = JsonEncodedText.Encode("statusCode");
    private static readonly JsonEncodedText RequestId = JsonEncodedText.Encode("requestId");
    private static readonly JsonEncodedText ETag = JsonEncodedText.Encode("eTag");
    private static readonly JsonEncodedText VersionId = JsonEncodedText.Encode("versionId");
    private static readonly JsonEncodedText SourceVersionId = JsonEncodedText.Encode("sourceVersionId");
    private static readonly JsonEncodedText HashCrc64 = JsonEncodedText.Encode("hashCrc64");
    private static readonly JsonEncodedText ErrorCode = JsonEncodedText.Encode("errorCode");
    private static readonly JsonEncodedText ErrorMessage = JsonEncodedText.Encode("errorMessage");
    private static readonly JsonEncodedText Ec = JsonEncodedText.Encode("ec");
    private static readonly JsonEncodedText Requests = JsonEncodedText.Encode("requests");
    private static readonly JsonEncodedText DurationMs = JsonEncodedText.Encode("durationMs");
    private static readonly JsonEncodedText StorageClass = JsonEncodedText.Encode("storageClass");
    private static readonly JsonEncodedText Restore = JsonEncodedText.Encode("restore");

    private static readonly JsonEncodedText[] Actions = Names<ReportAction>();
    private static readonly JsonEncodedText[] Reasons = Names<ReportReason>();

    public static void Write(Utf8JsonWriter writer, ReportEntry entry)
    {
        writer.WriteStartObject();
        writer.WriteString(Key, entry.Key);
        writer.WriteString(DestinationKey, entry.DestinationKey);
        if ((uint)entry.Action < (uint)Actions.Length)
        {
            writer.WriteString(Action, Actions[(int)entry.Action]);
        }
        else
        {
            WriteUndefined(writer, Action, entry.Action);
        }

        if ((uint)entry.Reason < (uint)Reasons.Length)
        {
            writer.WriteString(Reason, Reasons[(int)entry.Reason]);
        }
        else
        {
            WriteUndefined(writer, Reason, entry.Reason);
        }

        writer.WriteNumber(Size, entry.Size);
        WriteString(writer, SourceETag, entry.SourceETag);
        WriteString(writer, Strategy, entry.Strategy);
        if (entry.Verified is { } verified)
        {
            writer.WriteBoolean(Verified, verified);
        }

        if (entry.StatusCode is { } statusCode)
        {
            writer.WriteNumber(StatusCode, statusCode);
        }

        WriteString(writer, RequestId, entry.RequestId);
        WriteString(writer, ETag, entry.ETag);
        WriteString(writer, VersionId, entry.VersionId);
        WriteString(writer, SourceVersionId, entry.SourceVersionId);
        WriteString(writer, HashCrc64, entry.HashCrc64);
        WriteString(writer, ErrorCode, entry.ErrorCode);
        WriteString(writer, ErrorMessage, entry.ErrorMessage);
        WriteString(writer, Ec, entry.Ec);
        if (entry.Requests is { } requests)
        {
            writer.WriteNumber(Requests, requests);
        }

        if (entry.DurationMs is { } durationMs)
        {
            writer.WriteNumber(DurationMs, durationMs);
        }

        WriteString(writer, StorageClass, entry.StorageClass);
        WriteString(writer, Restore, entry.Restore);

        writer.WriteEndObject();
    }

    private static void WriteString(Utf8JsonWriter writer, JsonEncodedText name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    /// <summary>A value the enum does not define: whatever the serializer's enum converter writes for it.</summary>
    private static void WriteUndefined<T>(Utf8JsonWriter writer, JsonEncodedText name, T value)
    {
        writer.WritePropertyName(name);
        JsonSerializer.Serialize(writer, value, ReportJson.CompactOptions);
    }

    private static JsonEncodedText[] Names<T>()
        where T : struct, Enum
    {
        // Indexed by value, so the report's enums must be numbered 0, 1, 2, … (as they are: no explicit values).
        var values = Enum.GetValues<T>();
        var names = new JsonEncodedText[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            if (Convert.ToInt32(values[i], System.Globalization.CultureInfo.InvariantCulture) != i)
            {
                throw new InvalidOperationException($"{typeof(T).Name} is not numbered 0…{values.Length - 1}; the report writer indexes its names by value.");
            }

            names[i] = JsonEncodedText.Encode(values[i].ToString(), ReportJson.Encoder);
        }

        return names;
    }
}
