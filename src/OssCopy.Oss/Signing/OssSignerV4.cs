using System.Buffers;
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

    // Both date headers change once a second, and every request of that second sends the same two strings.
    private SigningTimeCacheEntry? _timeCache;

    public OssSignatureVersion Version => OssSignatureVersion.V4;

    public void SignHeaders(OssSigningContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var credentials = context.Credentials;
        var (isoDate, httpDate) = FormatDates(context.SigningTime.UtcDateTime);
        context.Headers["x-oss-date"] = isoDate;
        context.Headers["Date"] = httpDate;
        if (!context.Headers.ContainsKey(ContentSha256Header))
        {
            context.Headers[ContentSha256Header] = UnsignedPayload;
        }

        if (credentials.SecurityToken is { } token)
        {
            context.Headers["x-oss-security-token"] = token;
        }

        var additional = EffectiveAdditionalHeaders(context.AdditionalHeaders, context.Headers);
        var key = SigningKey(credentials.AccessKeySecret, isoDate.AsSpan(0, 8), context.Region, context.Product);
        var scope = key.Scope;
        var stringToSign = BuildStringToSign(isoDate, scope, BuildCanonicalRequest(context, additional));
        var signature = Sign(key, stringToSign);

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
        context.Query.Add(new("x-oss-signature", Sign(SigningKey(credentials.AccessKeySecret, day, context.Region, context.Product), stringToSign)));
    }

    public static string FormatIsoDate(DateTime utc) => utc.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    /// <summary>x-oss-date and Date for a signing time, formatted once per second (both have one-second resolution).</summary>
    private (string IsoDate, string HttpDate) FormatDates(DateTime utc)
    {
        var second = utc.Ticks / TimeSpan.TicksPerSecond;
        var cache = _timeCache;
        if (cache is null || cache.Second != second)
        {
            cache = new SigningTimeCacheEntry(second, FormatIsoDate(utc), utc.ToString("r", CultureInfo.InvariantCulture));
            _timeCache = cache;
        }

        return (cache.IsoDate, cache.HttpDate);
    }

    public static string BuildScope(string day, string region, string product) => $"{day}/{region}/{product}/aliyun_v4_request";

    /// <summary>
    /// The additional headers that take part: lower-cased, de-duplicated and sorted; names signed by default
    /// (<c>x-oss-*</c>, content-type, content-md5) and names absent or empty in the request are dropped.
    /// </summary>
    public static IReadOnlyList<string> EffectiveAdditionalHeaders(IEnumerable<string> requested, IDictionary<string, string> headers)
    {
        ArgumentNullException.ThrowIfNull(requested);
        ArgumentNullException.ThrowIfNull(headers);
        if (requested is IReadOnlyCollection<string> { Count: 0 })
        {
            // The usual case (nothing extra asked for), without building the query below.
            return [];
        }

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

    /// <summary>Encoded query pairs sorted by key, then value, in byte order, joined by '&amp;'; a bare key has no '='.</summary>
    public static string BuildCanonicalQuery(IEnumerable<KeyValuePair<string, string>> query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var encoded = new List<(string Key, string Value)>();
        foreach (var pair in query)
        {
            encoded.Add((OssEncoding.UriEncode(pair.Key), OssEncoding.UriEncode(pair.Value ?? string.Empty)));
        }

        if (encoded.Count == 0)
        {
            return string.Empty;
        }

        // An unstable sort is enough here: pairs equal in key and value are the same text, so their order cannot show.
        encoded.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key) is var byKey and not 0 ? byKey : string.CompareOrdinal(a.Value, b.Value));
        var builder = new StringBuilder(64);
        foreach (var (key, value) in encoded)
        {
            if (builder.Length > 0)
            {
                builder.Append('&');
            }

            builder.Append(key);
            if (value.Length > 0)
            {
                builder.Append('=').Append(value);
            }
        }

        return builder.ToString();
    }

    /// <summary>Canonical headers, each <c>name:value\n</c>, sorted by name in byte order.</summary>
    public static string BuildCanonicalHeaders(IDictionary<string, string> headers, IReadOnlyCollection<string> effectiveAdditionalHeaders)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(effectiveAdditionalHeaders);
        var signed = new List<(string Name, string Value, int Index)>(headers.Count);
        foreach (var (key, value) in headers)
        {
            var name = key.ToLowerInvariant();
            if (IsSignedByDefault(name) || effectiveAdditionalHeaders.Contains(name))
            {
                signed.Add((name, value, signed.Count));
            }
        }

        // Ties (possible only in a case-sensitive dictionary) keep their order, as the stable sort this replaces did.
        signed.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name) is var byName and not 0 ? byName : a.Index.CompareTo(b.Index));
        var builder = new StringBuilder(256);
        foreach (var (name, value, _) in signed)
        {
            builder.Append(name).Append(':').Append(value.Trim()).Append('\n');
        }

        return builder.ToString();
    }

    public static string BuildStringToSign(string isoDate, string scope, string canonicalRequest)
    {
        ArgumentNullException.ThrowIfNull(canonicalRequest);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        HashUtf8(canonicalRequest, hash, static (key, data, destination) => SHA256.HashData(data, destination), null);
        return $"{Algorithm}\n{isoDate}\n{scope}\n{Convert.ToHexStringLower(hash)}";
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

    private SigningKeyCacheEntry SigningKey(string secret, ReadOnlySpan<char> day, string region, string product)
    {
        var cache = _keyCache;
        if (cache is null || !cache.Matches(secret, day, region, product))
        {
            var dayText = day.ToString();
            cache = new SigningKeyCacheEntry(secret, dayText, region, product, DeriveSigningKey(secret, dayText, region, product),
                BuildScope(dayText, region, product));
            _keyCache = cache;
        }

        return cache;
    }

    private static string Sign(SigningKeyCacheEntry key, string stringToSign)
    {
        Span<byte> signature = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HashUtf8(stringToSign, signature, static (key, data, destination) => HMACSHA256.HashData(key, data, destination), key.Key);
        return Convert.ToHexStringLower(signature);
    }

    private delegate int HashFunction(byte[]? key, ReadOnlySpan<byte> data, Span<byte> destination);

    /// <summary>Hashes the UTF-8 bytes of <paramref name="text"/> without a byte array per call (stack, or pooled when long).</summary>
    private static void HashUtf8(string text, Span<byte> destination, HashFunction hash, byte[]? key)
    {
        const int StackLimit = 1024;
        var max = Encoding.UTF8.GetMaxByteCount(text.Length);
        byte[]? rented = max > StackLimit ? ArrayPool<byte>.Shared.Rent(max) : null;
        try
        {
            var buffer = rented ?? stackalloc byte[StackLimit];
            var length = Encoding.UTF8.GetBytes(text, buffer);
            hash(key, buffer[..length], destination);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private sealed record SigningKeyCacheEntry(string Secret, string Day, string Region, string Product, byte[] Key, string Scope)
    {
        public bool Matches(string secret, ReadOnlySpan<char> day, string region, string product) =>
            Secret == secret && day.SequenceEqual(Day) && Region == region && Product == product;

        public override string ToString() => $"SigningKey {{ Day = {Day}, Region = {Region}, Product = {Product} }}";
    }

    private sealed record SigningTimeCacheEntry(long Second, string IsoDate, string HttpDate);
}
