using Microsoft.Extensions.Time.Testing;
using OssCopy.Oss.Credentials;
using OssCopy.Oss.Signing;

namespace OssCopy.Oss.Tests.Support;

public static class TestClients
{
    public const string AccessKeyId = "LTAI5tTestKeyId";
    public const string AccessKeySecret = "test-secret-must-never-leak";
    public const string SecurityToken = "sts-token-must-never-leak";

    public static readonly DateTimeOffset Now = new(2026, 11, 25, 8, 0, 0, TimeSpan.Zero);

    public static OssClient Create(
        RecordingHandler handler,
        OssSignatureVersion version = OssSignatureVersion.V4,
        string? endpoint = null,
        bool pathStyle = false,
        bool withToken = false,
        TimeProvider? time = null,
        int maxRetries = 3)
    {
        var options = new OssClientOptions
        {
            Region = "cn-hangzhou",
            Endpoint = endpoint,
            UsePathStyle = pathStyle,
            SignatureVersion = version,
            MaxRetries = maxRetries,
            RetryBaseDelay = TimeSpan.Zero,
        };
        return OssClient.Create(options, Credentials(withToken), handler, timeProvider: time ?? new FakeTimeProvider(Now));
    }

    public static StaticCredentialsProvider Credentials(bool withToken = false) =>
        new(new OssCredentials(AccessKeyId, AccessKeySecret, withToken ? SecurityToken : null));
}
