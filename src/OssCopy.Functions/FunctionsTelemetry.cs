using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OssCopy.Core;
using OssCopy.Oss.Http;

namespace OssCopy.Functions;

/// <summary>
/// OpenTelemetry for the app: the worker's defaults (invocation traces, the host's correlation), the engine's and the
/// OSS client's meters (copies, bytes, failures, throttled requests, run durations — what the deployed workbook charts),
/// exported to Application Insights when <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set, and to nothing otherwise.
/// </summary>
public static class FunctionsTelemetry
{
    public const string ConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary>The meters the app exports, by name.</summary>
    public static IReadOnlyList<string> MeterNames { get; } = [OssCopyMetrics.MeterName, OssClientMetrics.MeterName];

    public static IServiceCollection AddOssCopyTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var telemetry = services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics.AddMeter([.. MeterNames]));
        telemetry.UseFunctionsWorkerDefaults();
        if (configuration[ConnectionStringSetting] is { Length: > 0 } connectionString)
        {
            telemetry.UseAzureMonitorExporter(options => options.ConnectionString = connectionString);
        }

        return services;
    }
}
