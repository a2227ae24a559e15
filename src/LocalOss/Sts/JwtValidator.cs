using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace LocalOss.Sts;

/// <summary>
/// Validates an OIDC token as STS does: a three-part JWS, RS256 only, signed by the provider's JWKS key named by
/// <c>kid</c>, <c>iss</c> the provider's issuer, <c>aud</c> one of its client ids, within <c>exp</c>/<c>nbf</c> (± skew).
/// </summary>
internal sealed class JwtValidator(TimeProvider time, TimeSpan skew)
{
    private static readonly HttpClient JwksHttp = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, RSAParameters>> _keys = new(StringComparer.Ordinal);

    /// <summary>The token's <c>sub</c> once valid.</summary>
    public async Task<string> ValidateAsync(string token, LocalOssOidcProvider provider, CancellationToken ct)
    {
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            throw StsError.TokenInvalid("The number of Jwt field should be divided into 3 parts with '.' .");
        }

        JsonElement header, claims;
        byte[] signature;
        try
        {
            header = JsonDocument.Parse(Base64Url(parts[0])).RootElement;
            claims = JsonDocument.Parse(Base64Url(parts[1])).RootElement;
            signature = Base64Url(parts[2]);
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            throw StsError.TokenInvalid("Cannot decode base64 encoded response(format invalided).");
        }

        if (header.ValueKind != JsonValueKind.Object || claims.ValueKind != JsonValueKind.Object)
        {
            throw StsError.TokenInvalid("The Jwt content is invalid that cannot be recognized.");
        }

        var alg = Text(header, "alg");
        if (alg != "RS256")
        {
            throw StsError.TokenInvalid($"The algorithm {alg} that be specified in Jwt header is unknown.");
        }

        var kid = Text(header, "kid") ?? "";
        var key = await FindKeyAsync(provider, kid, ct).ConfigureAwait(false);
        using (var rsa = RSA.Create(key))
        {
            var signed = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]);
            if (!rsa.VerifyData(signed, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
            {
                throw new StsError(401, "AuthenticationFail.OIDCToken.InvalidSignature", "OIDC token validate failed: invalid signature.");
            }
        }

        if (Text(claims, "iss") != provider.Issuer)
        {
            // The excerpt of STS's error list we saw does not show the issuer code; this one follows its naming.
            throw new StsError(401, "AuthenticationFail.OIDCToken.IssuerNotMatch", "Invalid issuer.");
        }

        var audiences = claims.TryGetProperty("aud", out var aud)
            ? aud.ValueKind == JsonValueKind.Array ? aud.EnumerateArray().Select(a => a.GetString()).ToList() : [aud.GetString()]
            : [];
        if (!audiences.Any(a => a is not null && provider.Audiences.Contains(a)))
        {
            throw new StsError(401, "AuthenticationFail.OIDCToken.AudienceNotMatch", "Invalid audience.");
        }

        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var slack = (long)skew.TotalSeconds;
        if (Seconds(claims, "exp") is not { } exp)
        {
            throw StsError.TokenInvalid("The Jwt content is invalid that cannot be recognized.");
        }

        if (now > exp + slack)
        {
            throw new StsError(401, "AuthenticationFail.OIDCToken.Expired", "This JsonWebToken is expired.");
        }

        if (Seconds(claims, "nbf") is { } nbf && now < nbf - slack)
        {
            throw StsError.TokenInvalid("This JsonWebToken is not valid yet (nbf).");
        }

        return Text(claims, "sub") ?? "";
    }

    private async Task<RSAParameters> FindKeyAsync(LocalOssOidcProvider provider, string kid, CancellationToken ct)
    {
        if (_keys.TryGetValue(provider.Arn, out var keys) && keys.TryGetValue(kid, out var key))
        {
            return key;
        }

        // First use, or a key the cache does not know: read the JWKS again (providers rotate keys).
        keys = await LoadJwksAsync(provider, ct).ConfigureAwait(false);
        _keys[provider.Arn] = keys;
        return keys.TryGetValue(kid, out key)
            ? key
            : throw new StsError(401, "AuthenticationFail.OIDCToken.InvalidSignature", "OIDC token validate failed: no key of the provider's JWKS matches the token's kid.");
    }

    private static async Task<IReadOnlyDictionary<string, RSAParameters>> LoadJwksAsync(LocalOssOidcProvider provider, CancellationToken ct)
    {
        string json;
        try
        {
            json = provider.JwksFile is { Length: > 0 } file
                ? await File.ReadAllTextAsync(file, ct).ConfigureAwait(false)
                : await JwksHttp.GetStringAsync(new Uri(provider.JwksUrl!), ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or UnauthorizedAccessException)
        {
            throw new StsError(401, "AuthenticationFail.OIDCToken.Invalid", $"The JWKS of the OIDC provider cannot be read: {ex.Message}");
        }

        var result = new Dictionary<string, RSAParameters>(StringComparer.Ordinal);
        using var document = JsonDocument.Parse(json);
        foreach (var jwk in document.RootElement.GetProperty("keys").EnumerateArray())
        {
            if (Text(jwk, "kty") == "RSA" && Text(jwk, "n") is { } n && Text(jwk, "e") is { } e)
            {
                result[Text(jwk, "kid") ?? ""] = new RSAParameters { Modulus = Base64Url(n), Exponent = Base64Url(e) };
            }
        }

        return result;
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static long? Seconds(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var seconds) ? seconds : null;

    internal static byte[] Base64Url(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        s = s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '=');
        return Convert.FromBase64String(s);
    }
}
