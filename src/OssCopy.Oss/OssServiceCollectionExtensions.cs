using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OssCopy.Oss.Credentials;
using OssCopy.Oss.Http;

namespace OssCopy.Oss;

public static class OssServiceCollectionExtensions
{
    public const string HttpClientName = "OssCopy.Oss";

    /// <summary>
    /// Registers <see cref="IOssClient"/> as a typed client from <see cref="IHttpClientFactory"/>, with options
    /// bound from <c>Oss</c> and validated at start, credentials from configuration (the OSS_* names, which
    /// environment variables, app settings and Key Vault all feed), and retry → signing handlers.
    /// </summary>
    public static IHttpClientBuilder AddOssClient(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<OssClientOptions>()
            .Bind(configuration.GetSection(OssClientOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new OssClock(sp.GetRequiredService<TimeProvider>()));
        services.AddOssCredentials(configuration);
        services.TryAddTransient(sp => new OssSigningHandler(
            OssClient.CreateSigner(sp.GetRequiredService<IOptions<OssClientOptions>>().Value.SignatureVersion),
            sp.GetRequiredService<IOssCredentialsProvider>(),
            sp.GetRequiredService<OssClock>(),
            OssEndpoints.BareRegion(sp.GetRequiredService<IOptions<OssClientOptions>>().Value.Region)));

        var builder = services.AddHttpClient<IOssClient, OssClient>(HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(OssClient.CreatePrimaryHandler)
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            // The default logging handler sits between signing and the socket and re-formats the headers it reads
            // (Content-Type spacing), breaking the signature; the client logs each request itself.
            .RemoveAllLoggers();
        builder.AddResilienceHandler("oss-retry", (pipeline, context) =>
        {
            var options = context.ServiceProvider.GetRequiredService<IOptions<OssClientOptions>>().Value;
            OssRetryPipeline.Configure(pipeline, options, context.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(OssRetryPipeline)));
        });
        builder.AddHttpMessageHandler<OssSigningHandler>();
        return builder;
    }

    /// <summary>
    /// Meters every attempt of this OSS client (<see cref="OssClientMetrics.Attempts"/>, <see cref="OssClientMetrics.Throttled"/>)
    /// and reports each throttled one to the registered <see cref="ThrottleSignal"/>, so running backups lower their
    /// concurrency even when the client's retries win in the end. Call it on the builder that <c>AddOssClient</c>
    /// returns: the handler is added last, under the retry handler, and sees every attempt.
    /// </summary>
    public static IHttpClientBuilder AddThrottleSignal(this IHttpClientBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton<ThrottleSignal>();
        return builder.AddHttpMessageHandler(sp => new ThrottleSignalHandler(sp.GetRequiredService<ThrottleSignal>()));
    }

    /// <summary>
    /// Wraps the registered <see cref="IOssClient"/> (the typed client of <c>AddOssClient</c>, or any other) in a
    /// <see cref="CountingOssClient"/>, so every call is metered and counted for the run it belongs to
    /// (<see cref="OssRequestCounter"/>). Call it after the client is registered; a second call does nothing.
    /// </summary>
    public static IServiceCollection AddOssRequestCounting(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(CountingMarker)))
        {
            return services;
        }

        var index = -1;
        for (var i = services.Count - 1; i >= 0; i--)
        {
            if (services[i].ServiceType == typeof(IOssClient) && !services[i].IsKeyedService)
            {
                index = i;
                break;
            }
        }

        if (index < 0)
        {
            throw new InvalidOperationException("Register an IOssClient (AddOssClient) before AddOssRequestCounting.");
        }

        var inner = services[index];
        Func<IServiceProvider, object> create = inner.ImplementationInstance is { } instance ? _ => instance
            : inner.ImplementationFactory is { } factory ? factory
            : sp => ActivatorUtilities.CreateInstance(sp, inner.ImplementationType!);
        services[index] = new ServiceDescriptor(typeof(IOssClient), sp => new CountingOssClient((IOssClient)create(sp)), inner.Lifetime);
        services.AddSingleton<CountingMarker>();
        return services;
    }

    /// <summary>Marks a collection whose client is already counted.</summary>
    private sealed class CountingMarker;
}
