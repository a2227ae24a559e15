namespace OssCopy.Oss.Models;

/// <summary>PutObject: the body is streamed; a seekable stream can be retried, a forward-only one is sent once.</summary>
public sealed class PutObjectRequest : ObjectWriteRequest
{
    public required Stream Body { get; init; }

    public string? ContentMd5 { get; init; }
}

public sealed class PutObjectResult : OssResult
{
    public string? ETag { get; init; }

    public ulong? HashCrc64 { get; init; }

    public string? VersionId { get; init; }

    public string? ContentMd5 { get; init; }
}

/// <summary>An inclusive byte range (<c>bytes=first-last</c>); a null <see cref="Last"/> reads to the end.</summary>
public readonly record struct OssByteRange(long First, long? Last)
{
    public override string ToString() => Last is { } last ? $"bytes={First}-{last}" : $"bytes={First}-";

    public long? Length => Last is { } last ? last - First + 1 : null;
}

public sealed class GetObjectRequest
{
    public required string Bucket { get; init; }

    public required string Key { get; init; }

    public string? VersionId { get; init; }

    public OssByteRange? Range { get; init; }

    public string? IfMatch { get; init; }

    public string? IfNoneMatch { get; init; }

    public DateTimeOffset? IfModifiedSince { get; init; }

    public DateTimeOffset? IfUnmodifiedSince { get; init; }
}

/// <summary>GetObject's answer: the object's headers and its content as a stream, which the caller disposes.</summary>
public sealed class GetObjectResult : OssResult, IAsyncDisposable, IDisposable
{
    internal HttpResponseMessage? Response { get; init; }

    /// <summary>The content; for a full read with a CRC header it fails at the end if the bytes do not match it.</summary>
    public required Stream Content { get; init; }

    public required OssObjectProperties Properties { get; init; }

    /// <summary><c>Content-Range</c> of a ranged read.</summary>
    public string? ContentRange { get; init; }

    public async ValueTask DisposeAsync()
    {
        await Content.DisposeAsync();
        Response?.Dispose();
    }

    public void Dispose()
    {
        Content.Dispose();
        Response?.Dispose();
    }
}

public sealed class HeadObjectRequest
{
    public required string Bucket { get; init; }

    public required string Key { get; init; }

    public string? VersionId { get; init; }
}

public sealed class HeadObjectResult : OssResult
{
    public required OssObjectProperties Properties { get; init; }
}

/// <summary>An object's system and user metadata, as HEAD and GET report it.</summary>
public sealed class OssObjectProperties
{
    public long ContentLength { get; init; }

    public string? ContentType { get; init; }

    public string? ETag { get; init; }

    public DateTimeOffset? LastModified { get; init; }

    /// <summary><c>Normal</c>, <c>Multipart</c>, <c>Appendable</c> or <c>Symlink</c>.</summary>
    public string? ObjectType { get; init; }

    public string? StorageClass { get; init; }

    public ulong? HashCrc64 { get; init; }

    public int TaggingCount { get; init; }

    public string? VersionId { get; init; }

    public bool IsDeleteMarker { get; init; }

    public string? CacheControl { get; init; }

    public string? ContentDisposition { get; init; }

    public string? ContentEncoding { get; init; }

    public string? ContentLanguage { get; init; }

    public string? Expires { get; init; }

    public string? ContentMd5 { get; init; }

    public OssEncryption Encryption { get; init; } = OssEncryption.None;

    /// <summary>User metadata, names without <c>x-oss-meta-</c> (lower-case, as OSS stores them).</summary>
    /// <remarks>
    /// Empty by default through one shared read-only map: properties made from a listing (one per copied object) have
    /// no metadata, and the initializer would otherwise build a dictionary for each even when one is given.
    /// </remarks>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = NoMetadata;

    private static readonly IReadOnlyDictionary<string, string> NoMetadata = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase).AsReadOnly();
}

public sealed class DeleteObjectRequest
{
    public required string Bucket { get; init; }

    public required string Key { get; init; }

    public string? VersionId { get; init; }
}

public sealed class DeleteObjectResult : OssResult
{
    public string? VersionId { get; init; }

    public bool IsDeleteMarker { get; init; }
}

/// <summary>A presigned GET URL: anyone holding it may read the object until it expires.</summary>
public sealed class PresignGetObjectRequest
{
    public required string Bucket { get; init; }

    public required string Key { get; init; }

    public string? VersionId { get; init; }

    /// <summary>How long the URL is valid; V4 allows at most 7 days.</summary>
    public TimeSpan Expiry { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary><c>response-content-*</c> overrides and other query parameters to sign into the URL.</summary>
    public IReadOnlyDictionary<string, string>? QueryParameters { get; init; }
}

public sealed class PresignResult
{
    public required Uri Url { get; init; }

    public required string Method { get; init; }

    public required DateTimeOffset Expiration { get; init; }

    /// <summary>Headers that were signed and must be sent with the URL (none for a plain GET).</summary>
    public IReadOnlyDictionary<string, string> SignedHeaders { get; init; } = OssResult.EmptyHeaders;

    public override string ToString() => $"{Method} {Url.GetLeftPart(UriPartial.Path)} (presigned until {Expiration:O})";
}
