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

    public XmlOut Element(string name, long value) =>
        Element(name, value.ToString(CultureInfo.InvariantCulture));

    public XmlOut Element(string name, bool value) => Element(name, value ? "true" : "false");

    public XmlOut Element(string name, DateTimeOffset value) => Element(name, IsoTime(value));

    public override string ToString() => _builder.ToString();

    public static string IsoTime(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private void Escape(string value)
    {
        foreach (var c in value)
        {
            switch (c)
            {
                case '<': _builder.Append("&lt;"); break;
                case '>': _builder.Append("&gt;"); break;
                case '&': _builder.Append("&amp;"); break;
                case '"': _builder.Append("&quot;"); break;
                case '\'': _builder.Append("&apos;"); break;
                case < ' ' when c is not ('\t' or '\n' or '\r'):
                    // Not representable in XML 1.0; keys with control characters should be listed with
                    // encoding-type=url, as OSS advises. A character reference keeps the answer parseable for lenient readers.
                    _builder.Append("&#x").Append(((int)c).ToString("X", CultureInfo.InvariantCulture)).Append(';');
                    break;
                default: _builder.Append(c); break;
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

        buffer.Position = 0;
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
        };
        try
        {
            using var reader = XmlReader.Create(buffer, settings);
            var document = new XmlDocument { XmlResolver = null };
            document.Load(reader);
            return document;
        }
        catch (XmlException)
        {
            throw Errors.MalformedXml();
        }
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
