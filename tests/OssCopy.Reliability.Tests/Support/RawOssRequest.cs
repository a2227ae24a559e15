using System.Text;
using OssCopy.Oss;
using OssCopy.Oss.Credentials;
using OssCopy.Oss.Signing;

namespace OssCopy.Reliability.Tests.Support;

/// <summary>
/// One OSS request built by hand, signed (V4, with the client library's signer) or not, sent as given: the hostile
/// input and security tests control every header, query parameter and byte of it.
/// </summary>
internal sealed record RawOssRequest(string Method, string? Bucket, string? Key)
{
    public List<KeyValuePair<string, string>> Query { get; init; } = [];

    public Dictionary<string, string> Headers { get; init; } = new(StringComparer.OrdinalIgnoreCase);

    public byte[]? Body { get; init; }

    public OssCredentials? Credentials { get; init; } = new(SecretScan.AccessKeyId, SecretScan.AccessKeySecret);

    /// <summary>Presign until this time (signature in the query) instead of an Authorization header.</summary>
    public DateTimeOffset? PresignUntil { get; init; }

    public DateTimeOffset SigningTime { get; init; } = DateTimeOffset.UtcNow;

    public HttpRequestMessage Build(Uri baseAddress)
    {
        var context = new OssSigningContext
        {
            Method = Method, Bucket = Bucket, Key = Key, Credentials = Credentials ?? new OssCredentials("unused", "unused"), SigningTime = SigningTime,
        };
        foreach (var (name, value) in Headers)
        {
            context.Headers[name] = value;
        }

        foreach (var pair in Query)
        {
            context.Query.Add(pair);
        }

        if (Credentials is not null)
        {
            var signer = new OssSignerV4();
            if (PresignUntil is { } until)
            {
                signer.Presign(context, until);
            }
            else
            {
                signer.SignHeaders(context);
            }
        }

        var path = new StringBuilder("/");
        if (Bucket is not null)
        {
            path.Append(Bucket).Append('/');
        }

        if (Key is not null)
        {
            path.Append(OssEncoding.EscapePath(Key));
        }

        var first = true;
        foreach (var (name, value) in context.Query)
        {
            path.Append(first ? '?' : '&').Append(OssEncoding.UriEncode(name));
            if (value.Length > 0)
            {
                path.Append('=').Append(OssEncoding.UriEncode(value));
            }

            first = false;
        }

        var request = new HttpRequestMessage(new HttpMethod(Method),
            new Uri(baseAddress.GetLeftPart(UriPartial.Authority) + path, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true }));
        if (Body is not null || Method is "PUT" or "POST")
        {
            request.Content = new ByteArrayContent(Body ?? []);
            request.Content.Headers.ContentType = null;
        }

        foreach (var (name, value) in context.Headers)
        {
            if (name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase) && !name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                request.Content ??= new ByteArrayContent([]);
                request.Content.Headers.Remove(name);
                request.Content.Headers.TryAddWithoutValidation(name, value);
            }
            else if (!name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return request;
    }
}

/// <summary>What LocalOss answered: status, the OSS error code (from the body or, for HEAD, x-oss-err), the request id.</summary>
internal sealed record RawOssAnswer(int Status, string? ErrorCode, string? RequestId, string Body)
{
    public static async Task<RawOssAnswer> SendAsync(HttpClient http, Uri baseAddress, RawOssRequest request)
    {
        using var message = request.Build(baseAddress);
        using var response = await http.SendAsync(message);
        var body = await response.Content.ReadAsStringAsync();
        string? code = null;
        var xml = body;
        if (xml.Length == 0 && response.Headers.TryGetValues("x-oss-err", out var err))
        {
            xml = Encoding.UTF8.GetString(Convert.FromBase64String(err.First()));
        }

        var start = xml.IndexOf("<Code>", StringComparison.Ordinal);
        if (start >= 0)
        {
            var end = xml.IndexOf("</Code>", start, StringComparison.Ordinal);
            code = end > start ? xml[(start + 6)..end] : null;
        }

        var requestId = response.Headers.TryGetValues("x-oss-request-id", out var ids) ? ids.First() : null;
        return new RawOssAnswer((int)response.StatusCode, code, requestId, body);
    }

    public override string ToString() => $"{Status} {ErrorCode} (request {RequestId})";
}
