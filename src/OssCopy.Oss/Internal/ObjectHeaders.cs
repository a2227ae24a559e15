using System.Globalization;
using OssCopy.Oss.Models;

namespace OssCopy.Oss.Internal;

/// <summary>Validates and writes the object headers that PutObject, InitiateMultipartUpload and CopyObject share.</summary>
internal static class ObjectHeaders
{
    public static void Set(Dictionary<string, string> headers, string name, string? value)
    {
        if (value is not null)
        {
            headers[name] = value;
        }
    }

    public static void SetBool(Dictionary<string, string> headers, string name, bool? value)
    {
        if (value is { } flag)
        {
            headers[name] = flag ? "true" : "false";
        }
    }

    public static void SetDate(Dictionary<string, string> headers, string name, DateTimeOffset? value)
    {
        if (value is { } time)
        {
            headers[name] = ResponseReader.HttpDate(time);
        }
    }

    /// <summary>Validates and writes everything a request says about the object it writes.</summary>
    public static void Attributes(Dictionary<string, string> headers, ObjectWriteRequest request)
    {
        var owner = request.GetType().Name;
        Standard(headers, request.ContentType, request.CacheControl, request.ContentDisposition, request.ContentEncoding, request.Expires, request.ContentLanguage);
        Metadata(headers, request.Metadata, nameof(request.Metadata));
        Tagging(headers, request.Tagging, nameof(request.Tagging));
        SetBool(headers, OssHeaders.ForbidOverwrite, request.ForbidOverwrite);
        AclAndStorageClass(headers, request.ObjectAcl, request.StorageClass, owner);
        Encryption(headers, request.ServerSideEncryption, request.ServerSideDataEncryption, request.ServerSideEncryptionKeyId, owner);
    }

    public static void Standard(
        Dictionary<string, string> headers, string? contentType, string? cacheControl, string? contentDisposition, string? contentEncoding, string? expires,
        string? contentLanguage = null)
    {
        foreach (var (name, value) in new[]
                 {
                     ("Content-Type", contentType), ("Cache-Control", cacheControl), ("Content-Disposition", contentDisposition),
                     ("Content-Encoding", contentEncoding), ("Expires", expires), ("Content-Language", contentLanguage),
                 })
        {
            if (value is not null)
            {
                CheckValue(value, name, name.Replace("-", string.Empty, StringComparison.Ordinal));
                headers[name] = value;
            }
        }
    }

    /// <summary>OSS's limit on all user metadata of an object, names and values together.</summary>
    public const int MaxMetadataBytes = 8 * 1024;

    /// <summary>
    /// User metadata: names of letters, digits and '-' (sent lower-case, as OSS stores them); values any UTF-8 text
    /// without control characters (OSS keeps header bytes as UTF-8); at most 8 KB in all.
    /// </summary>
    public static void Metadata(Dictionary<string, string> headers, IReadOnlyDictionary<string, string>? metadata, string paramName)
    {
        if (metadata is null)
        {
            return;
        }

        var total = 0;
        foreach (var (name, value) in metadata)
        {
            if (string.IsNullOrEmpty(name) || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            {
                throw new ArgumentException($"'{name}' is not a valid metadata name: letters, digits and '-' only.", paramName);
            }

            CheckValue(value, $"metadata '{name}'", paramName);
            total += System.Text.Encoding.UTF8.GetByteCount(name) + System.Text.Encoding.UTF8.GetByteCount(value);
            headers[OssHeaders.MetaPrefix + name.ToLowerInvariant()] = value;
        }

        if (total > MaxMetadataBytes)
        {
            throw new ArgumentException($"The user metadata is {total} bytes; OSS allows at most {MaxMetadataBytes}.", paramName);
        }
    }

    /// <summary>A header value must not smuggle a line break or other control character into the request.</summary>
    public static void CheckValue(string? value, string what, string paramName)
    {
        if (value is null || value.Any(char.IsControl))
        {
            throw new ArgumentException($"The value of {what} must be text without control characters.", paramName);
        }
    }

    public static void Encryption(Dictionary<string, string> headers, string? sse, string? dataEncryption, string? keyId, string ownerName)
    {
        var algorithm = OssServerSideEncryption.Normalize(sse, ownerName + ".ServerSideEncryption");
        if (algorithm != OssServerSideEncryption.KMS && (dataEncryption is not null || keyId is not null))
        {
            throw new ArgumentException(
                "ServerSideDataEncryption and ServerSideEncryptionKeyId apply only with ServerSideEncryption = KMS.",
                ownerName + (keyId is not null ? ".ServerSideEncryptionKeyId" : ".ServerSideDataEncryption"));
        }

        if (dataEncryption is not null && !dataEncryption.Equals(OssServerSideEncryption.SM4, StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"'{dataEncryption}' is not a data encryption algorithm: only SM4.", ownerName + ".ServerSideDataEncryption");
        }

        Set(headers, OssHeaders.ServerSideEncryption, algorithm);
        Set(headers, OssHeaders.ServerSideDataEncryption, dataEncryption?.ToUpperInvariant());
        Set(headers, OssHeaders.ServerSideEncryptionKeyId, keyId);
    }

    public static void AclAndStorageClass(Dictionary<string, string> headers, string? acl, string? storageClass, string ownerName)
    {
        Set(headers, OssHeaders.ObjectAcl, OssObjectAcl.Normalize(acl, ownerName + ".ObjectAcl"));
        Set(headers, OssHeaders.StorageClass, OssStorageClass.Normalize(storageClass, ownerName + ".StorageClass"));
    }

    public static void Tagging(Dictionary<string, string> headers, string? tagging, string paramName)
    {
        if (tagging is not null)
        {
            headers[OssHeaders.Tagging] = OssTagging.Parse(tagging, paramName).ToString();
        }
    }

    /// <summary><c>/bucket/escaped-key</c> plus <c>?versionId=</c> (raw, as Go v2 sends it).</summary>
    public static string CopySource(string bucket, string key, string? versionId) =>
        "/" + bucket + "/" + OssEncoding.EscapePath(key) + (versionId is null ? string.Empty : "?versionId=" + versionId);

    public static string Range(OssByteRange range, string paramName)
    {
        if (range.First < 0 || range.Last is { } last && last < range.First)
        {
            throw new ArgumentOutOfRangeException(paramName, range.ToString(), "A byte range starts at 0 or later and does not end before it starts.");
        }

        return range.ToString();
    }


    public static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
