namespace OssCopy.Oss.Credentials;

/// <summary>Supplies credentials for each request, so rotated or temporary credentials take effect without a restart.</summary>
public interface IOssCredentialsProvider
{
    ValueTask<OssCredentials> GetCredentialsAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Temporary credentials that OSS can refuse before their stated expiry (a clock ahead of ours, a revoked session):
/// the client reports a refused set once, and the next caller gets a freshly fetched one.
/// </summary>
public interface IRenewableCredentialsProvider : IOssCredentialsProvider
{
    /// <summary>Drops <paramref name="rejected"/> if it is still the cached set (a newer set is kept).</summary>
    void Expire(OssCredentials rejected);
}

/// <summary>Fixed credentials.</summary>
public sealed class StaticCredentialsProvider(OssCredentials credentials) : IOssCredentialsProvider
{
    private readonly OssCredentials _credentials = credentials ?? throw new ArgumentNullException(nameof(credentials));

    public ValueTask<OssCredentials> GetCredentialsAsync(CancellationToken cancellationToken) => ValueTask.FromResult(_credentials);
}
