using Microsoft.Extensions.Logging;

namespace OssCopy.Oss.Credentials;

/// <summary>
/// Temporary OSS credentials for a RAM role, from STS AssumeRoleWithOIDC with a token from an
/// <see cref="IOidcTokenSource"/>; cached and refreshed ahead of expiry by <see cref="RefreshingCredentialsProvider"/>.
/// A fresh token is read for every exchange (tokens are short-lived and rotated by their issuer).
/// </summary>
public sealed class OidcRoleCredentialsProvider : IRenewableCredentialsProvider
{
    private readonly RefreshingCredentialsProvider _cache;

    public OidcRoleCredentialsProvider(IOidcTokenSource tokenSource, StsClient sts, OidcRoleSettings settings, TimeProvider time, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(tokenSource);
        ArgumentNullException.ThrowIfNull(sts);
        ArgumentNullException.ThrowIfNull(settings);
        _cache = new RefreshingCredentialsProvider($"STS AssumeRoleWithOIDC ({settings.RoleArn}, token from {tokenSource.Name})", async ct =>
        {
            var token = await tokenSource.GetTokenAsync(ct).ConfigureAwait(false);
            return await sts.AssumeRoleWithOidcAsync(new AssumeRoleWithOidcRequest(settings.RoleArn, settings.OidcProviderArn, token, settings.RoleSessionName)
            {
                DurationSeconds = settings.DurationSeconds,
                Policy = settings.Policy,
            }, ct).ConfigureAwait(false);
        }, time, logger)
        {
            RetryDelay = settings.RetryDelay,
        };
    }

    /// <summary>STS calls started so far.</summary>
    public int FetchCount => _cache.FetchCount;

    public ValueTask<OssCredentials> GetCredentialsAsync(CancellationToken cancellationToken) => _cache.GetCredentialsAsync(cancellationToken);

    public void Expire(OssCredentials rejected) => _cache.Expire(rejected);
}

/// <summary>The role to assume and how (resolved from <see cref="OssCredentialsOptions"/>).</summary>
public sealed record OidcRoleSettings(string RoleArn, string OidcProviderArn, string RoleSessionName)
{
    public int DurationSeconds { get; init; } = 3600;

    public string? Policy { get; init; }

    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(15);
}
