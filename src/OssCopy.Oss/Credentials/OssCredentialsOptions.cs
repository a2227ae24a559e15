using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace OssCopy.Oss.Credentials;

/// <summary>Which credentials source the client uses (<c>Oss:Credentials:Mode</c>).</summary>
public enum OssCredentialsMode
{
    /// <summary>The first source whose settings are present, in the order of Alibaba's default chain (README "Credentials").</summary>
    Auto,

    /// <summary>An access key: <c>Oss:AccessKeyId</c>, else <c>OSS_ACCESS_KEY_ID</c>…, else <c>ALIBABA_CLOUD_ACCESS_KEY_ID</c>….</summary>
    Static,

    /// <summary>STS AssumeRoleWithOIDC with the token in <c>ALIBABA_CLOUD_OIDC_TOKEN_FILE</c>.</summary>
    OidcTokenFile,

    /// <summary>STS AssumeRoleWithOIDC with a token from the registered <see cref="IOidcTokenSource"/> (OssCopy.Identity: Azure managed identity).</summary>
    AzureIdentity,
}

/// <summary>
/// How the OSS client gets credentials. Bound from <c>Oss:Credentials</c>; each role setting falls back to the
/// Alibaba Cloud environment name (<see cref="AlibabaCloudEnvironment"/>) read from configuration.
/// </summary>
public sealed partial class OssCredentialsOptions
{
    public const string SectionName = "Oss:Credentials";

    public OssCredentialsMode Mode { get; set; } = OssCredentialsMode.Auto;

    /// <summary><c>acs:ram::{account}:role/{name}</c>; default <c>ALIBABA_CLOUD_ROLE_ARN</c>.</summary>
    public string? RoleArn { get; set; }

    /// <summary><c>acs:ram::{account}:oidc-provider/{name}</c>; default <c>ALIBABA_CLOUD_OIDC_PROVIDER_ARN</c>.</summary>
    public string? OidcProviderArn { get; set; }

    /// <summary>Path of the OIDC token file; default <c>ALIBABA_CLOUD_OIDC_TOKEN_FILE</c>.</summary>
    public string? OidcTokenFile { get; set; }

    /// <summary>Shown in RAM's audit as the session; default <c>ALIBABA_CLOUD_ROLE_SESSION_NAME</c>, else <c>osscopy-{machine}</c>.</summary>
    public string? RoleSessionName { get; set; }

    /// <summary>Lifetime asked of STS: 900 up to the role's maximum session duration (43200).</summary>
    public int DurationSeconds { get; set; } = 3600;

    /// <summary>An optional policy narrowing the role's permissions for these credentials.</summary>
    public string? Policy { get; set; }

    /// <summary>After a failed refresh with valid credentials in hand, the wait before the next attempt.</summary>
    public TimeSpan RefreshRetryDelay { get; set; } = TimeSpan.FromSeconds(15);

    internal const string RoleArnSetting = SectionName + ":RoleArn (or " + AlibabaCloudEnvironment.RoleArn + ")";
    internal const string OidcProviderArnSetting = SectionName + ":OidcProviderArn (or " + AlibabaCloudEnvironment.OidcProviderArn + ")";
    internal const string OidcTokenFileSetting = SectionName + ":OidcTokenFile (or " + AlibabaCloudEnvironment.OidcTokenFile + ")";

    /// <summary>Fills unset role settings from the Alibaba Cloud environment names in <paramref name="configuration"/>.</summary>
    public void ApplyEnvironment(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        RoleArn = Pick(RoleArn, configuration[AlibabaCloudEnvironment.RoleArn]);
        OidcProviderArn = Pick(OidcProviderArn, configuration[AlibabaCloudEnvironment.OidcProviderArn]);
        OidcTokenFile = Pick(OidcTokenFile, configuration[AlibabaCloudEnvironment.OidcTokenFile]);
        RoleSessionName = Pick(RoleSessionName, configuration[AlibabaCloudEnvironment.RoleSessionName]);

        static string? Pick(string? own, string? environment) =>
            !string.IsNullOrWhiteSpace(own) ? own.Trim() : string.IsNullOrWhiteSpace(environment) ? null : environment.Trim();
    }

    /// <summary>The session name used: the configured one, else <c>osscopy-{machine}</c> cut to STS's rules.</summary>
    public string EffectiveRoleSessionName()
    {
        if (!string.IsNullOrWhiteSpace(RoleSessionName))
        {
            return RoleSessionName;
        }

        var name = "osscopy-" + InvalidSessionCharacters().Replace(Environment.MachineName, "-");
        return name.Length > 64 ? name[..64] : name;
    }

    internal static bool IsValidSessionName(string name) => SessionNamePattern().IsMatch(name);

    // STS: 2 to 64 characters, letters, digits, and . @ - _
    [GeneratedRegex("^[A-Za-z0-9.@_-]{2,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex SessionNamePattern();

    [GeneratedRegex("[^A-Za-z0-9.@_-]", RegexOptions.CultureInvariant)]
    private static partial Regex InvalidSessionCharacters();
}
