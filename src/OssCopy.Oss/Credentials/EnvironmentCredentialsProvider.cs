namespace OssCopy.Oss.Credentials;

/// <summary>
/// The official SDKs' environment variables: <c>OSS_ACCESS_KEY_ID</c>, <c>OSS_ACCESS_KEY_SECRET</c> and,
/// for STS credentials, <c>OSS_SESSION_TOKEN</c>. Read on every call, so a refreshed token is picked up.
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

    internal static OssCredentials CredentialsFrom(Func<string, string?> read, string what)
    {
        var id = read(AccessKeyIdVariable);
        var secret = read(AccessKeySecretVariable);
        if (string.IsNullOrWhiteSpace(id) || string.IsNullOrEmpty(secret))
        {
            var missing = string.IsNullOrWhiteSpace(id) ? AccessKeyIdVariable : AccessKeySecretVariable;
            throw new InvalidOperationException($"OSS credentials are not configured: the {what} {missing} is not set.");
        }

        return new OssCredentials(id, secret, read(SessionTokenVariable));
    }
}
