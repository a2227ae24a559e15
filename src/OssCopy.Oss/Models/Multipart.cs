namespace OssCopy.Oss.Models;

/// <summary>InitiateMultipartUpload: the object's headers as PutObject's (metadata, tagging, storage class, encryption, …).</summary>
public sealed class InitiateMultipartUploadRequest : ObjectWriteRequest
{
}

public sealed class InitiateMultipartUploadResult : OssResult
{
    public required string Bucket { get; init; }

    public required string Key { get; init; }

    public required string UploadId { get; init; }
}

public sealed class UploadPartRequest
{
    public required string Bucket { get; init; }

    public required string Key { get; init; }

    public required string UploadId { get; init; }

    public required int PartNumber { get; init; }

    public required Stream Body { get; init; }
}

public sealed class UploadPartResult : OssResult
{
    public required string ETag { get; init; }

    public ulong? HashCrc64 { get; init; }
}

/// <summary>UploadPartCopy: a part copied server-side from a range of another object.</summary>
public sealed class UploadPartCopyRequest
{
    public required string Bucket { get; init; }

    public required string Key { get; init; }

    public required string UploadId { get; init; }

    public required int PartNumber { get; init; }

    public string? SourceBucket { get; init; }

    public required string SourceKey { get; init; }

    public string? SourceVersionId { get; init; }

    /// <summary>The source bytes of this part; null copies the whole source.</summary>
    public OssByteRange? SourceRange { get; init; }

    public string? CopySourceIfMatch { get; init; }

    public string? CopySourceIfNoneMatch { get; init; }

    public DateTimeOffset? CopySourceIfModifiedSince { get; init; }

    public DateTimeOffset? CopySourceIfUnmodifiedSince { get; init; }
}

public sealed class UploadPartCopyResult : OssResult
{
    public required string ETag { get; init; }

    public DateTimeOffset? LastModified { get; init; }

    public string? SourceVersionId { get; init; }

    public ulong? HashCrc64 { get; init; }
}

public sealed record OssUploadedPart(int PartNumber, string ETag);

public sealed class CompleteMultipartUploadRequest
{
    public required string Bucket { get; init; }

    public required string Key { get; init; }

    public required string UploadId { get; init; }

    /// <summary>The parts to assemble; sent in ascending part-number order whatever order they are given in.</summary>
    public IReadOnlyList<OssUploadedPart>? Parts { get; init; }

    /// <summary><c>x-oss-complete-all: yes</c>: assemble every uploaded part (then <see cref="Parts"/> must be null).</summary>
    public bool CompleteAll { get; init; }

    public bool? ForbidOverwrite { get; init; }
}

public sealed class CompleteMultipartUploadResult : OssResult
{
    public string? Bucket { get; init; }

    public string? Key { get; init; }

    public string? ETag { get; init; }

    public string? Location { get; init; }

    public ulong? HashCrc64 { get; init; }

    public string? VersionId { get; init; }
}

public sealed class AbortMultipartUploadRequest
{
    public required string Bucket { get; init; }

    public required string Key { get; init; }

    public required string UploadId { get; init; }
}
