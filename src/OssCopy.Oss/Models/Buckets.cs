namespace OssCopy.Oss.Models;

public sealed class PutBucketRequest
{
    public required string Bucket { get; init; }

    /// <summary><c>private</c>, <c>public-read</c> or <c>public-read-write</c>.</summary>
    public string? Acl { get; init; }

    public string? StorageClass { get; init; }

    /// <summary><c>LRS</c> or <c>ZRS</c>.</summary>
    public string? DataRedundancyType { get; init; }
}

public sealed class GetBucketInfoResult : OssResult
{
    public required OssBucketInfo Bucket { get; init; }
}

public sealed class OssBucketInfo
{
    public string Name { get; init; } = string.Empty;

    /// <summary>As OSS spells it: <c>oss-cn-hangzhou</c>.</summary>
    public string? Location { get; init; }

    /// <summary>The bare region id (<c>cn-hangzhou</c>), derived from <see cref="Location"/>.</summary>
    public string? Region => Location is null ? null : OssEndpoints.BareRegion(Location);

    public DateTimeOffset? CreationDate { get; init; }

    public string? ExtranetEndpoint { get; init; }

    public string? IntranetEndpoint { get; init; }

    public string? StorageClass { get; init; }

    public string? Acl { get; init; }

    public string? Versioning { get; init; }

    public string? OwnerId { get; init; }
}

public sealed class GetBucketLocationResult : OssResult
{
    /// <summary>As OSS spells it: <c>oss-cn-hangzhou</c>.</summary>
    public required string Location { get; init; }

    public string Region => OssEndpoints.BareRegion(Location);
}

/// <summary><c>Enabled</c> or <c>Suspended</c>.</summary>
public static class OssVersioningStatus
{
    public const string Enabled = "Enabled";
    public const string Suspended = "Suspended";
}

public sealed class GetBucketVersioningResult : OssResult
{
    /// <summary>Null when versioning was never enabled.</summary>
    public string? Status { get; init; }
}
