using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace OssCopy.Oss.Credentials;

/// <summary>Which source the configuration selects, or why it selects none (messages name the settings).</summary>
public sealed record OssCredentialsResolution(OssCredentialsMode Source, IReadOnlyList<string> Problems)
{
    /// <summary>
    /// The chain, in the order of Alibaba's default chain: static settings / environment access keys, then an OIDC
    /// token file, then a registered token source (Azure identity). The first whose settings are present wins; a
    /// partial role set is an error naming what is missing. With nothing configured, Static, which names
    /// <c>OSS_ACCESS_KEY_ID</c> on the first request (as before the chain existed).
    /// </summary>
    public static OssCredentialsResolution Resolve(OssCredentialsOptions options, IConfiguration configuration, bool hasTokenSource)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(configuration);
        var problems = new List<string>();
        var hasStatic = !string.IsNullOrWhiteSpace(configuration[OssClientOptions.SectionName + ":" + nameof(OssClientOptions.AccessKeyId)])
            || EnvironmentCredentialsProvider.AnyAccessKey(name => configuration[name]);
        var hasRole = options.RoleArn is not null || options.OidcProviderArn is not null;
        var source = options.Mode switch
        {
            OssCredentialsMode.Auto when hasStatic => OssCredentialsMode.Static,
            OssCredentialsMode.Auto when options.OidcTokenFile is not null => OssCredentialsMode.OidcTokenFile,
            OssCredentialsMode.Auto when hasRole => hasTokenSource ? OssCredentialsMode.AzureIdentity : OssCredentialsMode.OidcTokenFile,
            OssCredentialsMode.Auto => OssCredentialsMode.Static,
            var mode => mode,
        };

        switch (source)
        {
            case OssCredentialsMode.Static when options.Mode == OssCredentialsMode.Static && !hasStatic:
                problems.Add($"{OssCredentialsOptions.SectionName}:Mode is Static but no access key is set: set Oss:AccessKeyId and Oss:AccessKeySecret, " +
                             $"{EnvironmentCredentialsProvider.AccessKeyIdVariable} and {EnvironmentCredentialsProvider.AccessKeySecretVariable}, or " +
                             $"{AlibabaCloudEnvironment.AccessKeyId} and {AlibabaCloudEnvironment.AccessKeySecret}.");
                break;
            case OssCredentialsMode.OidcTokenFile:
                RequireRole(options, problems, withTokenFile: true);
                break;
            case OssCredentialsMode.AzureIdentity:
                if (!hasTokenSource)
                {
                    problems.Add($"{OssCredentialsOptions.SectionName}:Mode is AzureIdentity but no OIDC token source is registered (call AddOssAzureIdentity).");
                }

                RequireRole(options, problems, withTokenFile: false);
                break;
        }

        if (source is OssCredentialsMode.OidcTokenFile or OssCredentialsMode.AzureIdentity)
        {
            if (options.DurationSeconds is < 900 or > 43200)
            {
                problems.Add($"{OssCredentialsOptions.SectionName}:DurationSeconds must be between 900 and 43200, not {options.DurationSeconds}.");
            }

            if (!OssCredentialsOptions.IsValidSessionName(options.EffectiveRoleSessionName()))
            {
                problems.Add($"{OssCredentialsOptions.SectionName}:RoleSessionName (or {AlibabaCloudEnvironment.RoleSessionName}) must be 2 to 64 letters, digits, '.', '@', '-' or '_'.");
            }

            if (options.RefreshRetryDelay <= TimeSpan.Zero)
            {
                problems.Add($"{OssCredentialsOptions.SectionName}:RefreshRetryDelay must be positive.");
            }
        }

        return new OssCredentialsResolution(source, problems);
    }

    private static void RequireRole(OssCredentialsOptions options, List<string> problems, bool withTokenFile)
    {
        var missing = new List<string>();
        if (options.RoleArn is null)
        {
            missing.Add(OssCredentialsOptions.RoleArnSetting);
        }

        if (options.OidcProviderArn is null)
        {
            missing.Add(OssCredentialsOptions.OidcProviderArnSetting);
        }

        if (withTokenFile && options.OidcTokenFile is null)
        {
            missing.Add(OssCredentialsOptions.OidcTokenFileSetting);
        }

        if (missing.Count > 0)
        {
            problems.Add($"OIDC role credentials are partly configured; missing: {string.Join(", ", missing)}.");
        }
    }
}

/// <summary>Validates <see cref="OssCredentialsOptions"/> at start: the chain must select a complete source.</summary>
internal sealed class OssCredentialsOptionsValidator(IConfiguration configuration, Func<bool> hasTokenSource) : IValidateOptions<OssCredentialsOptions>
{
    public ValidateOptionsResult Validate(string? name, OssCredentialsOptions options)
    {
        var resolution = OssCredentialsResolution.Resolve(options, configuration, hasTokenSource());
        return resolution.Problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(resolution.Problems);
    }
}
