using System.Net;

namespace OssCopy.Oss.Credentials;

/// <summary>Where STS is. Bound from <c>Oss:Sts</c>.</summary>
public sealed class StsClientOptions
{
    public const string SectionName = "Oss:Sts";

    /// <summary>
    /// A host (<c>sts.cn-hangzhou.aliyuncs.com</c>, https) or a URL; http only for a loopback address (LocalOss:
    /// <c>http://127.0.0.1:9000/_sts</c>). Default: <c>sts.{Region}.aliyuncs.com</c>.
    /// </summary>
    public string? Endpoint { get; set; }

    /// <summary>STS region; default <c>ALIBABA_CLOUD_STS_REGION</c>, then <c>Oss:Region</c>; none means <c>sts.aliyuncs.com</c>.</summary>
    public string? Region { get; set; }

    /// <summary>The longest one AssumeRoleWithOIDC call may take.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The endpoint's base URL, or an error naming the setting.</summary>
    public Uri ResolveEndpoint()
    {
        if (string.IsNullOrWhiteSpace(Endpoint))
        {
            var region = string.IsNullOrWhiteSpace(Region) ? null : OssEndpoints.BareRegion(Region.Trim());
            return Uri.TryCreate(region is null ? "https://sts.aliyuncs.com/" : $"https://sts.{region}.aliyuncs.com/", UriKind.Absolute, out var regional)
                   && regional.HostNameType == UriHostNameType.Dns
                ? regional
                : throw new ArgumentException($"Oss:Sts:Region '{Region}' is not a region id such as cn-hangzhou.", nameof(Region));
        }

        var text = Endpoint.Trim();
        if (!text.Contains("://", StringComparison.Ordinal))
        {
            text = "https://" + text;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || !string.IsNullOrEmpty(uri.Query))
        {
            throw new ArgumentException($"Oss:Sts:Endpoint '{Endpoint}' is not an https URL or host name.", nameof(Endpoint));
        }

        if (uri.Scheme == "http" && !IsLoopback(uri))
        {
            // The answer carries a secret; plain http is for a local STS (LocalOss) only.
            throw new ArgumentException($"Oss:Sts:Endpoint '{Endpoint}' uses http, which is allowed for a loopback address only.", nameof(Endpoint));
        }

        return uri.AbsolutePath.EndsWith('/') ? uri : new Uri(uri + "/");
    }

    private static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
}
