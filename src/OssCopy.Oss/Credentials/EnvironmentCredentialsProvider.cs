namespace OssCopy.Oss.Credentials;

/// <summary>
/// The official SDKs' environment variables: <c>OSS_ACCESS_KEY_ID</c>, <c>OSS_ACCESS_KEY_SECRET</c> and,
/// for STS credentials, <c>OSS_SESSION_TOKEN</c>; when <c>OSS_ACCESS_KEY_ID</c> is not set, the Alibaba Cloud
/// credentials libraries' names (<c>ALIBABA_CLOUD_ACCESS_KEY_ID</c>, <c>ALIBABA_CLOUD_ACCESS_KEY_SECRET</c>,
/// <c>ALIBABA_CLOUD_SECURITY_TOKEN</c>). Read on every call, so a refreshed token is picked up.
/// </summary>
public sealed class EnvironmentCredentialsProvider : IOssCredentialsProvider
{
    public const string AccessKeyIdVariable = "OSS_ACCESS_KEY_ID";
    public const string AccessKeySecretVariable = "OSS_ACCESS_KEY_SECRET";
    public const string SessionTokenVariable = "OSS_SESSION_TOKEN";

    private readonly Func<string, string?> _read;

    public EnvironmentCredentialsProvider()
        : this(Environment.GetEnvironmentVariable)
    {
    }

    internal EnvironmentCredentialsProvider(Func<string, string?> read) => _read = read;

    public ValueTask<OssCredentials> GetCredentialsAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(CredentialsFrom(_read, "environment variable"));

    /// <summary>Whether either family of access key names is set (the chain's test for "static credentials present").</summary>
    internal static bool AnyAccessKey(Func<string, string?> read) =>
        !string.IsNullOrWhiteSpace(read(AccessKeyIdVariable)) || !string.IsNullOrWhiteSpace(read(AlibabaCloudEnvironment.AccessKeyId));

    internal static OssCredentials CredentialsFrom(Func<string, string?> read, string what)
    {
        // One family at a time: an OSS_ id never pairs with an ALIBABA_CLOUD_ secret.
        var (idName, secretName, tokenName) = string.IsNullOrWhiteSpace(read(AccessKeyIdVariable)) && !string.IsNullOrWhiteSpace(read(AlibabaCloudEnvironment.AccessKeyId))
            ? (AlibabaCloudEnvironment.AccessKeyId, AlibabaCloudEnvironment.AccessKeySecret, AlibabaCloudEnvironment.SecurityToken)
            : (AccessKeyIdVariable, AccessKeySecretVariable, SessionTokenVariable);
        var id = read(idName);
        var secret = read(secretName);
        if (string.IsNullOrWhiteSpace(id) || string.IsNullOrEmpty(secret))
        {
            var missing = string.IsNullOrWhiteSpace(id) ? idName : secretName;
            throw new InvalidOperationException($"OSS credentials are not configured: the {what} {missing} is not set.");
        }

        return new OssCredentials(id, secret, read(tokenName));
    }
}
