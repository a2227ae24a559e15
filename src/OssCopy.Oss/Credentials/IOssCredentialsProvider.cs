namespace OssCopy.Oss.Credentials;

/// <summary>Supplies credentials for each request, so rotated or temporary credentials take effect without a restart.</summary>
public interface IOssCredentialsProvider
{
    ValueTask<OssCredentials> GetCredentialsAsync(CancellationToken cancellationToken);
}

/// <summary>Fixed credentials.</summary>
public sealed class StaticCredentialsProvider(OssCredentials credentials) : IOssCredentialsProvider
{
    private readonly OssCredentials _credentials = credentials ?? throw new ArgumentNullException(nameof(credentials));

    public ValueTask<OssCredentials> GetCredentialsAsync(CancellationToken cancellationToken) => ValueTask.FromResult(_credentials);
}
