using System.Text.Json;
using OssCopy.Functions.Tests.Support;

namespace OssCopy.Functions.Tests;

/// <summary>What the Functions host will read: the <c>functions.metadata</c> the worker SDK writes at build.</summary>
public sealed class FunctionsMetadataTests
{
    [Theory]
    [InlineData("Copy", "copy")]
    [InlineData("OssEvents", "events")]
    public void Each_http_function_is_a_function_key_post_on_its_route(string name, string route)
    {
        var path = Path.Combine(Repository.FunctionsOutput, "functions.metadata");
        using var metadata = JsonDocument.Parse(File.ReadAllText(path));

        var function = Assert.Single(metadata.RootElement.EnumerateArray(), f => f.GetProperty("name").GetString() == name);
        var trigger = Assert.Single(function.GetProperty("bindings").EnumerateArray(), b => b.GetProperty("direction").GetString() == "In");
        Assert.Equal("httpTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal(route, trigger.GetProperty("route").GetString());
        Assert.Equal("Function", trigger.GetProperty("authLevel").GetString());
        Assert.Equal(["post"], trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
        Assert.Contains(function.GetProperty("bindings").EnumerateArray(), b => b.GetProperty("type").GetString() == "http" && b.GetProperty("direction").GetString() == "Out");
    }

    [Fact]
    public void The_app_has_exactly_the_functions_of_this_part()
    {
        using var metadata = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repository.FunctionsOutput, "functions.metadata")));

        Assert.Equal(
            ["BackupCopyBatch", "BackupCopyBatchPoison", "BackupListStep", "BackupListStepPoison", "BackupSchedule", "Copy", "CopyRequests", "CopyRequestsPoison", "CopyStatus", "GetBackupRun", "ListBackups", "OssEvents", "StartBackupRun"],
            metadata.RootElement.EnumerateArray().Select(f => f.GetProperty("name").GetString()).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("StartBackupRun", "backups/{plan}/runs", "post")]
    [InlineData("ListBackups", "backups", "get")]
    [InlineData("GetBackupRun", "backups/{plan}/runs/{runId}", "get")]
    public void Each_backup_endpoint_is_a_function_key_http_trigger_on_its_route_and_method(string name, string route, string method)
    {
        var trigger = Trigger(name);

        Assert.Equal("httpTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal(route, trigger.GetProperty("route").GetString());
        Assert.Equal("Function", trigger.GetProperty("authLevel").GetString());
        Assert.Equal([method], trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
    }

    [Theory]
    [InlineData("BackupListStep", "osscopy-list")]
    [InlineData("BackupCopyBatch", "osscopy-copy")]
    [InlineData("BackupListStepPoison", "osscopy-list-poison")]
    [InlineData("BackupCopyBatchPoison", "osscopy-copy-poison")]
    public void Each_backup_queue_trigger_reads_the_distributed_runs_queue_on_the_app_storage_connection(string name, string queue)
    {
        var trigger = Trigger(name);
        var defaults = new AzureStorage.AzureStorageOptions();

        Assert.Equal("queueTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal(queue, trigger.GetProperty("queueName").GetString());
        Assert.Contains(queue, new[] { defaults.ListQueue, defaults.CopyQueue, defaults.ListPoisonQueue, defaults.CopyPoisonQueue });
        Assert.Equal("AzureWebJobsStorage", trigger.GetProperty("connection").GetString());
        Assert.Equal(defaults.Connection, trigger.GetProperty("connection").GetString());
        Assert.Equal("String", trigger.GetProperty("dataType").GetString());
    }

    [Fact]
    public void The_backup_timer_runs_on_the_BackupSchedule_setting()
    {
        var trigger = Trigger("BackupSchedule");

        Assert.Equal("timerTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal("%BackupSchedule%", trigger.GetProperty("schedule").GetString());
    }

    [Fact]
    public void Host_json_queue_settings_agree_with_the_distributed_run()
    {
        using var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repository.Root, "host.json")));
        var queues = host.RootElement.GetProperty("extensions").GetProperty("queues");
        var defaults = new AzureStorage.AzureStorageOptions();

        // The poison triggers see a message after exactly the dequeue count the run's own transport allows.
        Assert.Equal(defaults.MaxDequeueCount, queues.GetProperty("maxDequeueCount").GetInt32());
        Assert.Equal("base64", queues.GetProperty("messageEncoding").GetString());
        Assert.InRange(TimeSpan.Parse(queues.GetProperty("visibilityTimeout").GetString()!, System.Globalization.CultureInfo.InvariantCulture), TimeSpan.Zero, TimeSpan.FromMinutes(5));
        Assert.InRange(queues.GetProperty("batchSize").GetInt32(), 1, 32);
        Assert.True(TimeSpan.Parse(host.RootElement.GetProperty("functionTimeout").GetString()!, System.Globalization.CultureInfo.InvariantCulture) >= TimeSpan.FromMinutes(5));
    }

    private static JsonElement Trigger(string name)
    {
        using var metadata = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repository.FunctionsOutput, "functions.metadata")));
        var function = Assert.Single(metadata.RootElement.EnumerateArray(), f => f.GetProperty("name").GetString() == name);
        return Assert.Single(function.GetProperty("bindings").EnumerateArray(), b => b.GetProperty("direction").GetString() == "In").Clone();
    }

    [Fact]
    public void The_queued_copy_functions_are_a_function_key_get_and_two_queue_triggers_on_the_storage_connection()
    {
        using var metadata = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repository.FunctionsOutput, "functions.metadata")));
        JsonElement Trigger(string name) => Assert.Single(
            Assert.Single(metadata.RootElement.EnumerateArray(), f => f.GetProperty("name").GetString() == name).GetProperty("bindings").EnumerateArray(),
            b => b.GetProperty("direction").GetString() == "In");

        var status = Trigger("CopyStatus");
        Assert.Equal("httpTrigger", status.GetProperty("type").GetString());
        Assert.Equal("copy/{id}", status.GetProperty("route").GetString());
        Assert.Equal("Function", status.GetProperty("authLevel").GetString());
        Assert.Equal(["get"], status.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
        foreach (var (name, queue) in new[] { ("CopyRequests", "osscopy-copy-requests"), ("CopyRequestsPoison", "osscopy-copy-requests-poison") })
        {
            var trigger = Trigger(name);
            Assert.Equal("queueTrigger", trigger.GetProperty("type").GetString());
            Assert.Equal(queue, trigger.GetProperty("queueName").GetString());
            Assert.Equal("AzureWebJobsStorage", trigger.GetProperty("connection").GetString());
        }
    }

    [Fact]
    public void The_root_host_json_is_the_one_built_with_the_app()
    {
        var built = File.ReadAllText(Path.Combine(Repository.FunctionsOutput, "host.json"));
        var root = File.ReadAllText(Path.Combine(Repository.Root, "host.json"));
        Assert.Equal(root, built);

        using var host = JsonDocument.Parse(root);
        Assert.Equal("2.0", host.RootElement.GetProperty("version").GetString());
        var queues = host.RootElement.GetProperty("extensions").GetProperty("queues");
        Assert.True(queues.GetProperty("maxDequeueCount").GetInt32() > 1);
        Assert.True(queues.GetProperty("batchSize").GetInt32() >= 1);
    }

    [Fact]
    public void The_sample_settings_name_every_section_the_app_reads()
    {
        using var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repository.Root, "local.settings.sample.json")));
        var names = sample.RootElement.GetProperty("Values").EnumerateObject().Select(p => p.Name).ToList();

        Assert.Contains("UseDevelopmentStorage=true", sample.RootElement.GetProperty("Values").GetProperty("AzureWebJobsStorage").GetString(), StringComparison.Ordinal);
        Assert.Equal(LocalOss.LocalOssOptions.DefaultAccessKeyId, sample.RootElement.GetProperty("Values").GetProperty("OSS_ACCESS_KEY_ID").GetString());
        foreach (var setting in new[] { "Oss:Region", "Oss:Endpoint", "Oss:UsePathStyle", "Webhook:MaxBodyBytes", "Events:Routes:0:SourceBucket",
                     "Events:EventBridge:SharedSecret", "Events:Mns:AllowedCertificateHosts:0", "BackupSchedule", "OssCopy:Backups:Plans:demo:Json",
                     "OssCopy:Backups:Plans:demo:Schedule" })
        {
            Assert.Contains(setting, names);
        }
    }
}
