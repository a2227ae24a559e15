using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OssCopy.Oss;
using OssCopy.Oss.Credentials;

namespace OssCopy.Cli;

/// <summary>
/// The credential chain of the app, for the CLI: access keys (<c>OSS_*</c>, then <c>ALIBABA_CLOUD_*</c>), then an OIDC
/// token file exchanged with STS (<c>ALIBABA_CLOUD_ROLE_ARN</c>, <c>ALIBABA_CLOUD_OIDC_PROVIDER_ARN</c>,
/// <c>ALIBABA_CLOUD_OIDC_TOKEN_FILE</c>), as Alibaba's own tools read them. A pod with a projected service-account token
/// then runs <c>osscopy</c> without any access key. The CLI reads no configuration file: the chain sees exactly
/// these environment variables. Problems are returned, named, before any request.
/// </summary>
internal static class CliCredentials
{
    private static readonly string[] Variables =
    [
        EnvironmentCredentialsProvider.AccessKeyIdVariable, EnvironmentCredentialsProvider.AccessKeySecretVariable,
        EnvironmentCredentialsProvider.SessionTokenVariable, AlibabaCloudEnvironment.AccessKeyId, AlibabaCloudEnvironment.AccessKeySecret,
        AlibabaCloudEnvironment.SecurityToken, AlibabaCloudEnvironment.RoleArn, AlibabaCloudEnvironment.OidcProviderArn,
        AlibabaCloudEnvironment.OidcTokenFile, AlibabaCloudEnvironment.RoleSessionName, AlibabaCloudEnvironment.StsRegion,
        AlibabaCloudEnvironment.StsEndpoint,
    ];

    public static (IOssCredentialsProvider? Provider, IReadOnlyList<string> Problems) Resolve(Func<string, string?> getVariable, string region)
    {
        var settings = Variables
            .Select(name => KeyValuePair.Create(name, getVariable(name)))
            .Where(pair => !string.IsNullOrWhiteSpace(pair.Value))
            .Append(KeyValuePair.Create<string, string?>(OssClientOptions.SectionName + ":" + nameof(OssClientOptions.Region), region))
            .ToDictionary();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

        // The provider (and the STS client's HTTP handlers) live as long as the command: the container is not disposed.
        var services = new ServiceCollection().AddOssCredentials(configuration).BuildServiceProvider();
        try
        {
            var options = services.GetRequiredService<IOptions<OssCredentialsOptions>>().Value;
            var resolution = OssCredentialsResolution.Resolve(options, configuration, hasTokenSource: false);
            if (resolution.Source == OssCredentialsMode.Static && !settings.ContainsKey(EnvironmentCredentialsProvider.AccessKeyIdVariable)
                && !settings.ContainsKey(AlibabaCloudEnvironment.AccessKeyId))
            {
                return (null, [
                    $"credentials: set {EnvironmentCredentialsProvider.AccessKeyIdVariable} and {EnvironmentCredentialsProvider.AccessKeySecretVariable} " +
                    $"(and {EnvironmentCredentialsProvider.SessionTokenVariable} for STS credentials), or {AlibabaCloudEnvironment.RoleArn}, " +
                    $"{AlibabaCloudEnvironment.OidcProviderArn} and {AlibabaCloudEnvironment.OidcTokenFile} for an OIDC role.",
                ]);
            }

            var provider = services.GetRequiredService<IOssCredentialsProvider>();
            if (resolution.Source == OssCredentialsMode.Static)
            {
                // Access keys are read synchronously: a half-set pair (an id without its secret) is named now, not on the first request.
                _ = provider.GetCredentialsAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
            }

            return (provider, []);
        }
        catch (InvalidOperationException ex) when (ex.Message.StartsWith("OSS credentials are not configured", StringComparison.Ordinal))
        {
            return (null, ["credentials: " + ex.Message]);
        }
        catch (OptionsValidationException ex)
        {
            return (null, ex.Failures.Select(failure => "credentials: " + failure).ToList());
        }
    }
}
