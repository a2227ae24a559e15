using System.Text.Json.Nodes;

namespace OssCopy.Infra.Tests;

/// <summary>
/// The app settings infra/modules/functionapp.bicep gives the app in each credential mode, evaluated with the values
/// main.bicep passes: its own defaults where it has them (names, schedule, token scope), and sample deployment values
/// for what only Azure knows (endpoints, the identity's client id, the Key Vault secret URI) or the operator fills in.
/// </summary>
public static class DeployedSettings
{
    public const string IdentityClientId = "6b0c5f7e-2d1a-4b8e-9c3f-1a2b3c4d5e6f";
    public const string RoleArn = "acs:ram::1234567890123456:role/osscopy-backup";
    public const string OidcProviderArn = "acs:ram::1234567890123456:oidc-provider/entra-id";
    public const string BlobEndpoint = "https://stosscopyabc.blob.core.windows.net/";
    public const string SecretUri = "https://kv-osscopy-abc.vault.azure.net/secrets/oss-access-key-secret";

    /// <summary>What the platform gives the app for a Key Vault reference once resolved (a stand-in secret).</summary>
    public const string ResolvedSecretStandIn = "resolved-by-app-service-from-key-vault";

    public static CompiledTemplate FunctionApp => CompiledTemplate.Main.Module("functionApp");

    public static Dictionary<string, string> ModuleParameters(string mode)
    {
        var main = CompiledTemplate.Main;
        string MainDefault(string name) => main.DefaultValue(name) ?? throw new Xunit.Sdk.XunitException($"main.bicep parameter '{name}' has no default.");
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["storageBlobEndpoint"] = BlobEndpoint,
            ["storageQueueEndpoint"] = "https://stosscopyabc.queue.core.windows.net/",
            ["storageTableEndpoint"] = "https://stosscopyabc.table.core.windows.net/",
            ["identityClientId"] = IdentityClientId,
            ["applicationInsightsConnectionString"] = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/",
            ["ossCredentialMode"] = mode,
            ["ossRegion"] = "cn-hangzhou",
            ["ossEndpoint"] = MainDefault("ossEndpoint"),
            ["ossRoleArn"] = mode == "oidc" ? RoleArn : MainDefault("ossRoleArn"),
            ["ossOidcProviderArn"] = mode == "oidc" ? OidcProviderArn : MainDefault("ossOidcProviderArn"),
            ["ossTokenScope"] = MainDefault("ossTokenScope"),
            ["ossAccessKeyId"] = mode == "keyvault" ? "LTAI-sample-id" : MainDefault("ossAccessKeyId"),
            ["ossAccessKeySecretUri"] = mode == "keyvault" ? SecretUri : string.Empty,
            ["backupSchedule"] = MainDefault("backupSchedule"),
            ["listQueueName"] = MainDefault("listQueueName"),
            ["copyQueueName"] = MainDefault("copyQueueName"),
            ["runsTableName"] = MainDefault("runsTableName"),
            ["outcomesTableName"] = MainDefault("outcomesTableName"),
            ["reportsContainerName"] = MainDefault("reportsContainerName"),
            ["stateContainerName"] = MainDefault("stateContainerName"),
        };
    }

    /// <summary>The settings as deployed (union of the common and the mode's settings; no plans).</summary>
    public static Dictionary<string, string> For(string mode)
    {
        var template = FunctionApp;
        var modeSettings = mode switch
        {
            "oidc" => template.Variable("oidcSettings"),
            "keyvault" => template.Variable("keyVaultSettings"),
            _ => throw new ArgumentOutOfRangeException(nameof(mode)),
        };
        return TemplateExpression.Settings(ModuleParameters(mode), template.Variable("commonSettings"), modeSettings);
    }

    /// <summary>The settings resource's properties: the union the tests evaluate piece by piece.</summary>
    public static string SettingsExpression() =>
        FunctionApp.ResourcesOfType("Microsoft.Web/sites/config").Single()["properties"]!.ToString();

    public static JsonObject Site() => FunctionApp.ResourcesOfType("Microsoft.Web/sites").Single();
}
