using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OssCopy.Core.Backup;
using OssCopy.Core.Copying;
using OssCopy.Core.State;

namespace OssCopy.Core;

public static class CoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers the engine over an already registered <c>IOssClient</c> (<c>AddOssClient</c>): options from
    /// <c>CopyEngine</c> and <c>Backup</c>, validated at start; <see cref="CopyOrchestrator"/> and <see cref="BackupRunner"/>.
    /// A host registers its own <see cref="ICopyStateStore"/> first (the functions: Azure Tables); otherwise runs do not resume.
    /// </summary>
    public static IServiceCollection AddOssCopyEngine(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<CopyEngineOptions>()
            .Bind(configuration.GetSection(CopyEngineOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<BackupRunnerOptions>()
            .Bind(configuration.GetSection(BackupRunnerOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ICopyStateStore>(NullCopyStateStore.Instance);
        services.TryAddSingleton<ThrottleSignal>();
        services.TryAddSingleton<CopyOrchestrator>();
        services.TryAddSingleton<BackupRunner>();
        return services;
    }

    /// <summary>
    /// Reports every throttled attempt of this OSS client to the registered <see cref="ThrottleSignal"/>, so running
    /// backups lower their concurrency even when the client's retries win in the end. Call it on the builder that
    /// <c>AddOssClient</c> returns: the handler is added last, under the retry handler, and sees every attempt.
    /// </summary>
    public static IHttpClientBuilder AddThrottleSignal(this IHttpClientBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton<ThrottleSignal>();
        return builder.AddHttpMessageHandler(sp => new ThrottleSignalHandler(sp.GetRequiredService<ThrottleSignal>()));
    }
}
