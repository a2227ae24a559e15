using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace OssCopy.Oss.Signing;

/// <summary>
/// Signature V4 (<c>OSS4-HMAC-SHA256</c>), in the <c>Authorization</c> header or as a presigned URL.
/// The static builders are public so that a verifier (LocalOss) rebuilds exactly what a client signed.
/// </summary>
public sealed class OssSignerV4 : IOssSigner
{
    public const string Algorithm = "OSS4-HMAC-SHA256";
    public const string UnsignedPayload = "UNSIGNED-PAYLOAD";
    public const string ContentSha256Header = "x-oss-content-sha256";

    // Deriving the key costs four HMACs; a client signs with the same secret, day and region all day.
    private SigningKeyCacheEntry? _keyCache;

    public OssSignatureVersion Version => OssSignatureVersion.V4;

    public void SignHeaders(OssSigningContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var credentials = context.Credentials;
        var time = context.SigningTime.UtcDateTime;
        var isoDate = FormatIsoDate(time);
        context.Headers["x-oss-date"] = isoDate;
        context.Headers["Date"] = time.ToString("r", CultureInfo.InvariantCulture);
        if (!context.Headers.ContainsKey(ContentSha256Header))
        {
            context.Headers[ContentSha256Header] = UnsignedPayload;
        }

        if (credentials.SecurityToken is { } token)
        {
            context.Headers["x-oss-security-token"] = token;
        }

        var additional = EffectiveAdditionalHeaders(context.AdditionalHeaders, context.Headers);
        var day = isoDate[..8];
        var scope = BuildScope(day, context.Region, context.Product);
        var stringToSign = BuildStringToSign(isoDate, scope, BuildCanonicalRequest(context, additional));
        var signature = Sign(credentials.AccessKeySecret, day, context.Region, context.Product, stringToSign);

        var authorization = new StringBuilder(160)
            .Append(Algorithm).Append(" Credential=").Append(credentials.AccessKeyId).Append('/').Append(scope);
        if (additional.Count > 0)
        {
            authorization.Append(",AdditionalHeaders=").Append(string.Join(';', additional));
        }

        context.Headers["Authorization"] = authorization.Append(",Signature=").Append(signature).ToString();
    }

    public void Presign(OssSigningContext context, DateTimeOffset expiration)
    {
        ArgumentNullException.ThrowIfNull(context);
        var credentials = context.Credentials;
        var isoDate = FormatIsoDate(context.SigningTime.UtcDateTime);
        var day = isoDate[..8];
        var scope = BuildScope(day, context.Region, context.Product);
        var expires = (long)Math.Floor((expiration - context.SigningTime).TotalSeconds);
        if (expires <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(expiration), expiration, "The expiration must be after the signing time.");
        }

        var additional = EffectiveAdditionalHeaders(context.AdditionalHeaders, context.Headers);
        context.Query.Add(new("x-oss-signature-version", Algorithm));
        context.Query.Add(new("x-oss-date", isoDate));
        context.Query.Add(new("x-oss-expires", expires.ToString(CultureInfo.InvariantCulture)));
        context.Query.Add(new("x-oss-credential", $"{credentials.AccessKeyId}/{scope}"));
        if (credentials.SecurityToken is { } token)
        {
            context.Query.Add(new("x-oss-security-token", token));
        }

        if (additional.Count > 0)
        {
            context.Query.Add(new("x-oss-additional-headers", string.Join(';', additional)));
        }

        var stringToSign = BuildStringToSign(isoDate, scope, BuildCanonicalRequest(context, additional));
        context.Query.Add(new("x-oss-signature", Sign(credentials.AccessKeySecret, day, context.Region, context.Product, stringToSign)));
    }

    public static string FormatIsoDate(DateTime utc) => utc.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    public static string BuildScope(string day, string region, string product) => $"{day}/{region}/{product}/aliyun_v4_request";

    /// <summary>
    /// The additional headers that take part: lower-cased, de-duplicated and sorted; names signed by default
    /// (<c>x-oss-*</c>, content-type, content-md5) and names absent or empty in the request are dropped.
    /// </summary>
    public static IReadOnlyList<string> EffectiveAdditionalHeaders(IEnumerable<string> requested, IDictionary<string, string> headers)
    {
        ArgumentNullException.ThrowIfNull(requested);
        ArgumentNullException.ThrowIfNull(headers);
        return requested
            .Select(h => h.Trim().ToLowerInvariant())
            .Where(h => h.Length > 0 && !IsSignedByDefault(h) && headers.TryGetValue(h, out var v) && !string.IsNullOrEmpty(v))
            .Distinct(StringComparer.Ordinal)
            .OrderBy(h => h, StringComparer.Ordinal)
            .ToList();
    }

    public static bool IsSignedByDefault(string lowerName) =>
        lowerName.StartsWith("x-oss-", StringComparison.Ordinal) || lowerName is "content-type" or "content-md5";

    public static string BuildCanonicalRequest(OssSigningContext context, IReadOnlyList<string> effectiveAdditionalHeaders)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(effectiveAdditionalHeaders);
        var builder = new StringBuilder(512);
        builder.Append(context.Method.ToUpperInvariant()).Append('\n');
        builder.Append(BuildCanonicalUri(context.Bucket, context.Key)).Append('\n');
        builder.Append(BuildCanonicalQuery(context.Query)).Append('\n');
        builder.Append(BuildCanonicalHeaders(context.Headers, effectiveAdditionalHeaders)).Append('\n');
        builder.Append(string.Join(';', effectiveAdditionalHeaders)).Append('\n');
        builder.Append(context.GetHeader(ContentSha256Header) ?? UnsignedPayload);
        return builder.ToString();
    }

    public static string BuildCanonicalUri(string? bucket, string? key)
    {
        if (string.IsNullOrEmpty(bucket))
        {
            return "/";
        }

        return OssEncoding.EscapePath("/" + bucket + "/" + (key ?? string.Empty));
    }

    public static string BuildCanonicalQuery(IEnumerable<KeyValuePair<string, string>> query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var encoded = query
            .Select(q => (Key: OssEncoding.UriEncode(q.Key), Value: OssEncoding.UriEncode(q.Value ?? string.Empty)))
            .OrderBy(q => q.Key, StringComparer.Ordinal)
            .ThenBy(q => q.Value, StringComparer.Ordinal);
        return string.Join('&', encoded.Select(q => q.Value.Length > 0 ? q.Key + "=" + q.Value : q.Key));
    }

    /// <summary>Canonical headers, each <c>name:value\n</c>, sorted by name in byte order.</summary>
    public static string BuildCanonicalHeaders(IDictionary<string, string> headers, IReadOnlyCollection<string> effectiveAdditionalHeaders)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(effectiveAdditionalHeaders);
        var builder = new StringBuilder(256);
        foreach (var (name, value) in headers
                     .Select(h => (Name: h.Key.ToLowerInvariant(), h.Value))
                     .Where(h => IsSignedByDefault(h.Name) || effectiveAdditionalHeaders.Contains(h.Name))
                     .OrderBy(h => h.Name, StringComparer.Ordinal))
        {
            builder.Append(name).Append(':').Append(value.Trim()).Append('\n');
        }

        return builder.ToString();
    }

    public static string BuildStringToSign(string isoDate, string scope, string canonicalRequest)
    {
        ArgumentNullException.ThrowIfNull(canonicalRequest);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)));
        return $"{Algorithm}\n{isoDate}\n{scope}\n{hash}";
    }

    /// <summary>Hex HMAC-SHA256 of the string to sign with the derived key, without caching (for verifiers).</summary>
    public static string ComputeSignature(string accessKeySecret, string day, string region, string product, string stringToSign) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(DeriveSigningKey(accessKeySecret, day, region, product), Encoding.UTF8.GetBytes(stringToSign)));

    public static byte[] DeriveSigningKey(string accessKeySecret, string day, string region, string product)
    {
        ArgumentNullException.ThrowIfNull(accessKeySecret);
        var key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("aliyun_v4" + accessKeySecret), Encoding.UTF8.GetBytes(day));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(region));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(product));
        return HMACSHA256.HashData(key, "aliyun_v4_request"u8);
    }

    private string Sign(string secret, string day, string region, string product, string stringToSign)
    {
        var cache = _keyCache;
        if (cache is null || !cache.Matches(secret, day, region, product))
        {
            cache = new SigningKeyCacheEntry(secret, day, region, product, DeriveSigningKey(secret, day, region, product));
            _keyCache = cache;
        }

        return Convert.ToHexStringLower(HMACSHA256.HashData(cache.Key, Encoding.UTF8.GetBytes(stringToSign)));
    }

    private sealed record SigningKeyCacheEntry(string Secret, string Day, string Region, string Product, byte[] Key)
    {
        public bool Matches(string secret, string day, string region, string product) =>
            Secret == secret && Day == day && Region == region && Product == product;

        public override string ToString() => $"SigningKey {{ Day = {Day}, Region = {Region}, Product = {Product} }}";
    }
}
