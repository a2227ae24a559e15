using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OssCopy.Core;
using OssCopy.Core.Backup;
using OssCopy.Core.Copying;
using OssCopy.Core.State;
using OssCopy.Oss;

namespace OssCopy.Bench;

/// <summary>The engine as the hosts compose it (<c>AddOssCopyEngine</c> over the given client, requests counted), so the bench measures what runs.</summary>
internal static class BenchEngine
{
    public static BackupRunner Runner(IOssClient client, ICopyStateStore? store = null, Action<BackupRunnerOptions>? backup = null, Action<CopyEngineOptions>? engine = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton(client);
        services.AddOssRequestCounting();
        services.AddSingleton(store ?? NullCopyStateStore.Instance);
        services.AddOssCopyEngine(new ConfigurationBuilder().Build());
        services.Configure<CopyEngineOptions>(o => engine?.Invoke(o));
        services.Configure<BackupRunnerOptions>(o => backup?.Invoke(o));
        return services.BuildServiceProvider().GetRequiredService<BackupRunner>();
    }
}
