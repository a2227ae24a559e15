namespace OssCopy.Oss.Models;

/// <summary>What every OSS answer carries: the HTTP status, the request id and the response headers.</summary>
public abstract class OssResult
{
    public int StatusCode { get; init; }

    /// <summary><c>x-oss-request-id</c>: quote it to Alibaba Cloud support.</summary>
    public string RequestId { get; init; } = string.Empty;

    /// <summary>All response headers, case-insensitive (content headers included).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = EmptyHeaders;

    internal static readonly IReadOnlyDictionary<string, string> EmptyHeaders =
        new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
}

/// <summary>An answer with nothing to say beyond status and request id (DeleteObject, PutBucket, …).</summary>
public sealed class OssEmptyResult : OssResult
{
}

/// <summary>Server-side encryption as OSS reports it on objects and copies.</summary>
public sealed record OssEncryption(string? ServerSideEncryption, string? ServerSideDataEncryption, string? KeyId)
{
    public static readonly OssEncryption None = new(null, null, null);
}
