using System.Globalization;
using System.Text;
using System.Xml;
using OssCopy.Oss.Models;

namespace OssCopy.Oss.Internal;

/// <summary>
/// Reads a <c>ListBucketResult</c> page forward-only. A backup lists every key it copies, so this runs once per key:
/// building the page as an <c>XDocument</c> cost ~1–2 KB and several µs per key (a node per element, a name lookup
/// per field), all of it thrown away at once. What it reads is what the LINQ reading read: the first child of each
/// name counts, unknown elements are skipped, an element's value is its text, and with <c>encoding-type=url</c> the
/// keys, prefixes and tokens are decoded wherever <c>EncodingType</c> stands in the page.
/// </summary>
internal static class ListObjectsV2Parser
{
    /// <summary>The page's fields; <see cref="ToResult"/> makes the result once the answer's headers are known.</summary>
    public sealed class Page
    {
        public string? Name { get; set; }

        public string? Prefix { get; set; }

        public string? Delimiter { get; set; }

        public string? StartAfter { get; set; }

        public string? ContinuationToken { get; set; }

        public string? NextContinuationToken { get; set; }

        public string? MaxKeys { get; set; }

        public string? KeyCount { get; set; }

        public string? IsTruncated { get; set; }

        public string? EncodingType { get; set; }

        public CompactObjectList Contents { get; set; } = new();

        public List<string> CommonPrefixes { get; } = [];
    }

    public static Page Parse(XmlReader reader)
    {
        reader.MoveToContent();
        if (reader.NodeType != XmlNodeType.Element)
        {
            throw new XmlException("The document has no root element.");
        }

        var page = new Page();
        if (reader.IsEmptyElement)
        {
            reader.Read();
            return page;
        }

        // Decoding as we go is right when EncodingType comes first (as OSS writes it); should it come after the keys,
        // they are decoded at the end instead.
        var decodedAsWeGo = false;
        var seen = Seen.None;
        var depth = reader.Depth;
        reader.Read();
        while (Next(reader, depth))
        {
            if (reader.NamespaceURI.Length != 0)
            {
                reader.Skip();
                continue;
            }

            switch (reader.LocalName)
            {
                case "Contents":
                    page.Contents.Add(ReadContents(reader, decodedAsWeGo));
                    break;
                case "CommonPrefixes":
                    page.CommonPrefixes.Add(ReadCommonPrefix(reader, decodedAsWeGo) ?? string.Empty);
                    break;
                case "Name":
                    page.Name = First(reader, ref seen, Seen.Name, page.Name);
                    break;
                case "Prefix":
                    page.Prefix = First(reader, ref seen, Seen.Prefix, page.Prefix);
                    break;
                case "Delimiter":
                    page.Delimiter = First(reader, ref seen, Seen.Delimiter, page.Delimiter);
                    break;
                case "StartAfter":
                    page.StartAfter = First(reader, ref seen, Seen.StartAfter, page.StartAfter);
                    break;
                case "ContinuationToken":
                    page.ContinuationToken = First(reader, ref seen, Seen.ContinuationToken, page.ContinuationToken);
                    break;
                case "NextContinuationToken":
                    page.NextContinuationToken = First(reader, ref seen, Seen.NextContinuationToken, page.NextContinuationToken);
                    break;
                case "MaxKeys":
                    page.MaxKeys = First(reader, ref seen, Seen.MaxKeys, page.MaxKeys);
                    break;
                case "KeyCount":
                    page.KeyCount = First(reader, ref seen, Seen.KeyCount, page.KeyCount);
                    if (int.TryParse(page.KeyCount, NumberStyles.Integer, CultureInfo.InvariantCulture, out var count) && count is > 0 and <= 1000
                        && page.Contents.Count == 0)
                    {
                        page.Contents.EnsureCapacity(count);
                    }

                    break;
                case "IsTruncated":
                    page.IsTruncated = First(reader, ref seen, Seen.IsTruncated, page.IsTruncated);
                    break;
                case "EncodingType":
                    page.EncodingType = First(reader, ref seen, Seen.EncodingType, page.EncodingType);
                    if (page.Contents.Count == 0 && page.CommonPrefixes.Count == 0)
                    {
                        decodedAsWeGo = IsUrl(page.EncodingType);
                    }

                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        // The rest of the document is read too, so a page with garbage after it is refused as XDocument refused it.
        while (reader.Read())
        {
        }

        if (IsUrl(page.EncodingType) && !decodedAsWeGo)
        {
            DecodeLate(page);
        }

        return page;
    }

    public static ListObjectsV2Result ToResult(Page page, string requestedBucket, int statusCode, string requestId, IReadOnlyDictionary<string, string> headers)
    {
        var encoded = IsUrl(page.EncodingType);
        page.Contents.TrimExcess();
        return new ListObjectsV2Result
        {
            StatusCode = statusCode,
            RequestId = requestId,
            Headers = headers,
            Name = page.Name ?? requestedBucket,
            Prefix = Decode(page.Prefix, encoded),
            Delimiter = Decode(page.Delimiter, encoded),
            StartAfter = Decode(page.StartAfter, encoded),
            ContinuationToken = Decode(page.ContinuationToken, encoded),
            NextContinuationToken = Decode(page.NextContinuationToken, encoded),
            MaxKeys = int.TryParse(page.MaxKeys, NumberStyles.Integer, CultureInfo.InvariantCulture, out var maxKeys) ? maxKeys : 0,
            KeyCount = int.TryParse(page.KeyCount, NumberStyles.Integer, CultureInfo.InvariantCulture, out var keyCount) ? keyCount : 0,
            IsTruncated = string.Equals(page.IsTruncated, "true", StringComparison.OrdinalIgnoreCase),
            EncodingType = page.EncodingType,
            Contents = page.Contents,
            CommonPrefixes = page.CommonPrefixes,
        };
    }

    private static OssObjectSummary ReadContents(XmlReader reader, bool decode)
    {
        string? key = null, size = null, etag = null, lastModified = null, storageClass = null, type = null, ownerId = null, ownerName = null;
        var seen = Seen.None;
        if (!reader.IsEmptyElement)
        {
            var depth = reader.Depth;
            reader.Read();
            while (Next(reader, depth))
            {
                if (reader.NamespaceURI.Length != 0)
                {
                    reader.Skip();
                    continue;
                }

                switch (reader.LocalName)
                {
                    case "Key":
                        key = First(reader, ref seen, Seen.Key, key);
                        break;
                    case "Size":
                        size = First(reader, ref seen, Seen.Size, size);
                        break;
                    case "ETag":
                        etag = First(reader, ref seen, Seen.ETag, etag);
                        break;
                    case "LastModified":
                        lastModified = First(reader, ref seen, Seen.LastModified, lastModified);
                        break;
                    case "StorageClass":
                        storageClass = Shared(First(reader, ref seen, Seen.StorageClass, storageClass));
                        break;
                    case "Type":
                        type = Shared(First(reader, ref seen, Seen.Type, type));
                        break;
                    case "Owner" when (seen & Seen.Owner) == 0:
                        seen |= Seen.Owner;
                        (ownerId, ownerName) = ReadOwner(reader);
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }
        }

        reader.Read();
        return new OssObjectSummary(
            Decode(key, decode) ?? throw new OssException(0, OssErrorCodes.InvalidResponse, "ListObjectsV2: a <Contents> has no <Key>.", null),
            long.TryParse(size, NumberStyles.Integer, CultureInfo.InvariantCulture, out var length) ? length : 0,
            etag,
            OssXml.ParseTime(lastModified),
            storageClass,
            type,
            ownerId,
            ownerName);
    }

    private static (string? Id, string? DisplayName) ReadOwner(XmlReader reader)
    {
        string? id = null, displayName = null;
        var seen = Seen.None;
        if (!reader.IsEmptyElement)
        {
            var depth = reader.Depth;
            reader.Read();
            while (Next(reader, depth))
            {
                if (reader.NamespaceURI.Length == 0 && reader.LocalName == "ID")
                {
                    id = First(reader, ref seen, Seen.OwnerId, id);
                }
                else if (reader.NamespaceURI.Length == 0 && reader.LocalName == "DisplayName")
                {
                    displayName = First(reader, ref seen, Seen.OwnerDisplayName, displayName);
                }
                else
                {
                    reader.Skip();
                }
            }
        }

        reader.Read();
        return (id, displayName);
    }

    private static string? ReadCommonPrefix(XmlReader reader, bool decode)
    {
        string? prefix = null;
        var seen = Seen.None;
        if (!reader.IsEmptyElement)
        {
            var depth = reader.Depth;
            reader.Read();
            while (Next(reader, depth))
            {
                if (reader.NamespaceURI.Length == 0 && reader.LocalName == "Prefix")
                {
                    prefix = First(reader, ref seen, Seen.Prefix, prefix);
                }
                else
                {
                    reader.Skip();
                }
            }
        }

        reader.Read();
        return Decode(prefix, decode);
    }

    /// <summary>
    /// Moves to the next child element of the element at <paramref name="depth"/>, skipping text, comments and
    /// processing instructions between children; false at the parent's end tag (left for the caller to read past).
    /// </summary>
    private static bool Next(XmlReader reader, int depth)
    {
        while (true)
        {
            switch (reader.NodeType)
            {
                case XmlNodeType.Element:
                    return true;
                case XmlNodeType.EndElement when reader.Depth == depth:
                    return false;
                case XmlNodeType.None:
                    throw new XmlException("Unexpected end of the document.");
                default:
                    if (!reader.Read())
                    {
                        throw new XmlException("Unexpected end of the document.");
                    }

                    break;
            }
        }
    }

    /// <summary>The element's value (as <c>XElement.Value</c>: all its text), kept only for the first element of its name.</summary>
    private static string? First(XmlReader reader, ref Seen seen, Seen field, string? current)
    {
        if ((seen & field) != 0)
        {
            reader.Skip();
            return current;
        }

        seen |= field;
        return ReadText(reader);
    }

    /// <summary>All text inside the current element, leaving the reader after its end tag.</summary>
    private static string ReadText(XmlReader reader)
    {
        if (reader.IsEmptyElement)
        {
            reader.Read();
            return string.Empty;
        }

        var depth = reader.Depth;
        reader.Read();

        // The usual shape, one text node and the end tag, needs no builder.
        if (reader.NodeType is XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.SignificantWhitespace or XmlNodeType.Whitespace)
        {
            var text = reader.Value;
            reader.Read();
            if (reader.NodeType == XmlNodeType.EndElement && reader.Depth == depth)
            {
                reader.Read();
                return text;
            }

            return ReadRest(reader, depth, new StringBuilder(text));
        }

        if (reader.NodeType == XmlNodeType.EndElement && reader.Depth == depth)
        {
            reader.Read();
            return string.Empty;
        }

        return ReadRest(reader, depth, new StringBuilder());
    }

    private static string ReadRest(XmlReader reader, int depth, StringBuilder text)
    {
        while (!(reader.NodeType == XmlNodeType.EndElement && reader.Depth == depth))
        {
            if (reader.NodeType is XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.SignificantWhitespace or XmlNodeType.Whitespace)
            {
                text.Append(reader.Value);
            }

            if (!reader.Read())
            {
                throw new XmlException("Unexpected end of the document.");
            }
        }

        reader.Read();
        return text.ToString();
    }

    private static void DecodeLate(Page page)
    {
        var decoded = new CompactObjectList();
        decoded.EnsureCapacity(page.Contents.Count);
        foreach (var item in page.Contents)
        {
            decoded.Add(item with { Key = Uri.UnescapeDataString(item.Key) });
        }

        page.Contents = decoded;

        for (var i = 0; i < page.CommonPrefixes.Count; i++)
        {
            page.CommonPrefixes[i] = Uri.UnescapeDataString(page.CommonPrefixes[i]);
        }
    }

    /// <summary>
    /// The one shared instance of a storage class or object type OSS names, else the value itself: a page's thousand
    /// entries then hold one "Standard" and one "Normal" between them. A backup keeps each page until its last key is
    /// copied, long enough for the garbage collector to promote what it holds, so a page's size is CPU per key.
    /// </summary>
    private static string? Shared(string? value) => value switch
    {
        OssStorageClass.Standard => OssStorageClass.Standard,
        OssStorageClass.IA => OssStorageClass.IA,
        OssStorageClass.Archive => OssStorageClass.Archive,
        OssStorageClass.ColdArchive => OssStorageClass.ColdArchive,
        OssStorageClass.DeepColdArchive => OssStorageClass.DeepColdArchive,
        "Normal" => "Normal",
        "Multipart" => "Multipart",
        "Appendable" => "Appendable",
        "Symlink" => "Symlink",
        _ => value,
    };

    private static bool IsUrl(string? encodingType) => string.Equals(encodingType, "url", StringComparison.OrdinalIgnoreCase);

    private static string? Decode(string? value, bool urlEncoded) => value is not null && urlEncoded ? Uri.UnescapeDataString(value) : value;

    [Flags]
    private enum Seen
    {
        None = 0,
        Name = 1,
        Prefix = 1 << 1,
        Delimiter = 1 << 2,
        StartAfter = 1 << 3,
        ContinuationToken = 1 << 4,
        NextContinuationToken = 1 << 5,
        MaxKeys = 1 << 6,
        KeyCount = 1 << 7,
        IsTruncated = 1 << 8,
        EncodingType = 1 << 9,
        Key = 1 << 10,
        Size = 1 << 11,
        ETag = 1 << 12,
        LastModified = 1 << 13,
        StorageClass = 1 << 14,
        Type = 1 << 15,
        Owner = 1 << 16,
        OwnerId = 1 << 17,
        OwnerDisplayName = 1 << 18,
    }
}
