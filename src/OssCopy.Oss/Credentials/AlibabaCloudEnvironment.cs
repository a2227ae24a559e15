namespace OssCopy.Oss.Credentials;

/// <summary>
/// The environment variable names of Alibaba Cloud's credentials libraries (credentials-go, credentials-java,
/// alibabacloud-credentials for Python), read from configuration, so environment variables and app settings both work.
/// </summary>
public static class AlibabaCloudEnvironment
{
    public const string AccessKeyId = "ALIBABA_CLOUD_ACCESS_KEY_ID";
    public const string AccessKeySecret = "ALIBABA_CLOUD_ACCESS_KEY_SECRET";
    public const string SecurityToken = "ALIBABA_CLOUD_SECURITY_TOKEN";
    public const string RoleArn = "ALIBABA_CLOUD_ROLE_ARN";
    public const string OidcProviderArn = "ALIBABA_CLOUD_OIDC_PROVIDER_ARN";
    public const string OidcTokenFile = "ALIBABA_CLOUD_OIDC_TOKEN_FILE";
    public const string RoleSessionName = "ALIBABA_CLOUD_ROLE_SESSION_NAME";
    public const string StsRegion = "ALIBABA_CLOUD_STS_REGION";
    public const string StsEndpoint = "ALIBABA_CLOUD_STS_ENDPOINT";
}
