namespace OssCopy.Oss.Models;

/// <summary>
/// What a request that creates an object says about it: the destination, its standard headers, user metadata,
/// tags, overwrite rule, ACL, storage class and encryption. PutObject, InitiateMultipartUpload and CopyObject share
/// these, so they are validated and written in one place.
/// </summary>
public abstract class ObjectWriteRequest
{
    /// <summary>The bucket of the object written (for a copy, the destination).</summary>
    public required string Bucket { get; init; }

    /// <summary>The key of the object written (for a copy, the destination).</summary>
    public required string Key { get; init; }

    public string? ContentType { get; init; }

    public string? CacheControl { get; init; }

    public string? ContentDisposition { get; init; }

    public string? ContentEncoding { get; init; }

    public string? ContentLanguage { get; init; }

    public string? Expires { get; init; }

    /// <summary>User metadata (<c>x-oss-meta-*</c>, names without the prefix).</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary><c>x-oss-tagging</c> in header form (<c>A=1&amp;B=2</c>).</summary>
    public string? Tagging { get; init; }

    /// <summary><c>x-oss-forbid-overwrite</c>: fail with 409 FileAlreadyExists when the object exists.</summary>
    public bool? ForbidOverwrite { get; init; }

    public string? ObjectAcl { get; init; }

    public string? StorageClass { get; init; }

    /// <summary><c>AES256</c>, <c>KMS</c> or <c>SM4</c>.</summary>
    public string? ServerSideEncryption { get; init; }

    /// <summary><c>SM4</c>, only with KMS.</summary>
    public string? ServerSideDataEncryption { get; init; }

    /// <summary>The KMS key id, only with KMS.</summary>
    public string? ServerSideEncryptionKeyId { get; init; }
}
