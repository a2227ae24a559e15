namespace OssCopy.Oss.Models;

/// <summary>
/// CopyObject (<c>PUT /{key}</c> with <c>x-oss-copy-source</c>): every option of the official v2 SDKs'
/// <c>CopyObjectRequest</c>. <see cref="ObjectWriteRequest.Bucket"/> and <see cref="ObjectWriteRequest.Key"/> name the
/// destination; the source bucket defaults to it. The standard headers and metadata apply with the Replace metadata
/// directive, the tagging with the Replace tagging directive.
/// </summary>
public sealed class CopyObjectRequest : ObjectWriteRequest
{
    public string? SourceBucket { get; init; }

    public required string SourceKey { get; init; }

    public string? SourceVersionId { get; init; }

    /// <summary><c>Copy</c> (default: the source's tags) or <c>Replace</c> (the request's tagging).</summary>
    public string? TaggingDirective { get; init; }

    /// <summary><c>Copy</c> (default: the source's metadata and standard headers) or <c>Replace</c> (this request's).</summary>
    public string? MetadataDirective { get; init; }

    public string? CopySourceIfMatch { get; init; }

    public string? CopySourceIfNoneMatch { get; init; }

    public DateTimeOffset? CopySourceIfModifiedSince { get; init; }

    public DateTimeOffset? CopySourceIfUnmodifiedSince { get; init; }

    /// <summary><c>x-oss-traffic-limit</c> in bit/s.</summary>
    public long? TrafficLimit { get; init; }

    /// <summary>Set to <c>requester</c> for requester-pays buckets.</summary>
    public string? RequestPayer { get; init; }
}

/// <summary>What CopyObject answers: the fields the official sample prints.</summary>
public sealed class CopyObjectResult : OssResult
{
    /// <summary>The destination's version id (versioned buckets).</summary>
    public string? VersionId { get; init; }

    /// <summary>The source version actually read.</summary>
    public string? SourceVersionId { get; init; }

    /// <summary>The destination's CRC-64 (<c>x-oss-hash-crc64ecma</c>).</summary>
    public ulong? HashCrc64 { get; init; }

    public string? ETag { get; init; }

    public DateTimeOffset? LastModified { get; init; }

    public OssEncryption Encryption { get; init; } = OssEncryption.None;

    /// <summary>
    /// True when a retried copy met its own earlier success (<c>FileAlreadyExists</c> after a lost response)
    /// and the destination was confirmed equal to the source by CRC-64 and size; the fields then come from
    /// a HEAD of the destination.
    /// </summary>
    public bool ConfirmedAfterRetry { get; init; }
}
