using System.Globalization;
using System.Net.Http.Headers;
using OssCopy.Oss.Models;

namespace OssCopy.Oss.Internal;

/// <summary>Reads the headers of an OSS answer into the result models.</summary>
internal static class ResponseReader
{
    /// <summary>
    /// A header exactly as received (all values joined by ','): the non-validated view, because typed parsing
    /// re-formats values (<c>text/plain;charset=UTF-8</c> → <c>text/plain; charset=UTF-8</c>) and drops some.
    /// </summary>
    public static string? Header(HttpResponseMessage response, string name)
    {
        if (response.Headers.NonValidated.TryGetValues(name, out var values) || response.Content.Headers.NonValidated.TryGetValues(name, out values))
        {
            return values.Count == 1 ? values.ToString() : string.Join(",", values);
        }

        return null;
    }

    /// <summary>Every header (content headers after the others), each as received; the dictionary itself is built on first use.</summary>
    public static IReadOnlyDictionary<string, string> AllHeaders(HttpResponseMessage response)
    {
        var headers = response.Headers.NonValidated;
        var contentHeaders = response.Content.Headers.NonValidated;
        var pairs = new KeyValuePair<string, string>[headers.Count + contentHeaders.Count];
        var i = 0;
        foreach (var (name, values) in headers)
        {
            pairs[i++] = new(name, Joined(values));
        }

        foreach (var (name, values) in contentHeaders)
        {
            pairs[i++] = new(name, Joined(values));
        }

        if (i < pairs.Length)
        {
            // Count and enumeration agree today; should they not, no empty slot may reach the dictionary.
            Array.Resize(ref pairs, i);
        }

        return new ResponseHeaders(pairs);
    }

    private static string Joined(HeaderStringValues values) => values.Count == 1 ? values.ToString() : string.Join(",", values);

    public static ulong? Crc64(HttpResponseMessage response) =>
        Hashing.Crc64.TryParse(Header(response, OssHeaders.HashCrc64), out var crc) ? crc : null;

    public static DateTimeOffset? HttpDate(HttpResponseMessage response, string name) =>
        DateTimeOffset.TryParse(Header(response, name), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value)
            ? value
            : null;

    public static OssEncryption Encryption(HttpResponseMessage response) => new(
        Header(response, OssHeaders.ServerSideEncryption),
        Header(response, OssHeaders.ServerSideDataEncryption),
        Header(response, OssHeaders.ServerSideEncryptionKeyId));

    public static OssObjectProperties Properties(HttpResponseMessage response)
    {
        var metadata = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in response.Headers.NonValidated)
        {
            if (name.StartsWith(OssHeaders.MetaPrefix, StringComparison.OrdinalIgnoreCase))
            {
                metadata[name[OssHeaders.MetaPrefix.Length..].ToLowerInvariant()] = string.Join(",", values);
            }
        }

        return new OssObjectProperties
        {
            ContentLength = response.Content.Headers.ContentLength ?? 0,
            ContentType = Header(response, "Content-Type"),
            ETag = Header(response, "ETag"),
            LastModified = HttpDate(response, "Last-Modified"),
            ObjectType = Header(response, OssHeaders.ObjectType),
            StorageClass = Header(response, OssHeaders.StorageClass),
            HashCrc64 = Crc64(response),
            TaggingCount = int.TryParse(Header(response, OssHeaders.TaggingCount), NumberStyles.Integer, CultureInfo.InvariantCulture, out var count) ? count : 0,
            VersionId = Header(response, OssHeaders.VersionId),
            IsDeleteMarker = string.Equals(Header(response, OssHeaders.DeleteMarker), "true", StringComparison.OrdinalIgnoreCase),
            CacheControl = Header(response, "Cache-Control"),
            ContentDisposition = Header(response, "Content-Disposition"),
            ContentEncoding = Header(response, "Content-Encoding"),
            ContentLanguage = Header(response, "Content-Language"),
            Expires = Header(response, "Expires"),
            ContentMd5 = Header(response, "Content-MD5"),
            Encryption = Encryption(response),
            Metadata = metadata,
        };
    }

    public static string HttpDate(DateTimeOffset time) => time.UtcDateTime.ToString("r", CultureInfo.InvariantCulture);
}
