using System.Text;
using System.Xml.Linq;
using OssCopy.Oss;
using OssCopy.Oss.Credentials;
using OssCopy.Oss.Signing;

namespace LocalOss.Tests.Support;

public enum Signing
{
    V4,
    V1,
    None,
}

public enum Addressing
{
    PathStyle,

    /// <summary>Host: {bucket}.oss-{region}.aliyuncs.com, as ali-oss sends it when its endpoint is an IP.</summary>
    VirtualHosted,
}

/// <summary>One request, described the way a client would build it.</summary>
public sealed class OssCall
{
    public OssCall(HttpMethod method, string? bucket, string? key = null)
    {
        Method = method;
        Bucket = bucket;
        Key = key;
    }

    public HttpMethod Method { get; }

    public string? Bucket { get; }

    public string? Key { get; }

    public List<KeyValuePair<string, string>> Query { get; } = [];

    public Dictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);

    public byte[]? Body { get; set; }

    public Signing Signing { get; set; } = Signing.V4;

    public Addressing Addressing { get; set; } = Addressing.PathStyle;

    public OssCredentials? Credentials { get; set; }

    public string Region { get; set; } = "cn-hangzhou";

    public DateTimeOffset? SigningTime { get; set; }

    /// <summary>When set, the request is a presigned URL valid until this time (no Authorization header).</summary>
    public DateTimeOffset? PresignUntil { get; set; }

    public OssCall Q(string name, string value = "")
    {
        Query.Add(new(name, value));
        return this;
    }

    public OssCall H(string name, string value)
    {
        Headers[name] = value;
        return this;
    }

    public OssCall WithBody(string text)
    {
        Body = Encoding.UTF8.GetBytes(text);
        return this;
    }
}

/// <summary>The answer, with the bits tests look at.</summary>
public sealed class OssAnswer
{
    public required int Status { get; init; }

    public required HttpResponseMessage Response { get; init; }

    public required byte[] Body { get; init; }

    public string Text => Encoding.UTF8.GetString(Body);

    public XElement Xml => XDocument.Parse(Text).Root!;

    public string? Header(string name) =>
        Response.Headers.TryGetValues(name, out var values) ? string.Join(",", values)
        : Response.Content.Headers.TryGetValues(name, out var contentValues) ? string.Join(",", contentValues)
        : null;

    public string? X(string element) => Xml.DescendantsAndSelf(element).FirstOrDefault()?.Value;

    public string? ErrorCode => Body.Length > 0 && Text.Contains("<Error>", StringComparison.Ordinal) ? X("Code") : null;

    public override string ToString() => $"{Status} {Text}";
}

/// <summary>
/// Builds, signs (with the client library's signers) and sends OSS requests to LocalOss: what our typed
/// client will do, kept small so the tests state each request exactly.
/// </summary>
public sealed class OssTestClient(HttpClient http, Uri baseAddress)
{
    public static readonly OssCredentials DevCredentials =
        new(LocalOssOptions.DefaultAccessKeyId, LocalOssOptions.DefaultAccessKeySecret);

    public Uri BaseAddress { get; } = baseAddress;

    public async Task<OssAnswer> SendAsync(OssCall call)
    {
        var context = new OssSigningContext
        {
            Method = call.Method.Method,
            Bucket = call.Bucket,
            Key = call.Key,
            Credentials = call.Credentials ?? DevCredentials,
            Region = call.Region,
            SigningTime = call.SigningTime ?? DateTimeOffset.UtcNow,
        };
        foreach (var header in call.Headers)
        {
            context.Headers[header.Key] = header.Value;
        }

        foreach (var pair in call.Query)
        {
            context.Query.Add(pair);
        }

        if (call.Signing != Signing.None)
        {
            IOssSigner signer = call.Signing == Signing.V4 ? new OssSignerV4() : new OssSignerV1();
            if (call.PresignUntil is { } until)
            {
                signer.Presign(context, until);
            }
            else
            {
                signer.SignHeaders(context);
            }
        }

        var request = new HttpRequestMessage(call.Method, BuildUri(call, context.Query));
        if (call.Addressing == Addressing.VirtualHosted && call.Bucket is not null)
        {
            request.Headers.Host = $"{call.Bucket}.oss-{call.Region}.aliyuncs.com";
        }

        if (call.Body is not null || call.Method == HttpMethod.Put || call.Method == HttpMethod.Post)
        {
            request.Content = new ByteArrayContent(call.Body ?? []);
        }

        foreach (var (name, value) in context.Headers)
        {
            if (name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
            {
                request.Content ??= new ByteArrayContent([]);
                request.Content.Headers.Remove(name);
                request.Content.Headers.TryAddWithoutValidation(name, value);
            }
            else
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }

        if (request.Content is not null && !context.Headers.ContainsKey("Content-Type"))
        {
            // HttpClient would otherwise send no type; the signature covers the empty one either way.
            request.Content.Headers.ContentType = null;
        }

        var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();
        return new OssAnswer { Status = (int)response.StatusCode, Response = response, Body = body };
    }

    public Uri BuildUri(OssCall call, IEnumerable<KeyValuePair<string, string>> query)
    {
        var path = new StringBuilder();
        if (call.Bucket is not null && call.Addressing == Addressing.PathStyle)
        {
            path.Append('/').Append(call.Bucket).Append('/');
        }
        else
        {
            path.Append('/');
        }

        if (call.Key is not null)
        {
            path.Append(OssEncoding.EscapePath(call.Key));
        }

        var first = true;
        foreach (var (name, value) in query)
        {
            path.Append(first ? '?' : '&').Append(OssEncoding.UriEncode(name));
            if (value.Length > 0)
            {
                path.Append('=').Append(OssEncoding.UriEncode(value));
            }

            first = false;
        }

        // Keys may hold "./" and "../" segments: keep the path exactly as built (no dot-segment removal).
        return new Uri(BaseAddress.GetLeftPart(UriPartial.Authority) + path, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
    }

    // ---- conveniences -------------------------------------------------------------------------------

    public Task<OssAnswer> CreateBucketAsync(string bucket, string region = "cn-hangzhou") =>
        SendAsync(new OssCall(HttpMethod.Put, bucket) { Region = region });

    public Task<OssAnswer> PutAsync(string bucket, string key, byte[] data, Action<OssCall>? configure = null)
    {
        var call = new OssCall(HttpMethod.Put, bucket, key) { Body = data };
        configure?.Invoke(call);
        return SendAsync(call);
    }

    public Task<OssAnswer> PutAsync(string bucket, string key, string text, Action<OssCall>? configure = null) =>
        PutAsync(bucket, key, Encoding.UTF8.GetBytes(text), configure);

    public Task<OssAnswer> GetAsync(string bucket, string key, Action<OssCall>? configure = null)
    {
        var call = new OssCall(HttpMethod.Get, bucket, key);
        configure?.Invoke(call);
        return SendAsync(call);
    }

    public Task<OssAnswer> HeadAsync(string bucket, string key, Action<OssCall>? configure = null)
    {
        var call = new OssCall(HttpMethod.Head, bucket, key);
        configure?.Invoke(call);
        return SendAsync(call);
    }

    public Task<OssAnswer> DeleteAsync(string bucket, string key, Action<OssCall>? configure = null)
    {
        var call = new OssCall(HttpMethod.Delete, bucket, key);
        configure?.Invoke(call);
        return SendAsync(call);
    }

    public Task<OssAnswer> CopyAsync(string sourceBucket, string sourceKey, string bucket, string key, Action<OssCall>? configure = null)
    {
        var call = new OssCall(HttpMethod.Put, bucket, key)
            .H("x-oss-copy-source", "/" + sourceBucket + "/" + OssEncoding.EscapePath(sourceKey));
        configure?.Invoke(call);
        return SendAsync(call);
    }

    public static string NewBucketName(string prefix = "b") =>
        (prefix + "-" + Guid.NewGuid().ToString("N"))[..Math.Min(40, prefix.Length + 33)];
}
