namespace OssCopy.Oss.Models;

/// <summary>ListObjectsV2 (<c>GET /?list-type=2</c>): one page of at most <see cref="MaxKeys"/> keys, in UTF-8 byte order.</summary>
public sealed class ListObjectsV2Request
{
    public required string Bucket { get; init; }

    public string? Prefix { get; init; }

    public string? Delimiter { get; init; }

    public string? StartAfter { get; init; }

    public string? ContinuationToken { get; init; }

    /// <summary>1–1000; OSS's default is 100, ours 1000 (fewer requests).</summary>
    public int MaxKeys { get; init; } = 1000;

    public bool FetchOwner { get; init; }

    /// <summary>Ask for URL-encoded keys (the client decodes them), so keys with control characters survive XML.</summary>
    public bool UrlEncoding { get; init; } = true;
}

public sealed class ListObjectsV2Result : OssResult
{
    public string Name { get; init; } = string.Empty;

    public string? Prefix { get; init; }

    public string? Delimiter { get; init; }

    public string? StartAfter { get; init; }

    public string? ContinuationToken { get; init; }

    public string? NextContinuationToken { get; init; }

    public int MaxKeys { get; init; }

    public int KeyCount { get; init; }

    public bool IsTruncated { get; init; }

    public string? EncodingType { get; init; }

    public IReadOnlyList<OssObjectSummary> Contents { get; init; } = [];

    public IReadOnlyList<string> CommonPrefixes { get; init; } = [];
}

/// <summary>One key of a listing.</summary>
public sealed record OssObjectSummary(
    string Key,
    long Size,
    string? ETag,
    DateTimeOffset? LastModified,
    string? StorageClass,
    string? ObjectType,
    string? OwnerId = null,
    string? OwnerDisplayName = null);
