using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OssCopy.Oss.Credentials;

namespace OssCopy.Identity;

public static class IdentityServiceCollectionExtensions
{
    /// <summary>
    /// Registers an Azure identity as the <see cref="IOidcTokenSource"/> of OSS credentials (mode AzureIdentity, or
    /// Auto with a role and no token file): a managed identity in Azure — the user-assigned one named by
    /// <c>Oss:Credentials:AzureIdentity:ManagedIdentityClientId</c>, else the system-assigned one — and
    /// DefaultAzureCredential elsewhere (a developer's az login). <paramref name="credential"/> replaces that choice.
    /// </summary>
    public static IServiceCollection AddOssAzureIdentity(this IServiceCollection services, IConfiguration configuration, TokenCredential? credential = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<AzureIdentityOptions>()
            .Bind(configuration.GetSection(AzureIdentityOptions.SectionName))
            .Validate(o => !string.IsNullOrWhiteSpace(o.Scope), $"{AzureIdentityOptions.SectionName}:Scope must not be empty.")
            .ValidateOnStart();
        services.AddSingleton<IOidcTokenSource>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<AzureIdentityOptions>>().Value;
            return new AzureIdentityOidcTokenSource(credential ?? ChooseCredential(options, configuration), options.Scope);
        });
        return services;
    }

    internal static TokenCredential ChooseCredential(AzureIdentityOptions options, IConfiguration configuration)
    {
        if (!string.IsNullOrWhiteSpace(options.ManagedIdentityClientId))
        {
            return new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(options.ManagedIdentityClientId));
        }

        // App Service and Functions set IDENTITY_ENDPOINT for the managed identity endpoint.
        return string.IsNullOrEmpty(configuration["IDENTITY_ENDPOINT"])
            ? new DefaultAzureCredential()
            : new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned);
    }
}
