namespace OssCopy.Oss.Credentials;

/// <summary>
/// Supplies an OIDC token (a JWT from an identity provider that Alibaba Cloud RAM trusts) to trade for temporary
/// OSS credentials with STS AssumeRoleWithOIDC. Implementations: <see cref="OidcTokenFileSource"/> (a projected
/// token file, as in Kubernetes RRSA), and OssCopy.Identity's Azure managed identity source. The token is a
/// secret: implementations never log it.
/// </summary>
public interface IOidcTokenSource
{
    /// <summary>A short name for logs and errors ("token file", "Azure identity").</summary>
    string Name { get; }

    ValueTask<string> GetTokenAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Reads the token from a file on every call: the platform that writes the file rotates the token there, as
/// <c>ALIBABA_CLOUD_OIDC_TOKEN_FILE</c> works in Alibaba's credentials libraries.
/// </summary>
public sealed class OidcTokenFileSource(string path) : IOidcTokenSource
{
    private readonly string _path = string.IsNullOrWhiteSpace(path) ? throw new ArgumentException("The token file path is empty.", nameof(path)) : path;

    public string Name => "token file";

    public async ValueTask<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        string token;
        try
        {
            token = await File.ReadAllTextAsync(_path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The message names the file, never its content.
            throw new InvalidOperationException($"The OIDC token file '{_path}' cannot be read: {ex.Message}", ex);
        }

        token = token.Trim();
        return token.Length > 0 ? token : throw new InvalidOperationException($"The OIDC token file '{_path}' is empty.");
    }
}
