using System.Text.RegularExpressions;

namespace OssCopy.Infra.Tests;

/// <summary>No secret value is in the template: secrets are secure parameters, reach the app as Key Vault references, and no output carries one.</summary>
public sealed partial class SecretTests
{
    [Fact]
    public void Every_parameter_that_holds_a_secret_is_secure()
    {
        foreach (var template in CompiledTemplate.Main.All)
        {
            foreach (var (name, parameter) in template.Parameters)
            {
                if (SecretName().IsMatch(name))
                {
                    Assert.True((string?)parameter!["type"] == "securestring", $"Parameter '{name}' holds a secret but is not @secure().");
                    var defaultValue = parameter["defaultValue"]?.ToString();
                    Assert.True(string.IsNullOrEmpty(defaultValue), $"Secure parameter '{name}' has a default value.");
                }
            }
        }
    }

    [Fact]
    public void The_template_holds_no_literal_key_or_connection_string()
    {
        var strings = CompiledTemplate.Main.Strings().ToList();
        Assert.NotEmpty(strings);
        foreach (var (path, value) in strings)
        {
            Assert.False(AlibabaAccessKeyId().IsMatch(value), $"{path} holds what looks like an Alibaba Cloud AccessKey id.");
            Assert.DoesNotContain("AccountKey=", value, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("SharedAccessSignature", value, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("listKeys(", value, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("InstrumentationKey=", value, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void The_OSS_secret_reaches_the_app_only_as_a_Key_Vault_reference_resolved_by_the_app_identity()
    {
        var settings = DeployedSettings.For("keyvault");
        Assert.Equal($"@Microsoft.KeyVault(SecretUri={DeployedSettings.SecretUri})", settings["OSS_ACCESS_KEY_SECRET"]);
        Assert.Equal("[parameters('identityId')]", (string?)DeployedSettings.Site()["properties"]!["keyVaultReferenceIdentity"]);

        var keyVault = CompiledTemplate.Main.Module("keyVault");
        var secret = keyVault.ResourcesOfType("Microsoft.KeyVault/vaults/secrets").Single();
        Assert.Equal("[parameters('ossAccessKeySecret')]", (string?)secret["properties"]!["value"]);
        Assert.Equal("securestring", (string?)keyVault.Parameters["ossAccessKeySecret"]!["type"]);
        Assert.True((bool)keyVault.ResourcesOfType("Microsoft.KeyVault/vaults").Single()["properties"]!["enableRbacAuthorization"]!);

        // main.bicep hands its own secure parameter to the module, nothing else.
        var passed = CompiledTemplate.Main.Resources.Single(r => r.Name == "keyVault").Resource["properties"]!["parameters"]!["ossAccessKeySecret"]!["value"];
        Assert.Equal("[parameters('ossAccessKeySecret')]", (string?)passed);
        Assert.Equal("securestring", (string?)CompiledTemplate.Main.Parameters["ossAccessKeySecret"]!["type"]);
    }

    [Fact]
    public void The_Key_Vault_exists_only_in_keyvault_mode()
    {
        var keyVault = CompiledTemplate.Main.Resources.Single(r => r.Name == "keyVault").Resource;
        Assert.Equal("[variables('useKeyVault')]", (string?)keyVault["condition"]);
        Assert.Equal("[equals(parameters('ossCredentialMode'), 'keyvault')]", (string?)CompiledTemplate.Main.Variables["useKeyVault"]);
        Assert.Equal("oidc", CompiledTemplate.Main.DefaultValue("ossCredentialMode"));
    }

    [Fact]
    public void No_output_carries_a_secure_parameter()
    {
        foreach (var template in CompiledTemplate.Main.All)
        {
            var secure = template.Parameters.Where(p => (string?)p.Value!["type"] is "securestring" or "secureObject").Select(p => p.Key).ToList();
            foreach (var (name, output) in template.Outputs)
            {
                var value = output!["value"]?.ToString() ?? string.Empty;
                Assert.All(secure, s => Assert.DoesNotContain($"parameters('{s}')", value, StringComparison.Ordinal));
                Assert.DoesNotContain("listSecrets", value, StringComparison.OrdinalIgnoreCase);
                Assert.NotEqual("securestring", (string?)output["type"]);
                Assert.False(SecretName().IsMatch(name) && !name.EndsWith("Uri", StringComparison.Ordinal), $"Output '{name}' is named like a secret.");
            }
        }
    }

    [Fact]
    public void Storage_accepts_no_shared_key()
    {
        var account = CompiledTemplate.Main.Module("storage").ResourcesOfType("Microsoft.Storage/storageAccounts").Single();
        Assert.False((bool)account["properties"]!["allowSharedKeyAccess"]!);
        Assert.False((bool)account["properties"]!["allowBlobPublicAccess"]!);
    }

    // Names of parameters that would hold a secret; ids, URIs and names of secrets are not secrets.
    [GeneratedRegex("(Secret|Password|Key)$", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();

    // Alibaba Cloud AccessKey ids: LTAI followed by 12 to 30 letters and digits.
    [GeneratedRegex("LTAI[0-9A-Za-z]{12,30}")]
    private static partial Regex AlibabaAccessKeyId();
}
