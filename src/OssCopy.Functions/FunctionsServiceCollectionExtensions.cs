using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OssCopy.AzureStorage;
using OssCopy.Core;
using OssCopy.Functions.Backups;
using OssCopy.Functions.Configuration;
using OssCopy.Functions.Copy;
using OssCopy.Functions.Events;
using OssCopy.Identity;
using OssCopy.Oss;

namespace OssCopy.Functions;

public static class FunctionsServiceCollectionExtensions
{
    /// <summary>
    /// Everything the app is made of, for <c>Program.cs</c> and the tests alike: the ASP.NET Core integration,
    /// the error-mapping middleware and <see cref="AddOssCopyFunctions"/>.
    /// </summary>
    public static FunctionsApplicationBuilder ConfigureOssCopyFunctions(this FunctionsApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ConfigureFunctionsWebApplication();
        // OssCopy:KeyVaultUri: the OSS key from a vault the app reads itself (on Azure, Key Vault references do this).
        builder.Configuration.AddOssKeyVaultCredentials(builder.Configuration);
        builder.UseMiddleware<ErrorMappingMiddleware>();
        builder.Services.AddOssCopyFunctions(builder.Configuration);
        return builder;
    }

    /// <summary>
    /// Registers the engine (OSS client from <c>Oss</c>, engine from <c>CopyEngine</c>) and the app's own parts,
    /// binding and validating at start every setting the app reads: <c>Webhook</c>, <c>Events</c> (routes,
    /// EventBridge secret, MNS certificate hosts), <c>OssCopy:Backups</c> (plans) and <c>OssCopy:AzureStorage</c>
    /// (the distributed run's storage). Seams a host may register first: <see cref="IIdempotencyStore"/>,
    /// <see cref="IEventDeduplicator"/>, <see cref="IEventCopyDispatcher"/> (table- and queue-backed by default).
    /// </summary>
    public static IServiceCollection AddOssCopyFunctions(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        // The engine's composition root, as the CLI and the tests compose it.
        services.AddOssCopy(configuration);
        // An Azure identity's Entra token as the OIDC token for STS (Oss:Credentials:Mode AzureIdentity, or Auto with a
        // role and no token file): on Azure the app then holds no Alibaba secret. Unused under the other modes.
        services.AddOssAzureIdentity(configuration);
        services.AddOssCopyTelemetry(configuration);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OssClientOptions>, OssSettingsValidator>());

        services.AddOptions<WebhookOptions>()
            .Bind(configuration.GetSection(WebhookOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<EventOptions>()
            .Bind(configuration.GetSection(EventOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EventOptions>, EventOptionsValidator>());

        services.TryAddSingleton(TimeProvider.System);

        // Queued copies (202 webhook copies, OSS event copies) and durable Idempotency-Keys and event dedupe, in the
        // storage account of AzureWebJobsStorage (Copy/AsyncCopyServiceCollectionExtensions.cs).
        services.AddOssCopyAzureStorage(configuration);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AzureStorageOptions>, StorageConnectionValidator>());
        services.AddOssCopyAsyncCopies(configuration);

        services.TryAddSingleton<EventRouter>();
        services.TryAddSingleton<SharedSecretAuthenticator>();
        services.TryAddSingleton<MnsCertificateSource>();
        services.TryAddSingleton<MnsSignatureVerifier>();
        services.AddHttpClient(MnsCertificateSource.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(10))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });

        // --- Backups: the distributed run on Azure Storage (OssCopy:AzureStorage, registered above) and the plans this
        // app runs (OssCopy:Backups), both validated at start; the queue triggers' names must be the options'.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AzureStorageOptions>, TriggerQueuesValidator>());
        services.AddOptions<BackupOptions>()
            .Bind(configuration.GetSection(BackupOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BackupOptions>, BackupOptionsValidator>());
        services.TryAddSingleton<BackupPlanCatalog>();
        services.TryAddSingleton<BackupScheduler>();
        // --- end Backups
        return services;
    }
}
