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

    /// <summary>
    /// Reads the whole answer forward-only with <paramref name="parse"/>, for documents too large or too frequent to
    /// build as a tree; malformed XML is an <see cref="OssException"/> as with <see cref="LoadRootAsync"/>.
    /// </summary>
    public static async Task<T> ParseAsync<T>(HttpContent content, string operation, Func<XmlReader, T> parse, CancellationToken cancellationToken)
    {
        await content.LoadIntoBufferAsync(cancellationToken);
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        try
        {
            using var reader = XmlReader.Create(stream, ReaderSettings);
            return parse(reader);
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

    public static DateTimeOffset? Time(this XElement parent, string name) => ParseTime(parent.Element(name)?.Value);

    /// <summary>
    /// An XML time as OSS writes it (<c>2012-02-24T08:43:07.000Z</c>) read directly, since listings hold one per key
    /// and the general parser costs about a microsecond each; any other shape goes to that parser, as before.
    /// </summary>
    public static DateTimeOffset? ParseTime(string? text)
    {
        if (text is { Length: 24 } && TryParseIsoMilliseconds(text, out var exact))
        {
            return exact;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value)
            ? value
            : null;
    }

    private static bool TryParseIsoMilliseconds(string s, out DateTimeOffset value)
    {
        value = default;
        if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != '.' || s[23] != 'Z')
        {
            return false;
        }

        if (!Digits(s, 0, 4, out var year) || !Digits(s, 5, 2, out var month) || !Digits(s, 8, 2, out var day) || !Digits(s, 11, 2, out var hour)
            || !Digits(s, 14, 2, out var minute) || !Digits(s, 17, 2, out var second) || !Digits(s, 20, 3, out var millisecond))
        {
            return false;
        }

        // Out-of-range fields (month 13, 24:00, a leap second) are left to the general parser, which decides as it always did.
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        value = new DateTimeOffset(year, month, day, hour, minute, second, millisecond, TimeSpan.Zero);
        return true;
    }

    private static bool Digits(string s, int start, int count, out int value)
    {
        value = 0;
        for (var i = start; i < start + count; i++)
        {
            var digit = s[i] - '0';
            if ((uint)digit > 9)
            {
                return false;
            }

            value = (value * 10) + digit;
        }

        return true;
    }

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
