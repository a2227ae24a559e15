using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OssCopy.AzureStorage;
using OssCopy.Functions.Events;

namespace OssCopy.Functions.Copy;

public static class AsyncCopyServiceCollectionExtensions
{
    /// <summary>
    /// Queued copies and the state that must hold across instances, all in the storage account of
    /// <c>AddOssCopyAzureStorage</c> (<see cref="AzureStorageClients"/>, read on first use): the copies table and
    /// queue (<see cref="AsyncCopyRunner"/>), Idempotency-Keys (<see cref="TableIdempotencyStore"/>), handled events
    /// (<see cref="TableEventDeduplicator"/>) and event copies through the queue (<see cref="QueueEventCopyDispatcher"/>).
    /// Options from <c>Webhook</c> (<see cref="AsyncCopyOptions"/>), validated at start.
    /// </summary>
    public static IServiceCollection AddOssCopyAsyncCopies(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<AsyncCopyOptions>()
            .Bind(configuration.GetSection(AsyncCopyOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new AsyncCopyStorage(sp.GetRequiredService<AzureStorageClients>));
        services.TryAddSingleton<CopyStateStore>();
        services.TryAddSingleton<CopyRequestSender>();
        services.TryAddSingleton<AsyncCopyRunner>();
        services.TryAddSingleton<MultipartForecast>();
        services.TryAddSingleton<IIdempotencyStore, TableIdempotencyStore>();
        services.TryAddSingleton<IEventDeduplicator, TableEventDeduplicator>();
        services.TryAddSingleton<IEventCopyDispatcher, QueueEventCopyDispatcher>();
        return services;
    }
}
