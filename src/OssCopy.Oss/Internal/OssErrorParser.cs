using System.Net;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace OssCopy.Oss.Internal;

/// <summary>
/// Builds an <see cref="OssException"/> from an error answer: the XML body, or for HEAD (no body) the
/// <c>x-oss-err</c> header (Base64 of the XML) and <c>x-oss-ec</c>; every secret used to sign is scrubbed.
/// </summary>
internal static partial class OssErrorParser
{
    private const int MaxBodyChars = 64 * 1024;

    private static readonly HashSet<string> KnownElements = ["Code", "Message", "RequestId", "HostId", "EC"];

    // HEAD answers carry no body: the EC tells which of several 404s (or 409s) it was.
    private static readonly Dictionary<string, string> CodeByEc = new(StringComparer.Ordinal)
    {
        ["0026-00000001"] = OssErrorCodes.NoSuchKey,
        ["0015-00000101"] = OssErrorCodes.NoSuchBucket,
        ["0026-00000002"] = OssErrorCodes.FileAlreadyExists,
        ["0026-00000201"] = OssErrorCodes.FileAlreadyExists,
        ["0026-00000005"] = OssErrorCodes.FileImmutable,
        ["0002-00000040"] = OssErrorCodes.SignatureDoesNotMatch,
        ["0002-00000504"] = OssErrorCodes.RequestTimeTooSkewed,
    };

    public static async Task<OssException> ParseAsync(HttpResponseMessage response, IReadOnlyCollection<string> secrets, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var requestId = Header(response, OssHeaders.RequestId);
        var ec = Header(response, OssHeaders.ErrorCodeEc);
        string? body = null;
        try
        {
            body = await ReadLimitedAsync(response.Content, cancellationToken);
        }
        catch (HttpRequestException)
        {
            // A connection dropped while reading an error body still leaves the status and headers to report.
        }
        catch (IOException)
        {
        }

        if (string.IsNullOrWhiteSpace(body) && Header(response, OssHeaders.ErrorBody) is { } encoded)
        {
            body = DecodeBase64(encoded);
        }

        body = Scrub(DropByteEchoes(body), secrets);
        if (!string.IsNullOrWhiteSpace(body) && TryParseXml(body) is { } root && root.Name.LocalName == "Error")
        {
            var details = root.Elements()
                .Where(e => !KnownElements.Contains(e.Name.LocalName))
                .GroupBy(e => e.Name.LocalName)
                .ToDictionary(g => g.Key, g => g.First().Value, StringComparer.Ordinal);
            return new OssException(
                status,
                root.Text("Code") ?? FallbackCode(status, ec),
                root.Text("Message") ?? response.ReasonPhrase ?? string.Empty,
                root.Text("RequestId") ?? requestId,
                root.Text("HostId"),
                root.Text("EC") ?? ec,
                body,
                details);
        }

        return new OssException(
            status,
            FallbackCode(status, ec),
            string.IsNullOrWhiteSpace(body) ? response.ReasonPhrase ?? "(no error body)" : Truncate(body),
            requestId,
            ec: ec,
            rawBody: body);
    }

    /// <summary>Replaces every secret that a body may echo (SignatureDoesNotMatch's StringToSign holds the token).</summary>
    public static string? Scrub(string? text, IReadOnlyCollection<string> secrets)
    {
        if (text is null)
        {
            return null;
        }

        foreach (var secret in secrets)
        {
            if (secret.Length > 0)
            {
                text = text.Replace(secret, "***", StringComparison.Ordinal);
                var encoded = OssEncoding.UriEncode(secret);
                if (encoded != secret)
                {
                    text = text.Replace(encoded, "***", StringComparison.Ordinal);
                }
            }
        }

        return text;
    }

    /// <summary>
    /// Removes <c>StringToSignBytes</c> and <c>CanonicalRequestBytes</c>: hex dumps of what was signed, which hold the
    /// security token in a form no text replacement finds. The readable StringToSign stays (scrubbed) for debugging.
    /// </summary>
    private static string? DropByteEchoes(string? body) =>
        body is null ? null : ByteEchoes().Replace(body, string.Empty);

    [System.Text.RegularExpressions.GeneratedRegex(@"<(\w+Bytes)>[^<]*</\1>")]
    private static partial System.Text.RegularExpressions.Regex ByteEchoes();

    private static string FallbackCode(int status, string? ec)
    {
        if (ec is not null && CodeByEc.TryGetValue(ec, out var code))
        {
            return code;
        }

        return (HttpStatusCode)status switch
        {
            HttpStatusCode.NotModified => OssErrorCodes.NotModified,
            HttpStatusCode.PreconditionFailed => OssErrorCodes.PreconditionFailed,
            HttpStatusCode.NotFound => "NotFound",
            HttpStatusCode.Forbidden => OssErrorCodes.AccessDenied,
            HttpStatusCode.Conflict => "Conflict",
            HttpStatusCode.ServiceUnavailable => OssErrorCodes.SlowDown,
            HttpStatusCode.InternalServerError => OssErrorCodes.InternalError,
            _ => "BadErrorResponse",
        };
    }

    private static async Task<string> ReadLimitedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var buffer = new char[MaxBodyChars];
        var read = await reader.ReadBlockAsync(buffer.AsMemory(), cancellationToken);
        return new string(buffer, 0, read);
    }

    private static string? DecodeBase64(string encoded)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static XElement? TryParseXml(string body)
    {
        try
        {
            return OssXml.ParseRoot(body);
        }
        catch (XmlException)
        {
            return null;
        }
    }

    private static string Truncate(string body) => body.Length <= 512 ? body : body[..512] + "…";

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}
