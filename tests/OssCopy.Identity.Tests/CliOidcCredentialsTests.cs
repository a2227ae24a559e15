using LocalOss;
using LocalOss.Sts;
using OssCopy.Cli;
using OssCopy.Oss;
using OssCopy.Oss.Credentials;
using OssCopy.Oss.Models;

namespace OssCopy.Identity.Tests;

/// <summary>
/// <c>osscopy</c> reads the same chain as the app: with only the ALIBABA_CLOUD_* role variables and a token file (a
/// pod's projected service-account token), it trades the token at STS and copies without any access key.
/// </summary>
public sealed class CliOidcCredentialsTests : IDisposable
{
    private readonly TestIssuer _issuer = new();
    private readonly CapturedLogs _logs = new();

    public void Dispose()
    {
        _issuer.Dispose();
        _logs.Dispose();
    }

    private Task<LocalOssServer> StartLocalOssAsync() => _issuer.StartLocalOssAsync(_logs);

    private static async Task<(int ExitCode, string Out, string Error)> RunCliAsync(IReadOnlyDictionary<string, string?> variables, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var writers = CliEnvironment.ForWriters(output, error);
        var env = new CliEnvironment { Out = output, Error = error, Console = writers.Console, GetVariable = name => variables.GetValueOrDefault(name) };
        var exit = await new CliApp(env).RunAsync(args, CancellationToken.None);
        return (exit, output.ToString(), error.ToString());
    }

    private static Dictionary<string, string?> RoleVariables(LocalOssServer server, string? tokenFile) => new()
    {
        [AlibabaCloudEnvironment.RoleArn] = TestIssuer.RoleArn,
        [AlibabaCloudEnvironment.OidcProviderArn] = TestIssuer.ProviderArn,
        [AlibabaCloudEnvironment.OidcTokenFile] = tokenFile,
        [AlibabaCloudEnvironment.StsEndpoint] = server.BaseAddress + "_sts",
    };

    [Fact]
    public async Task Osscopy_copy_runs_with_only_an_OIDC_token_file_and_prints_no_token()
    {
        await using var server = await StartLocalOssAsync();
        var admin = OssClient.Create(
            new OssClientOptions { Region = "cn-hangzhou", Endpoint = server.BaseAddress.ToString(), UsePathStyle = true },
            new StaticCredentialsProvider(new OssCredentials(LocalOssOptions.DefaultAccessKeyId, LocalOssOptions.DefaultAccessKeySecret)));
        await admin.PutBucketAsync(new PutBucketRequest { Bucket = "cli-oidc" });
        await admin.PutObjectAsync(new PutObjectRequest { Bucket = "cli-oidc", Key = "in.txt", Body = new MemoryStream("hello"u8.ToArray()) });
        var token = _issuer.Mint();
        server.Counters.Reset();

        var (exit, output, error) = await RunCliAsync(RoleVariables(server, _issuer.WriteTokenFile(token)),
            "copy", "--region", "cn-hangzhou", "--endpoint", server.BaseAddress.ToString(), "--path-style",
            "--bucket", "cli-oidc", "--key", "out.txt", "--source-bucket", "cli-oidc", "--source-key", "in.txt");

        Assert.True(exit == 0, output + error);
        Assert.Equal(1, server.Counters[LocalOssStsOptions.OperationName]);
        Assert.Equal(1, server.Counters["CopyObject"]);
        var copied = await admin.HeadObjectAsync(new HeadObjectRequest { Bucket = "cli-oidc", Key = "out.txt" });
        Assert.Equal(5, copied.Properties.ContentLength);
        Assert.DoesNotContain(token, output + error, StringComparison.Ordinal);
        _logs.AssertNoneContains(token);
    }

    [Fact]
    public async Task A_partial_role_set_exits_2_naming_what_is_missing_before_any_request()
    {
        await using var server = await StartLocalOssAsync();
        var variables = RoleVariables(server, tokenFile: null);
        server.Counters.Reset();

        var (exit, _, error) = await RunCliAsync(variables,
            "copy", "--region", "cn-hangzhou", "--endpoint", server.BaseAddress.ToString(), "--path-style",
            "--bucket", "b", "--key", "k", "--source-bucket", "b", "--source-key", "s");

        Assert.Equal(2, exit);
        Assert.Contains(AlibabaCloudEnvironment.OidcTokenFile, error, StringComparison.Ordinal);
        Assert.Empty(server.Counters.Snapshot());
    }
}
