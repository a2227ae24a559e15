using OssCopy.Oss;

namespace OssCopy.Core.Copying;

/// <summary>What became of one copy.</summary>
public enum CopyStatus
{
    /// <summary>Copied and verified.</summary>
    Copied,

    /// <summary>The source changed after the engine saw it (412 on the ETag pin): nothing was copied.</summary>
    SourceChanged,

    /// <summary>The copy was made but the destination is not what was promised; <see cref="CopyOutcome.VerificationErrors"/> says how.</summary>
    VerificationFailed,

    /// <summary>OSS refused or the copy could not be made; <see cref="CopyOutcome.Error"/> says why.</summary>
    Failed,

    /// <summary>
    /// The source is archived and being restored (this copy asked for it, or found it under way): nothing was
    /// copied; copy again once the restore is done. Not a failure, not done either.
    /// </summary>
    Restoring,

    /// <summary>Nothing was sent, on purpose; <see cref="CopyOutcome.SkipReason"/> says why.</summary>
    Skipped,
}

/// <summary>Why a copy was <see cref="CopyStatus.Skipped"/>.</summary>
public enum CopySkipReason
{
    /// <summary>The source is archived and not restored, and the request said <see cref="ArchivedSourceAction.Skip"/>.</summary>
    Archived,
}

/// <summary>How the engine copied.</summary>
public enum CopyStrategy
{
    /// <summary>Nothing was copied (the copy failed before a strategy applied).</summary>
    None,

    /// <summary>One CopyObject.</summary>
    SingleCopy,

    /// <summary>InitiateMultipartUpload, UploadPartCopy per range, CompleteMultipartUpload.</summary>
    Multipart,
}

/// <summary>An OSS error as reported: never without its request id.</summary>
public sealed record CopyError(int StatusCode, string Code, string Message, string? RequestId, string? Ec)
{
    public static CopyError From(OssException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return new(exception.StatusCode, exception.ErrorCode, exception.ErrorMessage, exception.RequestId, exception.Ec);
    }

    public override string ToString() =>
        $"{Code} (HTTP {StatusCode}): {Message}{(RequestId is null ? string.Empty : $" RequestId: {RequestId}")}{(Ec is null ? string.Empty : $" EC: {Ec}")}";
}

/// <summary>
/// One record of a copy that the CLI, the functions and the reports all print: every field of OSS's answer
/// (from CopyObject, or from CompleteMultipartUpload for a multipart copy) plus what the engine saw and decided.
/// </summary>
public sealed record CopyOutcome
{
    public required CopyStatus Status { get; init; }

    public required string Bucket { get; init; }

    public required string Key { get; init; }

    public required string SourceBucket { get; init; }

    public required string SourceKey { get; init; }

    public CopyStrategy Strategy { get; init; }

    /// <summary>True when the destination was checked after the copy and matched.</summary>
    public bool Verified { get; init; }

    /// <summary>Each mismatch found by verification, naming what differs.</summary>
    public IReadOnlyList<string> VerificationErrors { get; init; } = [];

    // OSS's answer.
    public int StatusCode { get; init; }

    public string? RequestId { get; init; }

    /// <summary>The destination's version id (versioned destination buckets).</summary>
    public string? VersionId { get; init; }

    /// <summary>The source version OSS read.</summary>
    public string? SourceVersionId { get; init; }

    /// <summary>The destination's CRC-64 (<c>x-oss-hash-crc64ecma</c>).</summary>
    public ulong? HashCrc64 { get; init; }

    public string? ETag { get; init; }

    public DateTimeOffset? LastModified { get; init; }

    public string? ServerSideEncryption { get; init; }

    public string? ServerSideDataEncryption { get; init; }

    public string? ServerSideEncryptionKeyId { get; init; }

    // What the engine saw of the source.
    public long SourceSize { get; init; }

    public string? SourceETag { get; init; }

    public ulong? SourceHashCrc64 { get; init; }

    // Multipart details.
    public string? UploadId { get; init; }

    public int PartCount { get; init; }

    public long PartSize { get; init; }

    /// <summary>The OSS error for <see cref="CopyStatus.Failed"/> and <see cref="CopyStatus.SourceChanged"/>.</summary>
    public CopyError? Error { get; init; }

    public TimeSpan Duration { get; init; }

    /// <summary>Why nothing was sent, for <see cref="CopyStatus.Skipped"/>.</summary>
    public CopySkipReason? SkipReason { get; init; }

    /// <summary>The source's storage class as HEAD (or the listing) reported it, when the engine had to look at it (archived sources).</summary>
    public string? SourceStorageClass { get; init; }

    /// <summary>The source's <c>x-oss-restore</c> as HEAD showed it (archived sources).</summary>
    public string? SourceRestore { get; init; }

    /// <summary>True when this copy sent RestoreObject (<see cref="CopyStatus.Restoring"/>): <see cref="StatusCode"/> and <see cref="RequestId"/> are its answer's.</summary>
    public bool RestoreRequested { get; init; }

    public bool Succeeded => Status == CopyStatus.Copied;
}
