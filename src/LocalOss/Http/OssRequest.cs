using System.Text;
using Microsoft.AspNetCore.Http.Features;

namespace LocalOss.Http;

/// <summary>One request as OSS sees it: bucket and key (from the Host or the path), decoded query pairs.</summary>
internal sealed class OssRequest
{
    private OssRequest(HttpContext http, string requestId)
    {
        Http = http;
        RequestId = requestId;
        Method = http.Request.Method;
    }

    public HttpContext Http { get; }

    public string RequestId { get; }

    public string Method { get; }

    /// <summary>Null for service-level requests (ListBuckets).</summary>
    public string? Bucket { get; private set; }

    /// <summary>Null for bucket- and service-level requests; may hold anything (leading '/', '//', '?', …).</summary>
    public string? Key { get; private set; }

    /// <summary>Decoded query pairs in arrival order; a bare key (<c>?uploads</c>) has an empty value.</summary>
    public List<KeyValuePair<string, string>> Query { get; } = [];

    /// <summary>Region named by an <c>oss-{region}.aliyuncs.com</c> Host, if any.</summary>
    public string? HostRegion { get; private set; }

    public bool VirtualHosted { get; private set; }

    public string Operation { get; set; } = "Unknown";

    /// <summary>The V4 credential scope region, once authenticated with V4.</summary>
    public string? SigningRegion { get; set; }

    public LocalOssAccount? Account { get; set; }

    /// <summary>No signature at all: allowed only where a public-read or public-read-write ACL allows it.</summary>
    public bool Anonymous { get; set; }

    public string OwnerId { get; set; } = "";

    /// <summary>
    /// The keys a successful write changed, when they are not <see cref="Key"/>: PostObject's form key, the keys
    /// DeleteObjects deleted. Event notifications read them.
    /// </summary>
    public IReadOnlyList<string>? EventKeys { get; set; }

    /// <summary>Host for <c>HostId</c> in errors.</summary>
    public string HostId => Http.Request.Host.Host;

    public bool Has(string name)
    {
        foreach (var pair in Query)
        {
            if (pair.Key == name)
            {
                return true;
            }
        }

        return false;
    }

    public string? Q(string name)
    {
        foreach (var pair in Query)
        {
            if (pair.Key == name)
            {
                return pair.Value;
            }
        }

        return null;
    }

    public string? Header(string name)
    {
        var values = Http.Request.Headers[name];
        return values.Count == 0 ? null : values.Count == 1 ? values[0] : values.ToString();
    }

    /// <summary>
    /// Parses the raw request target (never the server's normalised path: keys may contain <c>//</c>,
    /// <c>./</c>, <c>%2F</c>…) and the Host header, per oss-protocol.md 1.4.
    /// </summary>
    public static OssRequest Parse(HttpContext http, string requestId, IReadOnlyList<string> baseHosts,
        IReadOnlyDictionary<string, string> cnames)
    {
        var request = new OssRequest(http, requestId);
        var raw = http.Features.Get<IHttpRequestFeature>()?.RawTarget ?? (http.Request.Path + http.Request.QueryString).ToString();
        if (raw.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || raw.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            // Absolute-form request target (as sent to a proxy): drop scheme and authority.
            var slash = raw.IndexOf('/', raw.IndexOf("//", StringComparison.Ordinal) + 2);
            raw = slash < 0 ? "/" : raw[slash..];
        }

        var questionMark = raw.IndexOf('?', StringComparison.Ordinal);
        var rawPath = questionMark < 0 ? raw : raw[..questionMark];
        if (questionMark >= 0)
        {
            ParseQuery(raw[(questionMark + 1)..], request.Query);
        }

        var path = PercentDecode(rawPath) ?? throw Errors.InvalidObjectName("The specified object is not valid: its name is not UTF-8.", "0016-00000002");
        if (path.Length == 0 || path[0] != '/')
        {
            path = "/" + path;
        }

        var host = http.Request.Host.Host.ToLowerInvariant();
        string? hostRegion = null;
        var hostBucket = cnames.TryGetValue(host, out var bound) ? bound : BucketFromHost(host, baseHosts, out hostRegion);
        request.HostRegion = hostRegion;
        if (hostBucket is not null)
        {
            request.VirtualHosted = true;
            request.Bucket = hostBucket;
            request.Key = path.Length > 1 ? path[1..] : null;
        }
        else if (path.Length > 1)
        {
            var slash = path.IndexOf('/', 1);
            request.Bucket = slash < 0 ? path[1..] : path[1..slash];
            var key = slash < 0 ? "" : path[(slash + 1)..];
            request.Key = key.Length > 0 ? key : null;
            if (request.Bucket.Length == 0)
            {
                throw Errors.InvalidBucketName("");
            }
        }

        return request;
    }

    /// <summary>
    /// <c>{bucket}.oss-{region}[-internal].aliyuncs.com</c>, or <c>{bucket}.{base host}</c>; null when the
    /// Host carries no bucket (path style). <paramref name="region"/> is set whenever the Host names one.
    /// </summary>
    internal static string? BucketFromHost(string host, IReadOnlyList<string> baseHosts, out string? region)
    {
        region = null;
        const string aliyun = ".aliyuncs.com";
        if (host.EndsWith(aliyun, StringComparison.Ordinal))
        {
            var labels = host[..^aliyun.Length].Split('.');
            var endpoint = labels[^1];
            if (endpoint.StartsWith("oss-", StringComparison.Ordinal))
            {
                var name = endpoint[4..];
                if (name.EndsWith("-internal", StringComparison.Ordinal))
                {
                    name = name[..^"-internal".Length];
                }

                region = LocalOssOptions.IsRegionId(name) ? name : null;
            }

            // ali-oss with an IP endpoint sends service-level requests (ListBuckets) with an empty bucket label,
            // Host: .oss-cn-hangzhou.aliyuncs.com: that names no bucket, it is the bare endpoint.
            return labels.Length == 2 && labels[0].Length > 0 ? labels[0] : null;
        }

        foreach (var baseHost in baseHosts)
        {
            if (host.Length > baseHost.Length + 1 && host.EndsWith(baseHost, StringComparison.Ordinal) && host[^(baseHost.Length + 1)] == '.')
            {
                var bucket = host[..^(baseHost.Length + 1)];
                return bucket.Contains('.', StringComparison.Ordinal) ? null : bucket;
            }
        }

        return null;
    }

    private static void ParseQuery(string raw, List<KeyValuePair<string, string>> into)
    {
        foreach (var part in raw.Split('&'))
        {
            if (part.Length == 0)
            {
                continue;
            }

            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var name = eq < 0 ? part : part[..eq];
            var value = eq < 0 ? "" : part[(eq + 1)..];
            into.Add(new KeyValuePair<string, string>(
                PercentDecode(name) ?? throw Errors.InvalidArgument("The query is not valid UTF-8.", "query", name),
                PercentDecode(value) ?? throw Errors.InvalidArgument("The query is not valid UTF-8.", name, value)));
        }
    }

    /// <summary>Strict percent-decoding to UTF-8 ('+' stays '+', as OSS clients encode a space as %20); null if not UTF-8.</summary>
    internal static string? PercentDecode(string value)
    {
        if (!value.Contains('%', StringComparison.Ordinal))
        {
            return value;
        }

        var bytes = new List<byte>(value.Length);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '%' && i + 2 < value.Length && IsHex(value[i + 1]) && IsHex(value[i + 2]))
            {
                bytes.Add((byte)((HexValue(value[i + 1]) << 4) | HexValue(value[i + 2])));
                i += 2;
            }
            else if (c < 0x80)
            {
                bytes.Add((byte)c);
            }
            else
            {
                var n = Encoding.UTF8.GetBytes(value.AsSpan(i, char.IsHighSurrogate(c) && i + 1 < value.Length ? 2 : 1), utf8);
                for (var k = 0; k < n; k++)
                {
                    bytes.Add(utf8[k]);
                }

                if (n == 4)
                {
                    i++;
                }
            }
        }

        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes.ToArray());
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    private static bool IsHex(char c) => c is (>= '0' and <= '9') or (>= 'a' and <= 'f') or (>= 'A' and <= 'F');

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
