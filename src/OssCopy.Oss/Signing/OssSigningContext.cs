using OssCopy.Oss.Credentials;

namespace OssCopy.Oss.Signing;

/// <summary>
/// Everything a signature covers, independent of <see cref="HttpRequestMessage"/>, so that the client
/// (which signs) and LocalOss (which verifies) build the same canonical strings from the same shape.
/// </summary>
public sealed class OssSigningContext
{
    public OssSigningContext()
        : this(0)
    {
    }

    /// <summary>
    /// Sized for the headers to come (the client's own plus the four or five the signer adds), so that signing a
    /// request does not grow the dictionary two or three times.
    /// </summary>
    internal OssSigningContext(int headerCapacity)
    {
        Headers = new Dictionary<string, string>(headerCapacity, StringComparer.OrdinalIgnoreCase);
    }

    public required string Method { get; init; }

    /// <summary>The bucket, or null for service-level requests such as ListBuckets.</summary>
    public string? Bucket { get; init; }

    /// <summary>The raw (decoded) object key, or null for bucket- and service-level requests.</summary>
    public string? Key { get; init; }

    /// <summary>Request headers; the signer adds what it needs (x-oss-date, Authorization, …).</summary>
    public IDictionary<string, string> Headers { get; }

    /// <summary>Decoded query pairs in request order; an empty value is a bare key (<c>?uploads</c>).</summary>
    public IList<KeyValuePair<string, string>> Query { get; } = new List<KeyValuePair<string, string>>();

    public required OssCredentials Credentials { get; init; }

    /// <summary>The signing region (bare id such as <c>cn-hangzhou</c>); V4 only.</summary>
    public string Region { get; init; } = "cn-hangzhou";

    /// <summary>The signing product; <c>oss</c>, or <c>oss-cloudbox</c> for CloudBox. V4 only.</summary>
    public string Product { get; init; } = "oss";

    public DateTimeOffset SigningTime { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>V4: extra header names the caller wants signed; absent and default-signed ones are dropped.</summary>
    public IReadOnlyCollection<string> AdditionalHeaders { get; init; } = [];

    /// <summary>V1: operation-specific query keys to sign beyond the fixed sub-resource list (e.g. <c>resourceGroup</c>).</summary>
    public IReadOnlyCollection<string> ExtraSubResources { get; init; } = [];

    public string? GetHeader(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    public string? GetQuery(string name)
    {
        foreach (var pair in Query)
        {
            if (string.Equals(pair.Key, name, StringComparison.Ordinal))
            {
                return pair.Value;
            }
        }

        return null;
    }
}
