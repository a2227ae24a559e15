using Microsoft.Extensions.Configuration;

namespace OssCopy.Oss.Credentials;

/// <summary>
/// Credentials from <see cref="IConfiguration"/>: the same names as the environment variables
/// (<c>OSS_ACCESS_KEY_ID</c>, …), so app settings, local.settings.json and Key Vault references all work.
/// Read on every call, so a reloaded configuration (a rotated Key Vault secret) takes effect.
/// </summary>
public sealed class ConfigurationCredentialsProvider(IConfiguration configuration) : IOssCredentialsProvider
{
    private readonly IConfiguration _configuration = configuration ?? throw new ArgumentNullException(nameof(configuration));

    public ValueTask<OssCredentials> GetCredentialsAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(EnvironmentCredentialsProvider.CredentialsFrom(name => _configuration[name], "setting"));
}
