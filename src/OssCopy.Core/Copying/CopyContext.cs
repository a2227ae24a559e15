using System.Diagnostics;
using OssCopy.Oss;
using OssCopy.Oss.Models;

namespace OssCopy.Core.Copying;

/// <summary>What the engine learns and decides while copying one object.</summary>
internal sealed class CopyContext(CopyRequest request)
{
    public CopyRequest Request { get; } = request;

    /// <summary>When the copy began (a <see cref="Stopwatch"/> timestamp): every outcome carries the time since.</summary>
    public long Started { get; } = Stopwatch.GetTimestamp();

    public string SourceBucket { get; } = request.SourceBucket ?? request.Bucket;

    public string TaggingDirective { get; } = CopyRequestValidator.NormalizedTaggingDirective(request);

    public string MetadataDirective { get; } = CopyRequestValidator.NormalizedMetadataDirective(request);

    /// <summary>The source as HEAD saw it.</summary>
    public OssObjectProperties? Source { get; set; }

    /// <summary>True when <see cref="Source"/> came from a HEAD (false: from the caller's listing).</summary>
    public bool SourceHeaded { get; set; }

    /// <summary>The ETag every copy request is conditioned on.</summary>
    public string? PinnedETag { get; set; }

    /// <summary>The source's tags, when they had to be read.</summary>
    public OssTagging? SourceTags { get; set; }

    /// <summary>The tags the destination must end up with (null when they were not worked out: Copy without full verification).</summary>
    public OssTagging? ExpectedTags { get; set; }

    /// <summary>What the destination must look like: the copy requests and the verifier all read this one description.</summary>
    public DestinationDescription? Destination { get; set; }

    public CopyOutcome Outcome(CopyStatus status, CopyError? error) => new()
    {
        Status = status,
        Bucket = Request.Bucket,
        Key = Request.Key,
        SourceBucket = SourceBucket,
        SourceKey = Request.SourceKey,
        SourceSize = Source?.ContentLength ?? 0,
        SourceETag = PinnedETag ?? Source?.ETag,
        SourceHashCrc64 = Source?.HashCrc64,
        SourceVersionId = Source?.VersionId,
        StatusCode = error?.StatusCode ?? 0,
        RequestId = error?.RequestId,
        Error = error,
        Duration = Stopwatch.GetElapsedTime(Started),
    };
}

/// <summary>OSS's answer to the copy itself (CopyObject, or CompleteMultipartUpload).</summary>
internal sealed record CopiedObject(CopyStrategy Strategy)
{
    public int StatusCode { get; init; }

    public string? RequestId { get; init; }

    public string? VersionId { get; init; }

    public string? SourceVersionId { get; init; }

    public ulong? HashCrc64 { get; init; }

    public string? ETag { get; init; }

    public DateTimeOffset? LastModified { get; init; }

    public OssEncryption Encryption { get; init; } = OssEncryption.None;

    public string? UploadId { get; init; }

    public int PartCount { get; init; }

    public long PartSize { get; init; }
}

/// <summary>ETag comparison: OSS quotes ETags and spells hex in upper case; listings and HEAD agree, callers may not.</summary>
public static class ETags
{
    public static string? Normalize(string? etag) => etag?.Trim().Trim('"').ToUpperInvariant();

    /// <summary>Equal as <see cref="Normalize"/> makes them, compared in place: every copied object is checked this way, twice.</summary>
    public static bool Equal(string? a, string? b) =>
        a is not null && b is not null && Core(a).Equals(Core(b), StringComparison.OrdinalIgnoreCase);

    private static ReadOnlySpan<char> Core(string etag) => etag.AsSpan().Trim().Trim('"');
}
