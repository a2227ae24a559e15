using OssCopy.Functions.ProcessTests.Host;
using OssCopy.Functions.ProcessTests.Support;

namespace OssCopy.Functions.ProcessTests;

/// <summary>A worker with a missing or bad setting stops at start with a non-zero exit code, and its output names the setting.</summary>
public sealed class StartupFailureTests
{
    private static readonly Uri NoOss = new("http://127.0.0.1:9/");

    /// <summary>The worker's settings with a storage connection that is well-formed (no request is made at start).</summary>
    private static Dictionary<string, string?> Settings()
    {
        var settings = WorkerAppFixture.Settings(NoOss);
        settings["AzureWebJobsStorage"] = "UseDevelopmentStorage=true";
        return settings;
    }

    /// <summary>Runs the worker under the test host with <paramref name="change"/> applied and returns its output once it has exited.</summary>
    private static async Task<string> FailedStartAsync(Action<Dictionary<string, string?>> change)
    {
        var settings = Settings();
        change(settings);
        await using var host = await FunctionsTestHost.StartAsync(Repository.FunctionsOutput, settings);

        var exitCode = await host.Worker.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(exitCode is not null, $"The worker kept running with a bad setting. {host.Describe()}");
        Assert.True(exitCode != 0, $"The worker exited with 0. {host.Describe()}");
        return host.Worker.Output;
    }

    [Fact]
    public async Task A_missing_region_stops_the_worker_with_a_non_zero_exit_naming_Oss_Region()
    {
        var output = await FailedStartAsync(s => s.Remove("Oss:Region"));

        Assert.Contains("Oss:Region", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_storage_connection_stops_the_worker_naming_AzureWebJobsStorage()
    {
        var output = await FailedStartAsync(s => s.Remove("AzureWebJobsStorage"));

        Assert.Contains("'AzureWebJobsStorage'", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invalid_body_limit_stops_the_worker_naming_Webhook_MaxBodyBytes()
    {
        var output = await FailedStartAsync(s => s["Webhook:MaxBodyBytes"] = "10");

        Assert.Contains("Webhook:MaxBodyBytes", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_shared_secret_is_named_but_not_printed()
    {
        var output = await FailedStartAsync(s => s["Events:EventBridge:SharedSecret"] = "tiny-secret");

        Assert.Contains("Events:EventBridge:SharedSecret", output, StringComparison.Ordinal);
        Assert.DoesNotContain("tiny-secret", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_worker_is_stopped_by_its_pid_when_the_host_ends()
    {
        var host = await FunctionsTestHost.StartAsync(Repository.FunctionsOutput, Settings());
        int processId;
        try
        {
            await host.InitializeAsync(Repository.FunctionsOutput);
            processId = host.Worker.ProcessId;
            Assert.False(host.Worker.HasExited);
        }
        finally
        {
            await host.DisposeAsync();
        }

        Assert.True(host.Worker.HasExited);
        // No process has that PID any more (GetProcessById throws for a PID that is not running).
        Assert.Throws<ArgumentException>(() => System.Diagnostics.Process.GetProcessById(processId));
    }
}
