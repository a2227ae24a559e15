using System.Net;

namespace OssCopy.Oss;

/// <summary>Region → endpoint rules of the v2 SDKs, and the URL of a bucket and key in either addressing style.</summary>
public static class OssEndpoints
{
    public static string PublicHost(string region) => $"oss-{BareRegion(region)}.aliyuncs.com";

    public static string InternalHost(string region) => $"oss-{BareRegion(region)}-internal.aliyuncs.com";

    public static string DualStackHost(string region) => $"{BareRegion(region)}.oss.aliyuncs.com";

    /// <summary>The signing region: ali-oss and GetBucketLocation spell regions <c>oss-cn-hangzhou</c>; signatures want <c>cn-hangzhou</c>.</summary>
    public static string BareRegion(string region)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(region);
        return region.StartsWith("oss-", StringComparison.Ordinal) ? region[4..] : region;
    }

    /// <summary>
    /// The endpoint base URI: the configured endpoint (a host gets https, as in the SDKs), or the region's public
    /// or internal host.
    /// </summary>
    public static Uri ResolveBase(string region, string? endpoint, bool useInternal, bool disableSsl)
    {
        if (!string.IsNullOrWhiteSpace(endpoint))
        {
            var text = endpoint.Contains("://", StringComparison.Ordinal) ? endpoint : (disableSsl ? "http://" : "https://") + endpoint;
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                throw new ArgumentException($"'{endpoint}' is not an http(s) endpoint.", nameof(endpoint));
            }

            return new UriBuilder(uri.Scheme, uri.Host, uri.Port).Uri;
        }

        var host = useInternal ? InternalHost(region) : PublicHost(region);
        return new Uri((disableSsl ? "http://" : "https://") + host + "/");
    }

    /// <summary>Go v2 forces path style for IP endpoints; virtual-hosted names would not resolve.</summary>
    public static bool RequiresPathStyle(Uri baseUri) =>
        baseUri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 || IPAddress.TryParse(baseUri.Host, out _);

    /// <summary>The request URI (without query) of a bucket/key in the chosen style; keys keep '/' and a leading '/'.</summary>
    public static string BuildPathAndHost(Uri baseUri, string? bucket, string? key, bool pathStyle, out string authority)
    {
        ArgumentNullException.ThrowIfNull(baseUri);
        var port = baseUri.IsDefaultPort ? string.Empty : ":" + baseUri.Port;
        if (string.IsNullOrEmpty(bucket))
        {
            authority = baseUri.Host + port;
            return "/";
        }

        var escapedKey = key is null ? string.Empty : OssEncoding.EscapePath(key);
        if (pathStyle)
        {
            authority = baseUri.Host + port;
            return "/" + bucket + "/" + escapedKey;
        }

        authority = bucket + "." + baseUri.Host + port;
        return "/" + escapedKey;
    }
}
