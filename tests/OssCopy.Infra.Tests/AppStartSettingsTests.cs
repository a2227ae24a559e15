using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OssCopy.AzureStorage;
using OssCopy.Functions;
using OssCopy.Identity;
using OssCopy.Oss;
using OssCopy.Oss.Credentials;

namespace OssCopy.Infra.Tests;

/// <summary>
/// The settings the template gives the app pass the app's own start-up validation: the options the Functions app,
/// the OSS client and credentials, the Azure identity token source and the Azure Storage building blocks bind and
/// validate on start. The required list is the app's, not a copy of it.
/// </summary>
public sealed partial class AppStartSettingsTests
{
    [Theory]
    [InlineData("oidc", OssCredentialsMode.AzureIdentity)]
    [InlineData("keyvault", OssCredentialsMode.Static)]
    public void The_app_starts_with_the_settings_the_template_sets(string mode, OssCredentialsMode expectedSource)
    {
        var configuration = AppConfiguration(DeployedSettings.For(mode));
        using var services = AppServices(configuration);

        services.GetRequiredService<IStartupValidator>().Validate();

        var credentials = services.GetRequiredService<IOptions<OssCredentialsOptions>>().Value;
        var resolution = OssCredentialsResolution.Resolve(credentials, configuration, hasTokenSource: true);
        Assert.Empty(resolution.Problems);
        Assert.Equal(expectedSource, resolution.Source);
        Assert.Equal("cn-hangzhou", services.GetRequiredService<IOptions<OssClientOptions>>().Value.Region);
    }

    [Fact]
    public void In_oidc_mode_the_token_comes_from_the_user_assigned_identity_and_no_access_key_is_set()
    {
        var settings = DeployedSettings.For("oidc");
        var configuration = AppConfiguration(settings);
        using var services = AppServices(configuration);

        var identity = services.GetRequiredService<IOptions<AzureIdentityOptions>>().Value;
        Assert.Equal(DeployedSettings.IdentityClientId, identity.ManagedIdentityClientId);
        Assert.Equal("api://AzureADTokenExchange/.default", identity.Scope);
        var credentials = services.GetRequiredService<IOptions<OssCredentialsOptions>>().Value;
        Assert.Equal(DeployedSettings.RoleArn, credentials.RoleArn);
        Assert.Equal(DeployedSettings.OidcProviderArn, credentials.OidcProviderArn);
        Assert.DoesNotContain(settings.Keys, k => k.Contains("ACCESS_KEY", StringComparison.OrdinalIgnoreCase) || k.Contains("AccessKey", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void A_template_that_left_out_the_role_would_fail_the_apps_start()
    {
        // The check above can fail: the same settings without the role ARN stop the app at start, naming the setting.
        var settings = DeployedSettings.For("oidc");
        Assert.True(settings.Remove("Oss__Credentials__RoleArn"));
        using var services = AppServices(AppConfiguration(settings));

        var error = Assert.ThrowsAny<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains("RoleArn", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_template_that_left_out_the_region_would_fail_the_apps_start()
    {
        var settings = DeployedSettings.For("keyvault");
        Assert.True(settings.Remove("Oss__Region"));
        using var services = AppServices(AppConfiguration(settings));

        var error = Assert.ThrowsAny<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains("Oss:Region", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("oidc")]
    [InlineData("keyvault")]
    public void The_storage_connection_is_identity_based_with_the_user_assigned_identity(string mode)
    {
        var settings = DeployedSettings.For(mode);
        var connection = new AzureStorageOptions().Connection;

        Assert.Equal("managedidentity", settings[$"{connection}__credential"]);
        Assert.Equal(DeployedSettings.IdentityClientId, settings[$"{connection}__clientId"]);
        Assert.DoesNotContain(settings.Keys, k => k == connection);
        var clients = AzureStorageClients.FromConfiguration(AppConfiguration(settings), connection);
        Assert.Equal(new Uri(DeployedSettings.BlobEndpoint), clients.Blobs.Uri);
        Assert.StartsWith("https://stosscopyabc.queue.", clients.Queues.Uri.ToString(), StringComparison.Ordinal);
        Assert.StartsWith("https://stosscopyabc.table.", clients.Tables.Uri.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_setting_a_function_binding_names_is_set()
    {
        // %Name% in a trigger or binding attribute is resolved from app settings, and a Connection names a storage
        // connection: the template must set them all, whichever functions the app has.
        var settings = DeployedSettings.For("oidc");
        var configuration = AppConfiguration(settings);
        Assert.Contains(FunctionAttributes(), a => a.Data.AttributeType.Name == "HttpTriggerAttribute");
        var named = FunctionBindingStrings().ToList();
        foreach (var (member, value) in named)
        {
            foreach (Match match in SettingReference().Matches(value))
            {
                Assert.True(configuration[match.Groups[1].Value] is { Length: > 0 }, $"{member} reads %{match.Groups[1].Value}%, which the template does not set.");
            }
        }

        foreach (var (member, connection) in FunctionBindingConnections())
        {
            Assert.True(configuration.GetSection(connection).GetChildren().Any() || configuration[connection] is { Length: > 0 },
                $"{member} uses the connection '{connection}', which the template does not set.");
        }
    }

    [Fact]
    public void Setting_names_are_valid_Linux_app_setting_names()
    {
        foreach (var mode in new[] { "oidc", "keyvault" })
        {
            foreach (var name in DeployedSettings.For(mode).Keys)
            {
                Assert.Matches("^[A-Za-z_][A-Za-z0-9_.]*$", name);
            }
        }
    }

    [Fact]
    public void The_settings_resource_is_the_union_of_common_mode_and_plan_settings()
    {
        var expression = DeployedSettings.SettingsExpression();
        Assert.Equal(
            "[union(variables('commonSettings'), if(equals(parameters('ossCredentialMode'), 'oidc'), variables('oidcSettings'), variables('keyVaultSettings')), parameters('planSettings'))]",
            expression);
    }

    /// <summary>What the app reads: the platform has resolved each Key Vault reference to the secret's value.</summary>
    private static IConfiguration AppConfiguration(IReadOnlyDictionary<string, string> settings)
    {
        var resolved = settings.ToDictionary(
            s => s.Key,
            s => s.Value.StartsWith("@Microsoft.KeyVault(", StringComparison.Ordinal) ? DeployedSettings.ResolvedSecretStandIn : s.Value,
            StringComparer.Ordinal);
        return new ConfigurationBuilder().AddInMemoryCollection(TemplateExpression.AsConfiguration(resolved)).Build();
    }

    /// <summary>The app's registrations as the deployed app makes them (AddOssCopyFunctions), with the identity token source and the storage blocks.</summary>
    private static ServiceProvider AppServices(IConfiguration configuration)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(configuration);
        services.AddOssAzureIdentity(configuration);
        services.AddOssCopyFunctions(configuration);
        services.AddOssCopyAzureStorage(configuration);
        return services.BuildServiceProvider();
    }

    private static IEnumerable<(string Member, string Value)> FunctionBindingStrings() =>
        from attribute in FunctionAttributes()
        from value in attribute.Data.ConstructorArguments.Select(a => a.Value).Concat(attribute.Data.NamedArguments.Select(a => a.TypedValue.Value))
        where value is string
        select (attribute.Member, (string)value!);

    private static IEnumerable<(string Member, string Connection)> FunctionBindingConnections() =>
        from attribute in FunctionAttributes()
        from named in attribute.Data.NamedArguments
        where named.MemberName == "Connection" && named.TypedValue.Value is string { Length: > 0 }
        select (attribute.Member, (string)named.TypedValue.Value!);

    private static IEnumerable<(string Member, CustomAttributeData Data)> FunctionAttributes()
    {
        var assembly = typeof(FunctionsServiceCollectionExtensions).Assembly;
        foreach (var type in assembly.GetTypes())
        {
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            {
                var member = $"{type.Name}.{method.Name}";
                foreach (var data in method.GetCustomAttributesData().Concat(method.GetParameters().SelectMany(p => p.GetCustomAttributesData())))
                {
                    if (data.AttributeType.Namespace?.StartsWith("Microsoft.Azure.Functions.Worker", StringComparison.Ordinal) == true)
                    {
                        yield return (member, data);
                    }
                }
            }
        }
    }

    [GeneratedRegex("%([^%]+)%")]
    private static partial Regex SettingReference();
}
