namespace OssCopy.Oss.Models;

/// <summary>One version (or delete marker) of an object, as ListObjectVersions reports it.</summary>
public sealed record OssObjectVersion(string Key, string VersionId, bool IsDeleteMarker, bool IsLatest);

/// <summary>One page of ListObjectVersions (<c>GET /?versions</c>).</summary>
public sealed class ListObjectVersionsResult : OssResult
{
    public IReadOnlyList<OssObjectVersion> Versions { get; init; } = [];

    public bool IsTruncated { get; init; }

    public string? NextKeyMarker { get; init; }

    public string? NextVersionIdMarker { get; init; }
}

/// <summary>A multipart upload in progress, as ListMultipartUploads reports it.</summary>
public sealed record OssMultipartUpload(string Key, string UploadId);

/// <summary>One page of ListMultipartUploads (<c>GET /?uploads</c>).</summary>
public sealed class ListMultipartUploadsResult : OssResult
{
    public IReadOnlyList<OssMultipartUpload> Uploads { get; init; } = [];

    public bool IsTruncated { get; init; }

    public string? NextKeyMarker { get; init; }

    public string? NextUploadIdMarker { get; init; }
}
