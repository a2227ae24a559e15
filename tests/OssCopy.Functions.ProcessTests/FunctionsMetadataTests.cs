using System.Text.Json;
using OssCopy.Functions.ProcessTests.Support;

namespace OssCopy.Functions.ProcessTests;

/// <summary>What the worker process tells the host about itself at start-up.</summary>
[Collection(WorkerAppGroup.Name)]
public sealed class FunctionsMetadataTests(WorkerAppFixture app)
{
    [Fact]
    public void The_functions_the_worker_reports_are_the_builds_functions_metadata()
    {
        using var built = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repository.FunctionsOutput, "functions.metadata")));
        var expected = built.RootElement.EnumerateArray().Select(Describe).Order(StringComparer.Ordinal).ToList();

        var reported = app.Host.Functions
            .Select(f => Describe(JsonDocument.Parse(JsonSerializer.Serialize(new
            {
                name = f.Name,
                bindings = f.RawBindings.Select(raw => JsonDocument.Parse(raw).RootElement).ToArray(),
            })).RootElement))
            .Order(StringComparer.Ordinal).ToList();

        Assert.NotEmpty(expected);
        Assert.Equal(expected, reported);
    }

    [Fact]
    public void Every_function_is_loaded_with_an_entry_point_in_the_apps_assembly()
    {
        Assert.All(app.Host.Functions, f =>
        {
            Assert.False(string.IsNullOrEmpty(f.FunctionId));
            Assert.StartsWith("OssCopy.Functions.", f.EntryPoint, StringComparison.Ordinal);
            Assert.Equal("OssCopy.Functions.dll", Path.GetFileName(f.ScriptFile));
        });
    }

    [Fact]
    public void The_worker_announces_its_own_http_server_for_the_host_to_proxy_to()
    {
        var uri = app.Host.HttpUri;

        Assert.Equal(Uri.UriSchemeHttp, uri.Scheme);
        Assert.True(uri.IsLoopback, uri.ToString());
        Assert.NotEqual(0, uri.Port);
    }

    /// <summary>A function as name, trigger type, route, methods, auth level and the other bindings' types: what the host routes by.</summary>
    private static string Describe(JsonElement function)
    {
        var name = function.GetProperty("name").GetString();
        var bindings = function.GetProperty("bindings").EnumerateArray().Select(b =>
        {
            string Text(string property) => b.TryGetProperty(property, out var value) ? value.ValueKind == JsonValueKind.Array
                ? string.Join("|", value.EnumerateArray().Select(v => v.GetString()?.ToUpperInvariant())) : value.ToString() : "";
            return $"{Text("name")}:{Text("type")}:{Text("direction")}:{Text("route")}:{Text("methods")}:{Text("authLevel")}:{Text("queueName")}:{Text("schedule")}:{Text("connection")}";
        }).Order(StringComparer.Ordinal);
        return $"{name} [{string.Join(", ", bindings)}]";
    }
}
