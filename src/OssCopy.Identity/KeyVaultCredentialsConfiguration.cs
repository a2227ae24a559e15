using Azure;
using Azure.Core;
using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.Configuration;
using OssCopy.Oss.Credentials;

namespace OssCopy.Identity;

/// <summary>
/// The OSS access key read from Key Vault by the app itself (<c>OssCopy:KeyVaultUri</c>), for runs against a real vault
/// outside Azure's Key Vault references: secrets <c>OSS-ACCESS-KEY-ID</c>, <c>OSS-ACCESS-KEY-SECRET</c> and, if present,
/// <c>OSS-SESSION-TOKEN</c> become the settings <c>OSS_ACCESS_KEY_ID</c>, … that the credential chain reads on every
/// request. Reloaded every <c>OssCopy:KeyVaultReloadInterval</c> (30 min), so a rotated secret takes effect.
/// </summary>
public static class KeyVaultCredentialsConfiguration
{
    public const string VaultUriSetting = "OssCopy:KeyVaultUri";
    public const string ReloadIntervalSetting = "OssCopy:KeyVaultReloadInterval";

    /// <summary>Key Vault secret names (no underscores there) → the settings they become.</summary>
    public static readonly IReadOnlyList<(string Secret, string Setting, bool Required)> Secrets =
    [
        ("OSS-ACCESS-KEY-ID", EnvironmentCredentialsProvider.AccessKeyIdVariable, true),
        ("OSS-ACCESS-KEY-SECRET", EnvironmentCredentialsProvider.AccessKeySecretVariable, true),
        ("OSS-SESSION-TOKEN", EnvironmentCredentialsProvider.SessionTokenVariable, false),
    ];

    /// <summary>Adds the vault's OSS secrets when <c>OssCopy:KeyVaultUri</c> is set; a vault URI that is not https fails naming the setting.</summary>
    public static IConfigurationBuilder AddOssKeyVaultCredentials(this IConfigurationBuilder builder, IConfiguration settings, TokenCredential? credential = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(settings);
        var value = settings[VaultUriSetting];
        if (string.IsNullOrWhiteSpace(value))
        {
            return builder;
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var vault) || vault.Scheme != Uri.UriSchemeHttps)
        {
            throw new InvalidOperationException($"{VaultUriSetting} must be a vault's https URI (https://NAME.vault.azure.net/), not '{value}'.");
        }

        var reload = TimeSpan.TryParse(settings[ReloadIntervalSetting], System.Globalization.CultureInfo.InvariantCulture, out var interval) && interval > TimeSpan.Zero
            ? interval
            : TimeSpan.FromMinutes(30);
        var identity = new AzureIdentityOptions();
        settings.GetSection(AzureIdentityOptions.SectionName).Bind(identity);
        var client = new SecretClient(vault, credential ?? IdentityServiceCollectionExtensions.ChooseCredential(identity, settings));
        return builder.Add(new KeyVaultCredentialsSource(client, reload));
    }
}

/// <summary>The configuration source of <see cref="KeyVaultCredentialsConfiguration"/>.</summary>
public sealed class KeyVaultCredentialsSource(SecretClient client, TimeSpan reloadInterval) : IConfigurationSource
{
    public IConfigurationProvider Build(IConfigurationBuilder builder) => new KeyVaultCredentialsProvider(client, reloadInterval);
}

/// <summary>Loads the secrets at start (a missing required one stops the app, naming it and the vault) and reloads them.</summary>
public sealed class KeyVaultCredentialsProvider : ConfigurationProvider, IDisposable
{
    private readonly SecretClient _client;
    private readonly Timer? _timer;

    public KeyVaultCredentialsProvider(SecretClient client, TimeSpan reloadInterval)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _timer = reloadInterval == Timeout.InfiniteTimeSpan ? null : new Timer(_ => Reload(), null, reloadInterval, reloadInterval);
    }

    public override void Load() => Data = Fetch();

    private void Reload()
    {
        try
        {
            Data = Fetch();
            OnReload();
        }
        catch (Exception ex) when (ex is RequestFailedException or InvalidOperationException or Azure.Identity.AuthenticationFailedException)
        {
            // A vault that cannot be reached (or lost a secret) now keeps the secrets read last; the next tick tries again.
        }
    }

    private Dictionary<string, string?> Fetch()
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (secret, setting, required) in KeyVaultCredentialsConfiguration.Secrets)
        {
            try
            {
                data[setting] = _client.GetSecret(secret).Value.Value;
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                if (required)
                {
                    throw new InvalidOperationException($"{KeyVaultCredentialsConfiguration.VaultUriSetting}: the vault {_client.VaultUri} has no secret '{secret}' (for {setting}).", ex);
                }
            }
        }

        return data;
    }

    public void Dispose() => _timer?.Dispose();
}
