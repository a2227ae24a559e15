using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using LocalOss.Http;
using OssCopy.Oss.Credentials;
using OssCopy.Oss.Signing;

namespace LocalOss.Auth;

/// <summary>
/// Verifies V1 and V4 signatures (header and presigned URL) by rebuilding the string to sign with the
/// client library's own canonicalisation (<see cref="OssSignerV1"/>, <see cref="OssSignerV4"/>), so the
/// server and the client cannot drift apart. Each failure answers OSS's status, code and XML elements.
/// </summary>
internal sealed class RequestAuthenticator
{
    // V1 query keys that are never sub-resources: used when retrying with "every other key signed"
    // for SDKs that sign operation-specific extras (oss-protocol.md 3.2).
    private static readonly HashSet<string> NeverSigned = new(StringComparer.Ordinal)
    {
        "prefix", "delimiter", "marker", "max-keys", "encoding-type", "list-type", "start-after", "fetch-owner",
        "key-marker", "version-id-marker", "upload-id-marker", "part-number-marker", "max-parts", "max-uploads",
        "OSSAccessKeyId", "Expires", "Signature",
    };

    private readonly Dictionary<string, LocalOssAccount> _accounts;
    private readonly TimeSpan _maxSkew;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<(string Secret, string Day, string Region, string Product), byte[]> _keys = new();

    // Keys issued by LocalOss's STS: null for an unknown id, an OssError once expired.
    private readonly Func<string, LocalOssAccount?>? _temporaryAccounts;

    public RequestAuthenticator(IEnumerable<LocalOssAccount> accounts, TimeSpan maxSkew, TimeProvider time, Func<string, LocalOssAccount?>? temporaryAccounts = null)
    {
        _temporaryAccounts = temporaryAccounts;
        _accounts = accounts.ToDictionary(a => a.AccessKeyId, StringComparer.Ordinal);
        _maxSkew = maxSkew;
        _time = time;
    }

    public void Authenticate(OssRequest request)
    {
        var authorization = request.Header("Authorization");
        if (authorization is not null)
        {
            if (authorization.StartsWith(OssSignerV4.Algorithm + " ", StringComparison.Ordinal))
            {
                VerifyV4Header(request, authorization);
                return;
            }

            if (authorization.StartsWith("OSS ", StringComparison.Ordinal))
            {
                VerifyV1Header(request, authorization);
                return;
            }

            throw Errors.InvalidArgument("Authorization header is invalid.", "Authorization", authorization, "0002-00000007");
        }

        if (request.Has("x-oss-signature") || request.Q("x-oss-signature-version") is not null)
        {
            VerifyV4Query(request);
            return;
        }

        if (request.Has("Signature") || request.Has("OSSAccessKeyId"))
        {
            VerifyV1Query(request);
            return;
        }

        // No signature: an anonymous request, which the bucket's and object's ACLs may allow (OssService decides).
        request.Anonymous = true;
    }

    private void VerifyV1Header(OssRequest request, string authorization)
    {
        var credential = authorization[4..];
        var colon = credential.LastIndexOf(':');
        if (colon <= 0)
        {
            throw Errors.InvalidArgument("Authorization header is invalid.", "Authorization", authorization, "0002-00000007");
        }

        var accessKeyId = credential[..colon].Trim();
        var provided = credential[(colon + 1)..].Trim();
        var account = FindAccount(accessKeyId);
        CheckToken(account, request.Header("x-oss-security-token"));
        var context = BuildContext(request, account, request.Header("x-oss-security-token"), null, excludeQuery: null);
        var dateLine = OssSignerV1.DateLineOf(context.Headers);
        CheckSkew(ParseHttpDate(dateLine), dateLine);
        VerifyV1(request, context, dateLine, provided, accessKeyId);
        request.Account = account;
    }

    private void VerifyV1Query(OssRequest request)
    {
        var accessKeyId = request.Q("OSSAccessKeyId") ?? "";
        var provided = request.Q("Signature") ?? "";
        var expires = request.Q("Expires") ?? "";
        var account = FindAccount(accessKeyId);
        CheckToken(account, request.Q("security-token"));
        if (!long.TryParse(expires, NumberStyles.None, CultureInfo.InvariantCulture, out var expiresAt))
        {
            throw Errors.InvalidArgument("Expires is invalid.", "Expires", expires, "0002-00000068");
        }

        var now = _time.GetUtcNow();
        if (now.ToUnixTimeSeconds() > expiresAt)
        {
            throw new OssError(403, "AccessDenied", "Request has expired.", "0002-00000069",
                ("Expires", XmlOut.IsoTime(DateTimeOffset.FromUnixTimeSeconds(expiresAt))), ("ServerTime", XmlOut.IsoTime(now)));
        }

        var context = BuildContext(request, account, request.Q("security-token"), null, excludeQuery: null);
        VerifyV1(request, context, expires, provided, accessKeyId);
        request.Account = account;
    }

    private static void VerifyV1(OssRequest request, OssSigningContext context, string dateLine, string provided, string accessKeyId)
    {
        var stringToSign = OssSignerV1.BuildStringToSign(context, dateLine);
        var secret = context.Credentials.AccessKeySecret;
        if (FixedEquals(OssSignerV1.ComputeSignature(secret, stringToSign), provided))
        {
            return;
        }

        // Some SDK operations sign extra sub-resources (bucket-configuration keys, ali-oss's per-call subres)
        // beyond the fixed list: retry with every non-listing key signed, then with every key signed.
        var everyKey = request.Query.Select(q => q.Key).Where(k => k is not ("OSSAccessKeyId" or "Expires" or "Signature")).ToHashSet(StringComparer.Ordinal);
        foreach (var extra in new[] { everyKey.Where(k => !NeverSigned.Contains(k)).ToHashSet(StringComparer.Ordinal), everyKey })
        {
            var lenient = new OssSigningContext
            {
                Method = context.Method,
                Bucket = context.Bucket,
                Key = context.Key,
                Credentials = context.Credentials,
                ExtraSubResources = extra,
            };
            foreach (var header in context.Headers)
            {
                lenient.Headers[header.Key] = header.Value;
            }

            foreach (var pair in context.Query)
            {
                lenient.Query.Add(pair);
            }

            if (FixedEquals(OssSignerV1.ComputeSignature(secret, OssSignerV1.BuildStringToSign(lenient, dateLine)), provided))
            {
                return;
            }
        }

        throw SignatureMismatch(stringToSign, provided, accessKeyId, canonicalRequest: null);
    }

    private void VerifyV4Header(OssRequest request, string authorization)
    {
        string? credential = null, signature = null, additional = null;
        foreach (var part in authorization[(OssSignerV4.Algorithm.Length + 1)..].Split(','))
        {
            var item = part.Trim();
            var eq = item.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }

            var value = item[(eq + 1)..].Trim();
            switch (item[..eq].Trim())
            {
                case "Credential": credential = value; break;
                case "Signature": signature = value; break;
                case "AdditionalHeaders": additional = value; break;
            }
        }

        if (credential is null || signature is null)
        {
            throw Errors.InvalidArgument("Authorization header is invalid.", "Authorization", authorization, "0002-00000007");
        }

        var scope = ParseCredential(credential, out var accessKeyId);
        var account = FindAccount(accessKeyId);
        var token = request.Header("x-oss-security-token");
        CheckToken(account, token);
        var isoDate = request.Header("x-oss-date") ?? throw Errors.AccessDenied("The x-oss-date header is required for V4 signatures.", "0002-00000012");
        var time = ParseIsoDate(isoDate) ?? throw Errors.AccessDenied("The x-oss-date header is invalid.", "0002-00000013");
        CheckSkew(time, isoDate);
        CheckScopeDay(scope, isoDate);
        var context = BuildContext(request, account, token, scope.Region, excludeQuery: null);
        VerifyV4(request, context, isoDate, scope, additional, signature, accessKeyId);
        request.Account = account;
    }

    private void VerifyV4Query(OssRequest request)
    {
        var credential = request.Q("x-oss-credential") ?? throw Errors.AccessDenied("x-oss-credential is required.", "0002-00000012");
        var isoDate = request.Q("x-oss-date") ?? throw Errors.AccessDenied("x-oss-date is required.", "0002-00000012");
        var expiresText = request.Q("x-oss-expires") ?? "";
        var signature = request.Q("x-oss-signature") ?? "";
        var scope = ParseCredential(credential, out var accessKeyId);
        var account = FindAccount(accessKeyId);
        var token = request.Q("x-oss-security-token");
        CheckToken(account, token);
        var time = ParseIsoDate(isoDate) ?? throw Errors.AccessDenied("x-oss-date is invalid.", "0002-00000013");
        if (!long.TryParse(expiresText, NumberStyles.None, CultureInfo.InvariantCulture, out var expires) || expires is <= 0 or > 604800)
        {
            throw Errors.InvalidArgument("x-oss-expires must be between 1 and 604800 seconds.", "x-oss-expires", expiresText, "0002-00000068");
        }

        var now = _time.GetUtcNow();
        if (now > time.AddSeconds(expires))
        {
            throw new OssError(403, "AccessDenied", "Request has expired.", "0002-00000069",
                ("Expires", XmlOut.IsoTime(time.AddSeconds(expires))), ("ServerTime", XmlOut.IsoTime(now)));
        }

        CheckScopeDay(scope, isoDate);
        var context = BuildContext(request, account, token, scope.Region, excludeQuery: "x-oss-signature");
        VerifyV4(request, context, isoDate, scope, request.Q("x-oss-additional-headers"), signature, accessKeyId);
        request.Account = account;
    }

    private void VerifyV4(OssRequest request, OssSigningContext context, string isoDate, V4Scope scope, string? additional,
        string provided, string accessKeyId)
    {
        var requested = string.IsNullOrEmpty(additional) ? [] : additional.Split(';');
        var effective = OssSignerV4.EffectiveAdditionalHeaders(requested, context.Headers);
        var canonical = OssSignerV4.BuildCanonicalRequest(context, effective);
        var scopeText = OssSignerV4.BuildScope(scope.Day, scope.Region, scope.Product);
        var stringToSign = OssSignerV4.BuildStringToSign(isoDate, scopeText, canonical);
        var key = _keys.GetOrAdd((context.Credentials.AccessKeySecret, scope.Day, scope.Region, scope.Product),
            static k => OssSignerV4.DeriveSigningKey(k.Secret, k.Day, k.Region, k.Product));
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));
        if (!FixedEquals(expected, provided))
        {
            throw SignatureMismatch(stringToSign, provided, accessKeyId, canonical);
        }

        request.SigningRegion = scope.Region;
    }

    /// <summary>
    /// PostObject (a browser form upload) carries no Authorization: the form's fields sign its policy. V1
    /// (<c>OSSAccessKeyId</c>, <c>Signature</c>): Base64 HMAC-SHA1 of the Base64 policy, as ali-oss's
    /// calculatePostSignature computes it; V4 (<c>x-oss-signature-version</c>, <c>x-oss-credential</c>, <c>x-oss-date</c>,
    /// <c>x-oss-signature</c>): hex HMAC-SHA256 of the Base64 policy with the V4 signing key. Null: an unsigned form.
    /// </summary>
    public LocalOssAccount? VerifyPostForm(IReadOnlyDictionary<string, string> fields)
    {
        string Field(string name) => fields.TryGetValue(name, out var value) && value.Length > 0
            ? value
            : throw Errors.InvalidArgument($"The form field {name} is required.", name, "", "0002-00000301");

        if (fields.TryGetValue("x-oss-signature-version", out var version))
        {
            if (version != OssSignerV4.Algorithm)
            {
                throw Errors.InvalidArgument("The signature version is not supported.", "x-oss-signature-version", version, "0002-00000302");
            }

            var credential = Field("x-oss-credential");
            var isoDate = Field("x-oss-date");
            var provided = Field("x-oss-signature");
            var policy = Field("policy");
            var scope = ParseCredential(credential, out var keyId);
            var account = FindAccount(keyId);
            CheckToken(account, fields.GetValueOrDefault("x-oss-security-token"));
            CheckScopeDay(scope, isoDate);
            var key = _keys.GetOrAdd((account.AccessKeySecret, scope.Day, scope.Region, scope.Product),
                static k => OssSignerV4.DeriveSigningKey(k.Secret, k.Day, k.Region, k.Product));
            var expected = Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(policy)));
            return FixedEquals(expected, provided) ? account : throw SignatureMismatch(policy, provided, keyId, canonicalRequest: null);
        }

        if (fields.TryGetValue("OSSAccessKeyId", out var accessKeyId))
        {
            var account = FindAccount(accessKeyId);
            CheckToken(account, fields.GetValueOrDefault("x-oss-security-token"));
            var policy = Field("policy");
            var provided = Field("Signature");
            return FixedEquals(OssSignerV1.ComputeSignature(account.AccessKeySecret, policy), provided)
                ? account
                : throw SignatureMismatch(policy, provided, accessKeyId, canonicalRequest: null);
        }

        return null;
    }

    private static OssError SignatureMismatch(string stringToSign, string provided, string accessKeyId, string? canonicalRequest)
    {
        var extra = new List<(string, string)>
        {
            ("StringToSign", stringToSign),
            ("SignatureProvided", provided),
            ("StringToSignBytes", string.Join(' ', Encoding.UTF8.GetBytes(stringToSign).Select(b => b.ToString("x2", CultureInfo.InvariantCulture)))),
        };
        if (canonicalRequest is not null)
        {
            extra.Add(("CanonicalRequest", canonicalRequest));
        }

        extra.Add(("OSSAccessKeyId", accessKeyId));
        return new OssError(403, "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
            "0002-00000040", [.. extra]);
    }

    private LocalOssAccount FindAccount(string accessKeyId) =>
        _accounts.TryGetValue(accessKeyId, out var account)
            ? account
            : _temporaryAccounts?.Invoke(accessKeyId) ?? throw new OssError(403, "InvalidAccessKeyId", "The OSS Access Key Id you provided does not exist in our records.",
                "0002-00000002", ("OSSAccessKeyId", accessKeyId));

    private static void CheckToken(LocalOssAccount account, string? token)
    {
        if (account.SecurityTokens.Count == 0)
        {
            return;
        }

        // ECs per OSS's help pages: 0002-00000003 an STS key without its token, 0002-00000008 a token that is not the key's.
        if (string.IsNullOrEmpty(token))
        {
            throw new OssError(403, "InvalidSecurityToken", "The request uses an STS AccessKey ID but carries no security token.", "0002-00000003",
                ("OSSAccessKeyId", account.AccessKeyId));
        }

        if (!account.SecurityTokens.Contains(token, StringComparer.Ordinal))
        {
            throw new OssError(403, "InvalidSecurityToken", "The security token you provided is invalid.", "0002-00000008",
                ("OSSAccessKeyId", account.AccessKeyId));
        }
    }

    private void CheckSkew(DateTimeOffset? requestTime, string given)
    {
        var now = _time.GetUtcNow();
        if (requestTime is null)
        {
            throw Errors.AccessDenied("OSS authentication requires a valid Date.", "0002-00000013");
        }

        if ((now - requestTime.Value).Duration() > _maxSkew)
        {
            throw new OssError(403, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.",
                "0002-00000504",
                ("RequestTime", given),
                ("ServerTime", XmlOut.IsoTime(now)),
                ("MaxAllowedSkewMilliseconds", ((long)_maxSkew.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)));
        }
    }

    private static void CheckScopeDay(V4Scope scope, string isoDate)
    {
        if (!isoDate.StartsWith(scope.Day, StringComparison.Ordinal))
        {
            throw Errors.InvalidArgument("The date of the credential scope does not match x-oss-date.", "x-oss-credential", scope.Day, "0002-00000014");
        }
    }

    private static V4Scope ParseCredential(string credential, out string accessKeyId)
    {
        var parts = credential.Split('/');
        if (parts.Length != 5 || parts[4] != "aliyun_v4_request" || parts[1].Length != 8)
        {
            throw Errors.InvalidArgument("The credential of the V4 signature is invalid.", "Credential", credential, "0002-00000015");
        }

        accessKeyId = parts[0];
        return new V4Scope(parts[1], parts[2], parts[3]);
    }

    private static OssSigningContext BuildContext(OssRequest request, LocalOssAccount account, string? token, string? region, string? excludeQuery)
    {
        var context = new OssSigningContext
        {
            Method = request.Method,
            Bucket = request.Bucket,
            Key = request.Key,
            Credentials = new OssCredentials(account.AccessKeyId, account.AccessKeySecret, token),
            Region = region ?? "cn-hangzhou",
        };
        foreach (var header in request.Http.Request.Headers)
        {
            context.Headers[header.Key] = header.Value.ToString();
        }

        foreach (var pair in request.Query)
        {
            if (pair.Key != excludeQuery)
            {
                context.Query.Add(pair);
            }
        }

        return context;
    }

    internal static DateTimeOffset? ParseHttpDate(string value) =>
        DateTimeOffset.TryParseExact(value, "r", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AllowWhiteSpaces, out var t)
        || DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out t)
            ? t
            : null;

    private static DateTimeOffset? ParseIsoDate(string value) =>
        DateTimeOffset.TryParseExact(value, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t)
            ? t
            : null;

    private static bool FixedEquals(string expected, string provided) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(provided));

    private readonly record struct V4Scope(string Day, string Region, string Product);
}
