using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace OssCopy.Oss.Credentials;

public static partial class OssCredentialsServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IOssCredentialsProvider"/> as the source <c>Oss:Credentials</c> selects (see
    /// <see cref="OssCredentialsResolution.Resolve"/>), validated at start, and the STS client (<c>Oss:Sts</c>) through
    /// <see cref="IHttpClientFactory"/>. An <see cref="IOidcTokenSource"/> registered by the host (OssCopy.Identity)
    /// is used in mode AzureIdentity.
    /// </summary>
    public static IServiceCollection AddOssCredentials(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        if (services.Any(d => d.ServiceType == typeof(CredentialsRegistered)))
        {
            return services;
        }

        services.AddSingleton<CredentialsRegistered>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<OssCredentialsOptions>()
            .Bind(configuration.GetSection(OssCredentialsOptions.SectionName))
            .PostConfigure(o => o.ApplyEnvironment(configuration))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<OssCredentialsOptions>>(sp =>
            new OssCredentialsOptionsValidator(configuration, () => sp.GetService<IOidcTokenSource>() is not null));
        services.AddOptions<StsClientOptions>()
            .Bind(configuration.GetSection(StsClientOptions.SectionName))
            .PostConfigure(o =>
            {
                o.Endpoint ??= configuration[AlibabaCloudEnvironment.StsEndpoint];
                o.Region ??= configuration[AlibabaCloudEnvironment.StsRegion] ?? configuration[OssClientOptions.SectionName + ":" + nameof(OssClientOptions.Region)];
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<StsClientOptions>, StsClientOptionsValidator>();
        services.AddHttpClient(StsClient.HttpClientName);
        services.TryAddSingleton<StsClient>();
        services.TryAddSingleton<IOssCredentialsProvider>(sp => CreateProvider(sp, configuration));
        return services;
    }

    private static IOssCredentialsProvider CreateProvider(IServiceProvider services, IConfiguration configuration)
    {
        var options = services.GetRequiredService<IOptions<OssCredentialsOptions>>().Value;
        var tokenSource = services.GetService<IOidcTokenSource>();
        var resolution = OssCredentialsResolution.Resolve(options, configuration, tokenSource is not null);
        if (resolution.Problems.Count > 0)
        {
            throw new OptionsValidationException(OssCredentialsOptions.SectionName, typeof(OssCredentialsOptions), resolution.Problems);
        }

        var loggerFactory = services.GetService<ILoggerFactory>();
        var logger = loggerFactory?.CreateLogger(typeof(OssCredentialsServiceCollectionExtensions).Namespace!);
        if (logger is not null)
        {
            LogSource(logger, resolution.Source, options.Mode);
        }

        switch (resolution.Source)
        {
            case OssCredentialsMode.OidcTokenFile or OssCredentialsMode.AzureIdentity:
                var source = resolution.Source == OssCredentialsMode.OidcTokenFile ? new OidcTokenFileSource(options.OidcTokenFile!) : tokenSource!;
                var settings = new OidcRoleSettings(options.RoleArn!, options.OidcProviderArn!, options.EffectiveRoleSessionName())
                {
                    DurationSeconds = options.DurationSeconds,
                    Policy = options.Policy,
                    RetryDelay = options.RefreshRetryDelay,
                };
                return new OidcRoleCredentialsProvider(source, services.GetRequiredService<StsClient>(), settings, services.GetRequiredService<TimeProvider>(),
                    loggerFactory?.CreateLogger<RefreshingCredentialsProvider>());
            default:
                var client = services.GetRequiredService<IOptions<OssClientOptions>>().Value;
                return client.AccessKeyId is { Length: > 0 } id
                    ? new StaticCredentialsProvider(new OssCredentials(id, client.AccessKeySecret!, client.SecurityToken))
                    : new ConfigurationCredentialsProvider(configuration);
        }
    }

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "OSS credentials: {Source} (Oss:Credentials:Mode {Mode})")]
    private static partial void LogSource(ILogger logger, OssCredentialsMode source, OssCredentialsMode mode);

    // Marks the registration done, so a second AddOssClient/AddOssCredentials adds no second validator.
    private sealed class CredentialsRegistered;
}

/// <summary>The STS endpoint must resolve (https, or http on loopback; a well-formed region); the message names the setting.</summary>
internal sealed class StsClientOptionsValidator : IValidateOptions<StsClientOptions>
{
    public ValidateOptionsResult Validate(string? name, StsClientOptions options)
    {
        try
        {
            options.ResolveEndpoint();
            return options.Timeout > TimeSpan.Zero ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail("Oss:Sts:Timeout must be positive.");
        }
        catch (ArgumentException ex)
        {
            return ValidateOptionsResult.Fail(ex.Message);
        }
    }
}
