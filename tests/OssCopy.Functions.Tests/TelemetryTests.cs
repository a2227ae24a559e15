using System.Text.Json;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OssCopy.Functions.Copy;
using OssCopy.Functions.Tests.Support;
using OssCopy.Oss.Http;

namespace OssCopy.Functions.Tests;

[Collection(FunctionsAppGroup.Name)]
public sealed class TelemetryTests(FunctionsAppFixture app)
{
    [Fact]
    public async Task A_webhook_copy_is_exported_on_the_OSS_client_meter_a_user_can_chart()
    {
        var exported = new List<Metric>();
        var builder = FunctionsApplication.CreateBuilder([]);
        builder.Configuration.AddInMemoryCollection(app.Settings());
        builder.ConfigureOssCopyFunctions();
        // A second exporter on the app's own meter provider: what Application Insights would receive.
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddInMemoryExporter(exported));
        using var host = builder.Build();
        // The host is never started (the worker would dial the Functions host): resolving the provider starts it listening, as the hosted service would.
        var meters = host.Services.GetRequiredService<MeterProvider>();
        await app.PutAsync(FunctionsAppFixture.SourceBucket, "telemetry/a.txt", "charted");
        var body = JsonSerializer.Serialize(new
        {
            bucket = FunctionsAppFixture.DestinationBucket, key = "telemetry/a.txt",
            sourceBucket = FunctionsAppFixture.SourceBucket, sourceKey = "telemetry/a.txt",
        });
        var response = await FunctionsAppFixture.InvokeAsync<CopyFunction>(host, "/api/copy", System.Text.Encoding.UTF8.GetBytes(body),
            "application/json", null, (f, r) => f.RunAsync(r));
        Assert.Equal(200, response.Status);

        Assert.True(meters.ForceFlush());
        var requests = exported.Where(m => m.Name == OssClientMetrics.Requests).ToList();
        Assert.NotEmpty(requests);
        var operations = requests.SelectMany(PointTags).Where(t => t.Key == "oss.operation").Select(t => t.Value?.ToString()).ToHashSet();
        Assert.Contains("CopyObject", operations);
    }

    [Fact]
    public void The_app_exports_the_engine_and_client_meters_that_the_workbook_charts() =>
        Assert.Equal(["OssCopy", "OssCopy.Oss"], FunctionsTelemetry.MeterNames);

    [Fact]
    public void With_an_Application_Insights_connection_string_the_app_still_builds_and_validates()
    {
        var settings = app.Settings();
        settings[FunctionsTelemetry.ConnectionStringSetting] = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/";
        using var host = FunctionsAppFixture.BuildHost(settings);
        Assert.NotNull(host.Services.GetRequiredService<MeterProvider>());
    }

    private static IEnumerable<KeyValuePair<string, object?>> PointTags(Metric metric)
    {
        var tags = new List<KeyValuePair<string, object?>>();
        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            foreach (var tag in point.Tags)
            {
                tags.Add(tag);
            }
        }

        return tags;
    }
}
