using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OssCopy.Core.Backup;
using OssCopy.Core.Copying;
using OssCopy.Core.Tests.Support;

namespace OssCopy.Core.Tests.Copying;

public class ServiceRegistrationTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton(Fake.Strict().Object);
        services.AddOssCopyEngine(configuration);
        return services.BuildServiceProvider();
    }

    [Fact]
    public void The_engine_resolves_with_options_bound_from_configuration()
    {
        using var provider = Build(new() { ["CopyEngine:PartSize"] = "209715200", ["CopyEngine:Verification"] = "Crc", ["Backup:MaxParallelism"] = "32" });

        Assert.NotNull(provider.GetRequiredService<CopyOrchestrator>());
        Assert.NotNull(provider.GetRequiredService<BackupRunner>());
        Assert.Equal((209715200L, CopyVerification.Crc), (provider.GetRequiredService<IOptions<CopyEngineOptions>>().Value.PartSize, provider.GetRequiredService<IOptions<CopyEngineOptions>>().Value.Verification));
        Assert.Equal(32, provider.GetRequiredService<IOptions<BackupRunnerOptions>>().Value.MaxParallelism);
    }

    [Theory]
    [InlineData("CopyEngine:PartSize", "1000", "PartSize")]
    [InlineData("CopyEngine:MultipartThreshold", "6442450944", "MultipartThreshold")]
    [InlineData("Backup:MaxParallelism", "0", "MaxParallelism")]
    public void Bad_options_fail_at_start_naming_the_option(string key, string value, string name)
    {
        using var provider = Build(new() { [key] = value });

        var error = Assert.Throws<OptionsValidationException>(() =>
            provider.GetRequiredService<IOptions<CopyEngineOptions>>().Value.ToString() + provider.GetRequiredService<IOptions<BackupRunnerOptions>>().Value);
        Assert.Contains(name, error.Message, StringComparison.Ordinal);
    }
}
