using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace OssCopy.Oss.Signing;

/// <summary>
/// Signature V1: <c>Authorization: OSS AccessKeyId:Base64(HMAC-SHA1(secret, StringToSign))</c>, and the
/// presigned form with <c>OSSAccessKeyId</c>, <c>Expires</c> and <c>Signature</c> query parameters.
/// </summary>
public sealed class OssSignerV1 : IOssSigner
{
    /// <summary>The query keys V1 signs (Go v2's <c>requiredSignedParametersMap</c>); any <c>x-oss-*</c> key is signed too.</summary>
    public static readonly IReadOnlySet<string> SubResources = new HashSet<string>(StringComparer.Ordinal)
    {
        "acl", "bucketInfo", "location", "stat", "delete", "append", "tagging", "objectMeta", "uploads",
        "uploadId", "partNumber", "security-token", "position", "response-content-type",
        "response-content-language", "response-expires", "response-cache-control",
        "response-content-disposition", "response-content-encoding", "restore", "callback", "callback-var",
        "versions", "versioning", "versionId", "sequential", "continuation-token", "regionList", "cloudboxes",
        "symlink", "resourceGroup", "worm", "wormId", "wormExtend",
    };

    public OssSignatureVersion Version => OssSignatureVersion.V1;

    public void SignHeaders(OssSigningContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var credentials = context.Credentials;
        if (credentials.SecurityToken is { } token)
        {
            context.Headers["x-oss-security-token"] = token;
        }

        if (!context.Headers.ContainsKey("x-oss-date") && !context.Headers.ContainsKey("Date"))
        {
            context.Headers["Date"] = context.SigningTime.UtcDateTime.ToString("r", CultureInfo.InvariantCulture);
        }

        var stringToSign = BuildStringToSign(context, DateLineOf(context.Headers));
        context.Headers["Authorization"] = $"OSS {credentials.AccessKeyId}:{ComputeSignature(credentials.AccessKeySecret, stringToSign)}";
    }

    public void Presign(OssSigningContext context, DateTimeOffset expiration)
    {
        ArgumentNullException.ThrowIfNull(context);
        var credentials = context.Credentials;
        if (credentials.SecurityToken is { } token)
        {
            context.Query.Add(new("security-token", token));
        }

        var expires = expiration.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var stringToSign = BuildStringToSign(context, expires);
        context.Query.Add(new("OSSAccessKeyId", credentials.AccessKeyId));
        context.Query.Add(new("Expires", expires));
        context.Query.Add(new("Signature", ComputeSignature(credentials.AccessKeySecret, stringToSign)));
    }

    /// <summary>The date line of a header-signed request: <c>x-oss-date</c> when present (as ali-oss and Python sign), else <c>Date</c>.</summary>
    public static string DateLineOf(IDictionary<string, string> headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        return headers.TryGetValue("x-oss-date", out var ossDate) ? ossDate
            : headers.TryGetValue("Date", out var date) ? date
            : string.Empty;
    }

    public static string BuildStringToSign(OssSigningContext context, string dateLine)
    {
        ArgumentNullException.ThrowIfNull(context);
        var builder = new StringBuilder(256);
        builder.Append(context.Method.ToUpperInvariant()).Append('\n')
            .Append(context.GetHeader("Content-MD5")?.Trim() ?? string.Empty).Append('\n')
            .Append(context.GetHeader("Content-Type")?.Trim() ?? string.Empty).Append('\n')
            .Append(dateLine).Append('\n');

        foreach (var (name, value) in context.Headers
                     .Select(h => (Name: h.Key.ToLowerInvariant(), h.Value))
                     .Where(h => h.Name.StartsWith("x-oss-", StringComparison.Ordinal))
                     .OrderBy(h => h.Name, StringComparer.Ordinal))
        {
            builder.Append(name).Append(':').Append(value.Trim()).Append('\n');
        }

        builder.Append('/');
        if (!string.IsNullOrEmpty(context.Bucket))
        {
            builder.Append(context.Bucket).Append('/');
            if (context.Key is { Length: > 0 } key)
            {
                builder.Append(key);
            }
        }

        var signed = context.Query
            .Where(q => SubResources.Contains(q.Key)
                        || q.Key.StartsWith("x-oss-", StringComparison.Ordinal)
                        || context.ExtraSubResources.Contains(q.Key))
            .OrderBy(q => q.Key, StringComparer.Ordinal)
            .ToList();
        for (var i = 0; i < signed.Count; i++)
        {
            builder.Append(i == 0 ? '?' : '&').Append(signed[i].Key);
            if (signed[i].Value.Length > 0)
            {
                builder.Append('=').Append(signed[i].Value);
            }
        }

        return builder.ToString();
    }

    public static string ComputeSignature(string accessKeySecret, string stringToSign)
    {
        ArgumentNullException.ThrowIfNull(accessKeySecret);
        ArgumentNullException.ThrowIfNull(stringToSign);
#pragma warning disable CA5350 // The V1 protocol is HMAC-SHA1 by definition; V4 is the default.
        var mac = HMACSHA1.HashData(Encoding.UTF8.GetBytes(accessKeySecret), Encoding.UTF8.GetBytes(stringToSign));
#pragma warning restore CA5350
        return Convert.ToBase64String(mac);
    }
}
