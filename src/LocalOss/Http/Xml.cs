using System.Buffers;
using System.Globalization;
using System.Text;
using System.Xml;

namespace LocalOss.Http;

/// <summary>Writes OSS's XML answers with a StringBuilder: no serializer, no reflection.</summary>
internal sealed class XmlOut
{
    private readonly StringBuilder _builder = new(512);

    public XmlOut() => _builder.Append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");

    public XmlOut Open(string name)
    {
        _builder.Append('<').Append(name).Append('>');
        return this;
    }

    public XmlOut Close(string name)
    {
        _builder.Append("</").Append(name).Append('>');
        return this;
    }

    public XmlOut Element(string name, string? value)
    {
        if (value is null)
        {
            return this;
        }

        _builder.Append('<').Append(name).Append('>');
        Escape(value);
        _builder.Append("</").Append(name).Append('>');
        return this;
    }

    public XmlOut Element(string name, long value)
    {
        _builder.Append('<').Append(name).Append('>').Append(value).Append("</").Append(name).Append('>');
        return this;
    }

    public XmlOut Element(string name, bool value) => Element(name, value ? "true" : "false");

    public XmlOut Element(string name, DateTimeOffset value)
    {
        // Formatted in place: a listing page writes 1,000 of these.
        Span<char> text = stackalloc char[32];
        value.UtcDateTime.TryFormat(text, out var written, IsoTimeFormat, CultureInfo.InvariantCulture);
        _builder.Append('<').Append(name).Append('>').Append(text[..written]).Append("</").Append(name).Append('>');
        return this;
    }

    public override string ToString() => _builder.ToString();

    /// <summary>
    /// Writes the document as UTF-8 with its length set first, chunk by chunk through a pooled buffer: a listing
    /// page of 1,000 keys is some 300 KB, which as one string and one byte array would land on the large object
    /// heap twice per page and bring on full collections while the server is busy copying.
    /// </summary>
    public async Task WriteToAsync(HttpResponse response, CancellationToken cancellationToken)
    {
        // A surrogate pair split between two chunks is one 4-byte character, not two 3-byte replacements (an
        // Encoder's GetByteCount keeps no state between calls, so the split is corrected here; the writing encoder
        // below carries the high surrogate over).
        long length = 0;
        var endsInHighSurrogate = false;
        foreach (var chunk in _builder.GetChunks())
        {
            var span = chunk.Span;
            if (span.IsEmpty)
            {
                continue;
            }

            length += Encoding.UTF8.GetByteCount(span);
            if (endsInHighSurrogate && char.IsLowSurrogate(span[0]))
            {
                length -= 2;
            }

            endsInHighSurrogate = char.IsHighSurrogate(span[^1]);
        }

        response.ContentLength = length;
        var encoder = Encoding.UTF8.GetEncoder();
        var buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(ChunkChars));
        try
        {
            foreach (var chunk in _builder.GetChunks())
            {
                for (var offset = 0; offset < chunk.Length; offset += ChunkChars)
                {
                    var slice = chunk.Slice(offset, Math.Min(ChunkChars, chunk.Length - offset));
                    var bytes = encoder.GetBytes(slice.Span, buffer, flush: false);
                    await response.Body.WriteAsync(buffer.AsMemory(0, bytes), cancellationToken).ConfigureAwait(false);
                }
            }

            var tail = encoder.GetBytes(ReadOnlySpan<char>.Empty, buffer, flush: true);
            if (tail > 0)
            {
                await response.Body.WriteAsync(buffer.AsMemory(0, tail), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private const int ChunkChars = 8192;

    public static string IsoTime(DateTimeOffset value) => value.UtcDateTime.ToString(IsoTimeFormat, CultureInfo.InvariantCulture);

    private const string IsoTimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    private static readonly SearchValues<char> Escaped = SearchValues.Create("<>&\"'");

    private void Escape(string value)
    {
        if (!value.AsSpan().ContainsAny(Escaped))
        {
            // Almost every value (keys, ETags, sizes, dates) has nothing to escape: one append, not one per character.
            _builder.Append(value);
            return;
        }

        foreach (var c in value)
        {
            switch (c)
            {
                case '<': _builder.Append("&lt;"); break;
                case '>': _builder.Append("&gt;"); break;
                case '&': _builder.Append("&amp;"); break;
                case '"': _builder.Append("&quot;"); break;
                case '\'': _builder.Append("&apos;"); break;
                default:
                    // Control characters (keys may hold them) are not representable in XML 1.0, raw or as references;
                    // OSS writes them raw, and that is what ali-oss's parser (sax) reads: its own key-encoding test
                    // lists such keys without encoding-type=url, while sax refuses &#1;-style references. Strict
                    // parsers should list with encoding-type=url, as OSS advises (our OssClient does).
                    _builder.Append(c);
                    break;
            }
        }
    }
}

/// <summary>Reads request XML bodies safely (no DTD, bounded size); anything malformed is MalformedXML.</summary>
internal static class XmlIn
{
    /// <summary>Largest request XML accepted (DeleteMultipleObjects of 1,000 long keys fits well).</summary>
    public const int MaxBytes = 4 * 1024 * 1024;

    public static async Task<XmlDocument> ReadAsync(Stream body, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        while (true)
        {
            int read;
            try
            {
                read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                throw new Storage.IncompleteBodyException("The request body ended early.", ex);
            }

            if (read == 0)
            {
                break;
            }

            if (buffer.Length + read > MaxBytes)
            {
                throw Errors.MalformedXml();
            }

            buffer.Write(chunk, 0, read);
        }

        if (buffer.Length == 0)
        {
            throw Errors.MalformedXml();
        }

        var input = EscapeControlBytes(buffer);
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
            // Keys may hold control characters (see EscapeControlBytes): accept their character references.
            CheckCharacters = false,
        };
        try
        {
            using var reader = XmlReader.Create(input, settings);
            var document = new XmlDocument { XmlResolver = null };
            document.Load(reader);
            return document;
        }
        catch (XmlException)
        {
            throw Errors.MalformedXml();
        }
    }

    /// <summary>
    /// Keys may hold control characters, and ali-oss writes them raw into DeleteMultipleObjects' XML (OSS accepts
    /// it). XmlReader refuses raw control characters even without character checking, but takes their numeric
    /// references: rewrite each such byte as one. Bytes below 0x20 never occur inside a UTF-8 multi-byte sequence,
    /// so this is safe on the raw bytes.
    /// </summary>
    private static MemoryStream EscapeControlBytes(MemoryStream buffer)
    {
        var bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        if (!ContainsControl(bytes))
        {
            buffer.Position = 0;
            return buffer;
        }

        var escaped = new MemoryStream(bytes.Length + 64);
        foreach (var b in bytes)
        {
            if (b < 0x20 && b is not ((byte)'\t' or (byte)'\n' or (byte)'\r'))
            {
                escaped.Write(System.Text.Encoding.ASCII.GetBytes("&#" + b.ToString(CultureInfo.InvariantCulture) + ";"));
            }
            else
            {
                escaped.WriteByte(b);
            }
        }

        escaped.Position = 0;
        return escaped;
    }

    private static bool ContainsControl(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            if (b < 0x20 && b is not ((byte)'\t' or (byte)'\n' or (byte)'\r'))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The text of the first child element <paramref name="name"/>, or null.</summary>
    public static string? Child(XmlNode node, string name)
    {
        foreach (XmlNode child in node.ChildNodes)
        {
            if (child.NodeType == XmlNodeType.Element && child.LocalName == name)
            {
                return child.InnerText;
            }
        }

        return null;
    }

    public static IEnumerable<XmlElement> Children(XmlNode node, string name)
    {
        foreach (XmlNode child in node.ChildNodes)
        {
            if (child is XmlElement element && element.LocalName == name)
            {
                yield return element;
            }
        }
    }

    public static XmlElement Root(XmlDocument document, string expected) =>
        document.DocumentElement is { } root && root.LocalName == expected ? root : throw Errors.MalformedXml();
}
