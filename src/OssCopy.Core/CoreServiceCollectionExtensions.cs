using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OssCopy.Core.Backup;
using OssCopy.Core.Copying;
using OssCopy.Core.State;
using OssCopy.Oss;
using OssCopy.Oss.Http;

namespace OssCopy.Core;

public static class CoreServiceCollectionExtensions
{
    /// <summary>
    /// The composition root of every host (CLI, functions, tests): the OSS client from <c>Oss</c> (<c>AddOssClient</c>)
    /// with its attempts metered and throttling signalled to running plans, every call counted for its run, and the
    /// engine (<see cref="AddOssCopyEngine"/>). A host registers its own <see cref="ICopyStateStore"/> first (the
    /// functions: Azure Tables; the CLI: a folder); otherwise runs do not resume.
    /// </summary>
    public static IServiceCollection AddOssCopy(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOssClient(configuration).AddThrottleSignal();
        services.AddOssRequestCounting();
        return services.AddOssCopyEngine(configuration);
    }

    /// <summary>
    /// Registers the engine over an already registered <c>IOssClient</c> (<c>AddOssClient</c>, or a host's own): options
    /// from <c>CopyEngine</c> and <c>Backup</c>, validated at start; <see cref="CopyOrchestrator"/> (single copies verify at
    /// <c>CopyEngine:Verification</c>), <see cref="PlanObjectCopier"/> (plan copies verify as <see cref="VerificationPolicy"/>
    /// decides), <see cref="BackupRunner"/>, the <see cref="ThrottleSignal"/> the runner listens to, and a state store
    /// that keeps nothing unless the host registered one.
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
        services.TryAddSingleton(sp => new CopyOrchestrator(
            sp.GetRequiredService<IOssClient>(), sp.GetRequiredService<IOptions<CopyEngineOptions>>(), sp.GetService<ILogger<CopyOrchestrator>>()));
        services.TryAddSingleton(sp => new PlanObjectCopier(
            sp.GetRequiredService<CopyOrchestrator>(), sp.GetRequiredService<IOssClient>(), sp.GetRequiredService<ICopyStateStore>(),
            sp.GetRequiredService<IOptions<BackupRunnerOptions>>(), sp.GetService<ILogger<PlanObjectCopier>>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new BackupRunner(
            sp.GetRequiredService<IOssClient>(), sp.GetRequiredService<PlanObjectCopier>(), sp.GetRequiredService<IOptions<BackupRunnerOptions>>(),
            sp.GetService<ILoggerFactory>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ThrottleSignal>()));
        services.TryAddSingleton(sp => new ListingWindowDiff(
            sp.GetRequiredService<IOssClient>(), sp.GetRequiredService<IOptions<BackupRunnerOptions>>()));
        services.TryAddSingleton(sp => new CheckpointKeeper(sp.GetRequiredService<ICopyStateStore>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new SyncManifestKeeper(
            sp.GetRequiredService<ICopyStateStore>(), sp.GetRequiredService<IOptions<BackupRunnerOptions>>().Value, sp.GetRequiredService<TimeProvider>()));
        return services;
    }
}
