using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OssCopy.Core.Backup;
using OssCopy.Core.State;

namespace OssCopy.AzureStorage.Tests;

[Collection(AzuriteTests.Name)]
public sealed class CompositionTests(AzuriteFixture azurite)
{
    private static ServiceProvider Build(IEnumerable<KeyValuePair<string, string?>> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        services.AddOssCopyAzureStorage(configuration);
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task The_services_resolve_from_configuration_and_work_against_Azurite()
    {
        var names = TestNames.UniqueOptions();
        using var provider = Build(new Dictionary<string, string?>
        {
            ["Storage"] = azurite.ConnectionString,
            ["OssCopy:AzureStorage:Connection"] = "Storage",
            ["OssCopy:AzureStorage:CopyQueue"] = names.CopyQueue,
            ["OssCopy:AzureStorage:RunsTable"] = names.RunsTable,
            ["OssCopy:AzureStorage:StateContainer"] = names.StateContainer,
        });

        var copy = provider.GetRequiredKeyedService<QueueTransport>(StorageQueues.Copy);
        var runs = provider.GetRequiredService<RunStore>();
        var state = provider.GetRequiredService<ICopyStateStore>();
        await copy.CreateIfNotExistsAsync(CancellationToken.None);
        await runs.CreateIfNotExistsAsync(CancellationToken.None);
        await provider.GetRequiredService<BlobCopyStateStore>().CreateIfNotExistsAsync(CancellationToken.None);

        Assert.Equal(names.CopyQueue, copy.Name);
        Assert.Equal(RunStartOutcome.Started, (await runs.StartAsync("p", "fp", CancellationToken.None)).Outcome);
        await state.SaveCheckpointAsync("p", new BackupCheckpoint("r", "fp", null, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, new ReportTotals()), CancellationToken.None);
        Assert.Equal("r", (await state.LoadCheckpointAsync("p", CancellationToken.None))?.RunId);
    }

    [Fact]
    public void Bad_options_fail_when_first_read_naming_the_setting()
    {
        using var provider = Build(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            ["OssCopy:AzureStorage:RunsTable"] = "runs-with-hyphens",
        });

        var error = Assert.ThrowsAny<Exception>(() => provider.GetRequiredService<IOptions<AzureStorageOptions>>().Value);

        Assert.Contains("OssCopy:AzureStorage:RunsTable", error.ToString(), StringComparison.Ordinal);
    }
}
