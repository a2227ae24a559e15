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
}
