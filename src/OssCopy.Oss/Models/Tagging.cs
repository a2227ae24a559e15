namespace OssCopy.Oss.Models;

public sealed class GetObjectTaggingRequest
{
    public required string Bucket { get; init; }

    public required string Key { get; init; }

    public string? VersionId { get; init; }
}

public sealed class GetObjectTaggingResult : OssResult
{
    public OssTagging Tags { get; init; } = OssTagging.Empty;

    public string? VersionId { get; init; }
}

public sealed class PutObjectTaggingRequest
{
    public required string Bucket { get; init; }

    public required string Key { get; init; }

    public required OssTagging Tags { get; init; }

    public string? VersionId { get; init; }
}

public sealed class PutObjectTaggingResult : OssResult
{
    public string? VersionId { get; init; }
}
