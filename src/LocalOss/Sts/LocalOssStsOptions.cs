namespace LocalOss.Sts;

/// <summary>
/// LocalOss's STS (<c>AssumeRoleWithOIDC</c> at <c>/_sts</c>, or any path under a Host <c>sts.*</c>): the OIDC identity
/// providers it trusts and the roles that may be assumed with their tokens.
/// </summary>
public sealed class LocalOssStsOptions
{
    /// <summary>The STS path on LocalOss's port: point <c>Oss:Sts:Endpoint</c> at <c>http://127.0.0.1:PORT/_sts</c>.</summary>
    public const string PathPrefix = "/_sts";

    /// <summary>The operation name STS requests count under in <see cref="LocalOssServer.Counters"/>.</summary>
    public const string OperationName = "AssumeRoleWithOIDC";

    public IList<LocalOssOidcProvider> OidcProviders { get; } = new List<LocalOssOidcProvider>();

    public IList<LocalOssRole> Roles { get; } = new List<LocalOssRole>();

    /// <summary>
    /// When set, every issued credential lives this long whatever DurationSeconds asks (STS's minimum is 900 s):
    /// tests shorten it to see expiry and refresh in seconds.
    /// </summary>
    public TimeSpan? CredentialLifetime { get; set; }

    /// <summary>Tolerance for the token's exp and nbf.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(1);

    internal IEnumerable<string> Problems()
    {
        foreach (var provider in OidcProviders)
        {
            if (string.IsNullOrWhiteSpace(provider.Arn) || string.IsNullOrWhiteSpace(provider.Issuer) || provider.Audiences.Count == 0)
            {
                yield return $"OIDC provider '{provider.Arn}' needs an Arn, an Issuer and at least one audience (client id).";
            }

            if (string.IsNullOrWhiteSpace(provider.JwksFile) == string.IsNullOrWhiteSpace(provider.JwksUrl))
            {
                yield return $"OIDC provider '{provider.Arn}' needs exactly one of JwksFile or JwksUrl.";
            }
            else if (provider.JwksUrl is { Length: > 0 } url && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !uri.IsLoopback))
            {
                yield return $"OIDC provider '{provider.Arn}': JwksUrl must be a loopback URL, not '{url}'.";
            }
        }

        foreach (var role in Roles)
        {
            if (string.IsNullOrWhiteSpace(role.Arn) || role.TrustedProviderArns.Count == 0)
            {
                yield return $"Role '{role.Arn}' needs an Arn and at least one trusted OIDC provider ARN.";
            }

            foreach (var trusted in role.TrustedProviderArns.Where(t => !OidcProviders.Any(p => p.Arn == t)))
            {
                yield return $"Role '{role.Arn}' trusts '{trusted}', which is not among the OIDC providers.";
            }

            if (role.MaxSessionDurationSeconds is < 900 or > 43200)
            {
                yield return $"Role '{role.Arn}': MaxSessionDurationSeconds must be between 900 and 43200.";
            }
        }

        if (CredentialLifetime is { } lifetime && lifetime <= TimeSpan.Zero)
        {
            yield return "Sts.CredentialLifetime must be positive.";
        }

        if (ClockSkew < TimeSpan.Zero)
        {
            yield return "Sts.ClockSkew cannot be negative.";
        }
    }
}

/// <summary>An OIDC identity provider registered in RAM: its ARN, the issuer (<c>iss</c>), the client ids (<c>aud</c>) and its keys.</summary>
public sealed class LocalOssOidcProvider
{
    /// <summary><c>acs:ram::{account}:oidc-provider/{name}</c>.</summary>
    public string Arn { get; set; } = "";

    public string Issuer { get; set; } = "";

    /// <summary>Accepted audiences (RAM calls them client ids).</summary>
    public IList<string> Audiences { get; } = new List<string>();

    /// <summary>A JWKS document on disk (<c>{"keys":[{"kty":"RSA","kid":…,"n":…,"e":…}]}</c>).</summary>
    public string? JwksFile { get; set; }

    /// <summary>A JWKS document served on loopback (re-read when a token names an unknown key).</summary>
    public string? JwksUrl { get; set; }
}

/// <summary>A RAM role that tokens of the trusted providers may assume.</summary>
public sealed class LocalOssRole
{
    /// <summary><c>acs:ram::{account}:role/{name}</c>.</summary>
    public string Arn { get; set; } = "";

    public IList<string> TrustedProviderArns { get; } = new List<string>();

    public int MaxSessionDurationSeconds { get; set; } = 3600;
}
