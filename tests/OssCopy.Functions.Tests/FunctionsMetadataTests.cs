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

        Assert.Equal(["Copy", "CopyRequests", "CopyRequestsPoison", "CopyStatus", "OssEvents"], metadata.RootElement.EnumerateArray().Select(f => f.GetProperty("name").GetString()).Order(StringComparer.Ordinal));
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
                     "Events:EventBridge:SharedSecret", "Events:Mns:AllowedCertificateHosts:0" })
        {
            Assert.Contains(setting, names);
        }
    }
}
