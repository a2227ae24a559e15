using Azure;
using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.Configuration;
using Moq;
using OssCopy.Oss.Credentials;

namespace OssCopy.Identity.Tests;

/// <summary><c>OssCopy:KeyVaultUri</c>: the vault's OSS secrets become the settings the credential chain reads.</summary>
public sealed class KeyVaultCredentialsTests
{
    private static readonly Uri Vault = new("https://kv-test.vault.azure.net/");

    private static Mock<SecretClient> Client(Dictionary<string, string> secrets)
    {
        var client = new Mock<SecretClient>(MockBehavior.Strict);
        client.SetupGet(c => c.VaultUri).Returns(Vault);
        client.Setup(c => c.GetSecret(It.IsAny<string>(), null, null, It.IsAny<CancellationToken>()))
            .Returns((string name, string? _, SecretContentType? _, CancellationToken _) => secrets.TryGetValue(name, out var value)
                ? Response.FromValue(new KeyVaultSecret(name, value), Mock.Of<Response>())
                : throw new RequestFailedException(404, $"A secret with (name/id) {name} was not found in this key vault.", "SecretNotFound", null));
        return client;
    }

    private static IConfigurationRoot Build(Mock<SecretClient> client) =>
        new ConfigurationBuilder().Add(new KeyVaultCredentialsSource(client.Object, Timeout.InfiniteTimeSpan)).Build();

    [Fact]
    public async Task The_vaults_secrets_become_the_access_key_settings_the_chain_reads()
    {
        var configuration = Build(Client(new() { ["OSS-ACCESS-KEY-ID"] = "LTAI5tFromVault", ["OSS-ACCESS-KEY-SECRET"] = "vault-secret" }));

        var credentials = await new ConfigurationCredentialsProvider(configuration).GetCredentialsAsync(default);

        Assert.Equal(("LTAI5tFromVault", "vault-secret", null), (credentials.AccessKeyId, credentials.AccessKeySecret, credentials.SecurityToken));
    }

    [Fact]
    public void A_missing_required_secret_stops_the_start_naming_it_and_the_vault_and_no_secret_value()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Build(Client(new() { ["OSS-ACCESS-KEY-ID"] = "LTAI5tFromVault" })));

        Assert.Contains("OSS-ACCESS-KEY-SECRET", error.Message, StringComparison.Ordinal);
        Assert.Contains(Vault.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Contains(KeyVaultCredentialsConfiguration.VaultUriSetting, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_vault_uri_that_is_not_https_is_refused_naming_the_setting()
    {
        var settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["OssCopy:KeyVaultUri"] = "http://kv.example/" }).Build();

        var error = Assert.Throws<InvalidOperationException>(() => new ConfigurationBuilder().AddOssKeyVaultCredentials(settings));

        Assert.Contains("OssCopy:KeyVaultUri", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_vault_uri_nothing_is_added()
    {
        var builder = new ConfigurationBuilder();

        builder.AddOssKeyVaultCredentials(new ConfigurationBuilder().Build());

        Assert.Empty(builder.Sources);
    }
}
