using OssCopy.Oss.Credentials;
using OssCopy.Oss.Signing;

namespace OssCopy.Oss.Tests.Support;

/// <summary>
/// Checks a recorded request the way a server would: decode the path back to bucket and key, rebuild the
/// canonical request from what is on the wire, and compare signatures. Proves the wire form and the signed
/// form of a key agree.
/// </summary>
public static class WireVerifier
{
    public static (string? Bucket, string? Key) BucketAndKey(RecordedRequest request, bool pathStyle)
    {
        var rawPath = request.Uri.AbsolutePath;
        if (pathStyle)
        {
            var trimmed = rawPath[1..];
            var slash = trimmed.IndexOf('/', StringComparison.Ordinal);
            if (trimmed.Length == 0)
            {
                return (null, null);
            }

            return slash < 0 ? (trimmed, null) : (trimmed[..slash], NullIfEmpty(Uri.UnescapeDataString(trimmed[(slash + 1)..])));
        }

        var bucket = request.Uri.Host.Split('.')[0];
        return (bucket, NullIfEmpty(Uri.UnescapeDataString(rawPath[1..])));
    }

    public static List<KeyValuePair<string, string>> Query(RecordedRequest request)
    {
        var query = request.Uri.Query.TrimStart('?');
        return query.Length == 0
            ? []
            : query.Split('&').Select(p =>
            {
                var eq = p.IndexOf('=', StringComparison.Ordinal);
                return eq < 0
                    ? new KeyValuePair<string, string>(Uri.UnescapeDataString(p), string.Empty)
                    : new KeyValuePair<string, string>(Uri.UnescapeDataString(p[..eq]), Uri.UnescapeDataString(p[(eq + 1)..]));
            }).ToList();
    }

    public static void AssertV4Signature(RecordedRequest request, bool pathStyle, string secret = TestClients.AccessKeySecret)
    {
        var (bucket, key) = BucketAndKey(request, pathStyle);
        var context = new OssSigningContext
        {
            Method = request.Method,
            Bucket = bucket,
            Key = key,
            Credentials = new OssCredentials(TestClients.AccessKeyId, secret),
        };
        foreach (var (name, value) in request.Headers)
        {
            context.Headers[name] = value;
        }

        foreach (var pair in Query(request))
        {
            context.Query.Add(pair);
        }

        var authorization = request.Header("Authorization")!;
        Assert.StartsWith("OSS4-HMAC-SHA256 Credential=" + TestClients.AccessKeyId + "/", authorization, StringComparison.Ordinal);
        var scope = authorization.Split("Credential=")[1].Split(',')[0].Split('/', 2)[1];
        var parts = scope.Split('/');
        var stringToSign = OssSignerV4.BuildStringToSign(request.Header("x-oss-date")!, scope, OssSignerV4.BuildCanonicalRequest(context, []));
        var expected = OssSignerV4.ComputeSignature(secret, parts[0], parts[1], parts[2], stringToSign);
        Assert.EndsWith(",Signature=" + expected, authorization, StringComparison.Ordinal);
    }

    private static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;
}
