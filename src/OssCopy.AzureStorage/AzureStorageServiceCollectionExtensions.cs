using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OssCopy.AzureStorage.DistributedBackupRun;
using OssCopy.Core.State;

namespace OssCopy.AzureStorage;

public static class AzureStorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers the storage building blocks of the distributed run: options from <c>OssCopy:AzureStorage</c>
    /// (validated at start), the clients of the connection they name, <see cref="RunStore"/>,
    /// <see cref="OutcomeStore"/>, <see cref="BlobReportStore"/>, <see cref="BlobCopyStateStore"/> (also as
    /// <see cref="ICopyStateStore"/>) and keyed <see cref="QueueTransport"/>s "list" and "copy".
    /// </summary>
    public static IServiceCollection AddOssCopyAzureStorage(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<AzureStorageOptions>()
            .Bind(configuration.GetSection(AzureStorageOptions.SectionName))
            .Validate(o => { o.Validate(); return true; })
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => AzureStorageClients.FromConfiguration(configuration, sp.GetRequiredService<IOptions<AzureStorageOptions>>().Value.Connection));
        services.TryAddSingleton(sp => new RunStore(sp.GetRequiredService<AzureStorageClients>(), Options(sp), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new OutcomeStore(sp.GetRequiredService<AzureStorageClients>(), Options(sp)));
        services.TryAddSingleton(sp => new BlobReportStore(sp.GetRequiredService<AzureStorageClients>(), Options(sp)));
        services.TryAddSingleton(sp => new BlobCopyStateStore(sp.GetRequiredService<AzureStorageClients>(), Options(sp)));
        services.TryAddSingleton<ICopyStateStore>(sp => sp.GetRequiredService<BlobCopyStateStore>());
        services.AddKeyedSingleton(StorageQueues.List, (sp, _) => Queue(sp, Options(sp).ListQueue));
        services.AddKeyedSingleton(StorageQueues.Copy, (sp, _) => Queue(sp, Options(sp).CopyQueue));

        // The distributed run over them; its handlers need the engine (AddOssCopy) registered too.
        services.TryAddSingleton(sp => new RunSpecStore(sp.GetRequiredService<AzureStorageClients>(), Options(sp)));
        services.TryAddSingleton(sp => new ListStepResults(sp.GetRequiredService<AzureStorageClients>(), Options(sp)));
        services.TryAddSingleton<RunContexts>();
        services.TryAddSingleton<RunFinalizer>();
        services.TryAddSingleton<ListStepHandler>();
        services.TryAddSingleton<CopyBatchHandler>();
        services.TryAddSingleton<KeyRangeSplitter>();
        services.TryAddSingleton<DistributedRunStarter>();
        services.TryAddSingleton<DistributedWorker>();
        return services;
    }

    private static AzureStorageOptions Options(IServiceProvider services) => services.GetRequiredService<IOptions<AzureStorageOptions>>().Value;

    private static QueueTransport Queue(IServiceProvider services, string name) =>
        new(services.GetRequiredService<AzureStorageClients>(), name, Options(services).MaxDequeueCount, services.GetRequiredService<ILogger<QueueTransport>>())
        {
            ProcessingVisibility = Options(services).MessageVisibility,
        };
}

/// <summary>Service keys of the run's queues.</summary>
public static class StorageQueues
{
    public const string List = "list";
    public const string Copy = "copy";
}
