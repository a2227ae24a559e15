using Azure.Core;
using OssCopy.Oss.Credentials;

namespace OssCopy.Identity;

/// <summary>
/// An Entra ID access token for <see cref="AzureIdentityOptions.Scope"/> as the OIDC token that STS
/// AssumeRoleWithOIDC trades for temporary OSS credentials: RAM trusts Entra ID as an OIDC provider
/// (issuer <c>https://login.microsoftonline.com/{tenant}/v2.0</c>, client id = the audience). Azure.Identity
/// caches and renews the token itself; it is never logged.
/// </summary>
public sealed class AzureIdentityOidcTokenSource(TokenCredential credential, string scope) : IOidcTokenSource
{
    private readonly TokenCredential _credential = credential ?? throw new ArgumentNullException(nameof(credential));
    private readonly string _scope = string.IsNullOrWhiteSpace(scope) ? throw new ArgumentException("The scope is empty.", nameof(scope)) : scope;

    public string Name => "Azure identity";

    public async ValueTask<string> GetTokenAsync(CancellationToken cancellationToken) =>
        (await _credential.GetTokenAsync(new TokenRequestContext([_scope]), cancellationToken).ConfigureAwait(false)).Token;
}
