using System.Globalization;
using System.Xml;
using System.Xml.Linq;

namespace OssCopy.Oss.Internal;

/// <summary>Reading and writing the small XML documents of the OSS API.</summary>
internal static class OssXml
{
    // Synchronous on purpose: an async XmlReader allocates 64 KiB byte and char buffers per document (~100 KB per
    // CopyObject answer, most of the client's allocations), while these answers are small and read from memory.
    private static readonly XmlReaderSettings ReaderSettings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreWhitespace = true,
    };

    public static async Task<XElement> LoadRootAsync(HttpContent content, string operation, CancellationToken cancellationToken)
    {
        // The whole answer is read first (a no-op when the signing handler already buffered it, as it does for every
        // answer but streamed downloads), so the synchronous parse below never blocks on the network.
        await content.LoadIntoBufferAsync(cancellationToken);
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        try
        {
            using var reader = XmlReader.Create(stream, ReaderSettings);
            var doc = XDocument.Load(reader, LoadOptions.None);
            return doc.Root ?? throw new XmlException("The document has no root element.");
        }
        catch (XmlException ex)
        {
            throw new OssException(0, OssErrorCodes.InvalidResponse, $"{operation}: the response is not well-formed XML ({ex.Message}).", null, innerException: ex);
        }
    }

    public static XElement ParseRoot(string xml)
    {
        using var reader = XmlReader.Create(new StringReader(xml), ReaderSettings);
        return XDocument.Load(reader).Root ?? throw new XmlException("The document has no root element.");
    }

    public static string? Text(this XElement parent, string name) => parent.Element(name)?.Value;

    public static string RequiredText(this XElement parent, string name, string operation) =>
        parent.Element(name)?.Value
        ?? throw new OssException(0, OssErrorCodes.InvalidResponse, $"{operation}: the response has no <{name}> in <{parent.Name.LocalName}>.", null);

    public static int Int(this XElement parent, string name) =>
        int.TryParse(parent.Element(name)?.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : 0;

    public static long Long(this XElement parent, string name) =>
        long.TryParse(parent.Element(name)?.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : 0;

    public static bool Bool(this XElement parent, string name) =>
        string.Equals(parent.Element(name)?.Value, "true", StringComparison.OrdinalIgnoreCase);

    public static DateTimeOffset? Time(this XElement parent, string name) =>
        DateTimeOffset.TryParse(parent.Element(name)?.Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value)
            ? value
            : null;

    /// <summary>Decodes a value that OSS URL-encoded because the request asked for <c>encoding-type=url</c>.</summary>
    public static string? Decoded(this XElement parent, string name, bool urlEncoded)
    {
        var value = parent.Element(name)?.Value;
        return value is not null && urlEncoded ? Uri.UnescapeDataString(value) : value;
    }

    public static string Serialize(XElement root) =>
        root.ToString(SaveOptions.DisableFormatting);

    /// <summary>ISO 8601 with milliseconds, as OSS writes times in XML.</summary>
    public static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
