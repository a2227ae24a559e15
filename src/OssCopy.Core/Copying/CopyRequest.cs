namespace OssCopy.Core.Copying;

/// <summary>
/// One object to copy: the official SDKs' <c>CopyObjectRequest</c> (destination and source, forbid overwrite,
/// tagging and its directive) plus the source version, the metadata directive with its values, storage class,
/// ACL and server-side encryption. Directives and enumerations are compared case-insensitively, as OSS does.
/// </summary>
public sealed class CopyRequest
{
    /// <summary>The destination bucket.</summary>
    public required string Bucket { get; init; }

    /// <summary>The destination key.</summary>
    public required string Key { get; init; }

    /// <summary>The source bucket; the destination bucket when null.</summary>
    public string? SourceBucket { get; init; }

    public required string SourceKey { get; init; }

    /// <summary>Copy this version of the source (versioned buckets); the current one when null.</summary>
    public string? SourceVersionId { get; init; }

    /// <summary>Fail with 409 FileAlreadyExists instead of overwriting an existing destination.</summary>
    public bool ForbidOverwrite { get; init; }

    /// <summary>
    /// <see cref="CopyTaggingDirective.Copy"/> (default: the source's tags), <see cref="CopyTaggingDirective.Replace"/>
    /// (exactly <see cref="Tagging"/>) or <see cref="CopyTaggingDirective.Merge"/> (the source's tags with
    /// <see cref="Tagging"/> added; on equal keys the request wins).
    /// </summary>
    public string? TaggingDirective { get; init; }

    /// <summary>Tags in header form (<c>A=1&amp;B=2</c>, keys and values URL-encoded), for Replace and Merge.</summary>
    public string? Tagging { get; init; }

    /// <summary><c>Copy</c> (default: the source's metadata and standard headers) or <c>Replace</c> (this request's).</summary>
    public string? MetadataDirective { get; init; }

    /// <summary>User metadata (<c>x-oss-meta-*</c> names without the prefix) for the Replace metadata directive.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    public string? ContentType { get; init; }

    public string? CacheControl { get; init; }

    public string? ContentDisposition { get; init; }

    public string? ContentEncoding { get; init; }

    public string? ContentLanguage { get; init; }

    public string? Expires { get; init; }

    /// <summary><c>Standard</c>, <c>IA</c>, <c>Archive</c>, <c>ColdArchive</c> or <c>DeepColdArchive</c>; the bucket's default when null.</summary>
    public string? StorageClass { get; init; }

    /// <summary><c>default</c>, <c>private</c>, <c>public-read</c> or <c>public-read-write</c>.</summary>
    public string? ObjectAcl { get; init; }

    /// <summary><c>AES256</c>, <c>KMS</c> or <c>SM4</c>.</summary>
    public string? ServerSideEncryption { get; init; }

    /// <summary><c>SM4</c>, only with KMS.</summary>
    public string? ServerSideDataEncryption { get; init; }

    /// <summary>The KMS key id, only with KMS.</summary>
    public string? ServerSideEncryptionKeyId { get; init; }

    /// <summary>
    /// Write the source's ETag into the destination's metadata (<c>x-oss-meta-osscopy-source-etag</c>) when the copy
    /// gives the destination another ETag (multipart copies), so a later incremental run can tell it is unchanged.
    /// </summary>
    public bool RecordSourceETag { get; init; }

    /// <summary>
    /// When set, the copy happens only if the source still has this ETag (a backup passes the ETag it listed);
    /// otherwise the ETag the engine's own HEAD saw is used. Either way every copy is pinned.
    /// </summary>
    public string? ExpectedSourceETag { get; init; }

    /// <summary>
    /// The source's size as the caller listed it. With <see cref="ExpectedSourceETag"/> and
    /// <see cref="CopyVerification.ETag"/> it lets the engine choose the strategy without a HEAD.
    /// </summary>
    public long? KnownSourceSize { get; init; }

    public override string ToString() =>
        $"oss://{SourceBucket ?? Bucket}/{SourceKey}{(SourceVersionId is null ? string.Empty : "?versionId=" + SourceVersionId)} -> oss://{Bucket}/{Key}";
}

/// <summary>The engine's tagging directives: OSS's two plus Merge, which the engine carries out as a Replace.</summary>
public static class CopyTaggingDirective
{
    public const string Copy = "Copy";
    public const string Replace = "Replace";
    public const string Merge = "Merge";

    public static readonly IReadOnlyList<string> All = [Copy, Replace, Merge];
}
