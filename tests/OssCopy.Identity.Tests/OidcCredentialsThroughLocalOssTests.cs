using System.Security.Cryptography;
using Azure.Core;
using LocalOss;
using LocalOss.Sts;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OssCopy.Core;
using Microsoft.Extensions.Options;
using OssCopy.Core.Backup;
using OssCopy.Oss;
using OssCopy.Oss.Credentials;
using OssCopy.Oss.Models;

namespace OssCopy.Identity.Tests;

/// <summary>
/// The client holds no long-lived key: it trades an OIDC token (minted by <see cref="TestIssuer"/>) for temporary
/// credentials at LocalOss's STS and signs every OSS request with them.
/// </summary>
public sealed class OidcCredentialsThroughLocalOssTests : IDisposable
{
    private readonly TestIssuer _issuer = new();
    private readonly CapturedLogs _logs = new();

    public void Dispose()
    {
        _issuer.Dispose();
        _logs.Dispose();
    }

    private Task<LocalOssServer> StartLocalOssAsync(TimeSpan? credentialLifetime = null) => _issuer.StartLocalOssAsync(_logs, credentialLifetime);

    /// <summary>A host's container with only OIDC settings (the ALIBABA_CLOUD_* names, as environment variables give them).</summary>
    private ServiceProvider Services(LocalOssServer server, string? tokenFile, Action<IServiceCollection, IConfiguration>? configure = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["Oss:Region"] = "cn-hangzhou",
            ["Oss:Endpoint"] = server.BaseAddress.ToString(),
            ["Oss:UsePathStyle"] = "true",
            ["Oss:MaxRetries"] = "2",
            ["Oss:RetryBaseDelay"] = "00:00:00.005",
            ["Oss:Sts:Endpoint"] = server.BaseAddress + "_sts",
            ["ALIBABA_CLOUD_ROLE_ARN"] = TestIssuer.RoleArn,
            ["ALIBABA_CLOUD_OIDC_PROVIDER_ARN"] = TestIssuer.ProviderArn,
            ["ALIBABA_CLOUD_OIDC_TOKEN_FILE"] = tokenFile,
            ["ALIBABA_CLOUD_ROLE_SESSION_NAME"] = "osscopy-test",
        };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection().AddLogging(b => b.AddProvider(_logs).SetMinimumLevel(LogLevel.Trace)).AddSingleton<IConfiguration>(configuration);
        services.AddOssClient(configuration);
        configure?.Invoke(services, configuration);
        var provider = services.BuildServiceProvider();
        provider.GetRequiredService<IStartupValidator>().Validate();
        return provider;
    }

    private static OssClient AdminClient(LocalOssServer server) => OssClient.Create(
        new OssClientOptions { Region = "cn-hangzhou", Endpoint = server.BaseAddress.ToString(), UsePathStyle = true },
        new StaticCredentialsProvider(new OssCredentials(LocalOssOptions.DefaultAccessKeyId, LocalOssOptions.DefaultAccessKeySecret)));

    [Fact]
    public async Task A_backup_plan_runs_with_only_OIDC_credentials_and_no_secret_or_token_reaches_a_log_line()
    {
        await using var server = await StartLocalOssAsync();
        var admin = AdminClient(server);
        await admin.PutBucketAsync(new PutBucketRequest { Bucket = "oidc-src" });
        await admin.PutBucketAsync(new PutBucketRequest { Bucket = "oidc-dst" });
        for (var i = 0; i < 40; i++)
        {
            await admin.PutObjectAsync(new PutObjectRequest { Bucket = "oidc-src", Key = $"data/{i:D3}.bin", Body = new MemoryStream(RandomNumberGenerator.GetBytes(100 + i)) });
        }

        var token = _issuer.Mint();
        server.Counters.Reset();
        // The engine as every host composes it, over the OIDC-only client.
        await using var services = Services(server, _issuer.WriteTokenFile(token), (s, c) => s.AddOssCopyEngine(c)
            .Configure<BackupRunnerOptions>(o => { o.ThrottleBackoff = TimeSpan.FromMilliseconds(10); o.CheckpointInterval = TimeSpan.FromMilliseconds(50); }));
        var runner = services.GetRequiredService<BackupRunner>();

        var report = await runner.RunAsync(new BackupPlan
        {
            Name = "oidc",
            Source = new BucketLocation { Bucket = "oidc-src", Prefix = "data/" },
            Destination = new BucketLocation { Bucket = "oidc-dst", Prefix = "backup/" },
        });

        Assert.Equal((40L, 40L, 0L), (report.Totals.Listed, report.Totals.Copied, report.Totals.Failed));
        Assert.Equal(1, server.Counters[LocalOssStsOptions.OperationName]);
        var credentials = await services.GetRequiredService<IOssCredentialsProvider>().GetCredentialsAsync(default);
        Assert.StartsWith("STS.", credentials.AccessKeyId, StringComparison.Ordinal);
        Assert.NotNull(credentials.SecurityToken);
        Assert.Contains(_logs.Lines, l => l.Contains("Obtained temporary OSS credentials " + credentials.AccessKeyId, StringComparison.Ordinal));
        _logs.AssertNoneContains(token, credentials.AccessKeySecret, credentials.SecurityToken!);
    }

    public static TheoryData<string, string> RefusedTokens => new()
    {
        { "audience", "AuthenticationFail.OIDCToken.AudienceNotMatch" },
        { "issuer", "AuthenticationFail.OIDCToken.IssuerNotMatch" },
        { "signature", "AuthenticationFail.OIDCToken.InvalidSignature" },
        { "expired", "AuthenticationFail.OIDCToken.Expired" },
        { "not-yet-valid", "AuthenticationFail.OIDCToken.Invalid" },
        { "algorithm", "AuthenticationFail.OIDCToken.Invalid" },
    };

    [Theory]
    [MemberData(nameof(RefusedTokens))]
    public async Task A_token_with_a_wrong_claim_or_signature_is_refused_with_STS_code_and_no_OSS_request_is_made(string flaw, string code)
    {
        await using var server = await StartLocalOssAsync();
        using var otherKey = RSA.Create(2048);
        var token = flaw switch
        {
            "audience" => _issuer.Mint(audience: "api://someone-else"),
            "issuer" => _issuer.Mint(issuer: "https://evil.test/v2.0"),
            "signature" => _issuer.Mint(signWith: otherKey),
            "expired" => _issuer.Mint(lifetime: TimeSpan.FromMinutes(-5)),
            "not-yet-valid" => _issuer.Mint(notBeforeIn: TimeSpan.FromMinutes(10)),
            _ => _issuer.Mint(alg: "HS256"),
        };
        await using var services = Services(server, _issuer.WriteTokenFile(token));
        var client = services.GetRequiredService<IOssClient>();

        var error = await Assert.ThrowsAsync<StsException>(() => client.GetBucketLocationAsync("any-bucket"));

        Assert.Equal(code, error.ErrorCode);
        Assert.NotNull(error.RequestId);
        Assert.Contains(error.RequestId!, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(token, error.ToString(), StringComparison.Ordinal);
        Assert.Equal([LocalOssStsOptions.OperationName], server.Counters.Snapshot().Keys);
        _logs.AssertNoneContains(token);
    }

    [Fact]
    public async Task Expired_temporary_credentials_are_refused_with_SecurityTokenExpired_and_a_missing_token_with_InvalidSecurityToken()
    {
        await using var server = await StartLocalOssAsync(credentialLifetime: TimeSpan.FromSeconds(2));
        await using var services = Services(server, _issuer.WriteTokenFile(_issuer.Mint()));
        var issued = await services.GetRequiredService<StsClient>().AssumeRoleWithOidcAsync(
            new AssumeRoleWithOidcRequest(TestIssuer.RoleArn, TestIssuer.ProviderArn, _issuer.Mint(), "direct"), default);
        OssClient ClientWith(OssCredentials c) => OssClient.Create(
            new OssClientOptions { Region = "cn-hangzhou", Endpoint = server.BaseAddress.ToString(), UsePathStyle = true, MaxRetries = 0 },
            new StaticCredentialsProvider(c));

        await ClientWith(issued).PutBucketAsync(new PutBucketRequest { Bucket = "sts-made" });
        var withoutToken = await Assert.ThrowsAsync<OssException>(() => ClientWith(new OssCredentials(issued.AccessKeyId, issued.AccessKeySecret)).GetBucketLocationAsync("sts-made"));
        Assert.Equal((403, "InvalidSecurityToken"), (withoutToken.StatusCode, withoutToken.ErrorCode));

        var wait = issued.Expiration!.Value - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(200);
        await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero);
        var expired = await Assert.ThrowsAsync<OssException>(() => ClientWith(issued).GetBucketLocationAsync("sts-made"));

        Assert.Equal((403, "SecurityTokenExpired", "0002-00000007"), (expired.StatusCode, expired.ErrorCode, expired.Ec));
    }

    [Fact]
    public async Task Credentials_OSS_refuses_before_our_clock_says_they_expire_are_renewed_once_and_the_request_succeeds()
    {
        await using var server = await StartLocalOssAsync(credentialLifetime: TimeSpan.FromSeconds(5));
        await AdminClient(server).PutBucketAsync(new PutBucketRequest { Bucket = "renewed" });
        // Our clock stands still: by it the credentials never near expiry, so only OSS's refusal can renew them.
        var frozen = new FrozenTime(DateTimeOffset.UtcNow);
        await using var services = Services(server, _issuer.WriteTokenFile(_issuer.Mint()), (s, _) => s.AddSingleton<TimeProvider>(frozen));
        var client = services.GetRequiredService<IOssClient>();
        await client.PutObjectAsync(new PutObjectRequest { Bucket = "renewed", Key = "before", Body = new MemoryStream([1]) });
        var first = await services.GetRequiredService<IOssCredentialsProvider>().GetCredentialsAsync(default);

        // Past the 5 s lifetime; the renewed set (5 s again) has room for a retry on a loaded machine.
        await Task.Delay(TimeSpan.FromSeconds(5.5));
        await client.PutObjectAsync(new PutObjectRequest { Bucket = "renewed", Key = "after", Body = new MemoryStream([2]) });

        var second = await services.GetRequiredService<IOssCredentialsProvider>().GetCredentialsAsync(default);
        Assert.NotEqual(first.AccessKeyId, second.AccessKeyId);
        Assert.Equal(2, server.Counters[LocalOssStsOptions.OperationName]);
        Assert.Contains(_logs.Lines, l => l.Contains("OSS refused temporary credentials " + first.AccessKeyId, StringComparison.Ordinal));
        _logs.AssertNoneContains(first.AccessKeySecret, first.SecurityToken!, second.SecurityToken!);
    }

    private sealed class FrozenTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    [Fact]
    public async Task A_run_longer_than_the_credentials_lifetime_never_fails_the_client_refreshes_ahead()
    {
        await using var server = await StartLocalOssAsync(credentialLifetime: TimeSpan.FromSeconds(6));
        await AdminClient(server).PutBucketAsync(new PutBucketRequest { Bucket = "long-run" });
        await using var services = Services(server, _issuer.WriteTokenFile(_issuer.Mint()));
        var client = services.GetRequiredService<IOssClient>();

        var until = DateTime.UtcNow.AddSeconds(14);
        var workers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            var n = 0;
            while (DateTime.UtcNow < until)
            {
                var key = $"w{w}/{n++}";
                await client.PutObjectAsync(new PutObjectRequest { Bucket = "long-run", Key = key, Body = new MemoryStream([1, 2, 3]) });
                await client.HeadObjectAsync(new HeadObjectRequest { Bucket = "long-run", Key = key });
            }

            return n;
        })).ToArray();
        var written = await Task.WhenAll(workers);

        Assert.All(written, n => Assert.True(n > 0));
        Assert.InRange(server.Counters[LocalOssStsOptions.OperationName], 3, 6);
    }

    [Fact]
    public async Task An_Azure_identity_token_source_gets_credentials_without_a_token_file()
    {
        await using var server = await StartLocalOssAsync();
        await AdminClient(server).PutBucketAsync(new PutBucketRequest { Bucket = "azure-id" });
        var credential = new MintingCredential(_issuer);
        await using var services = Services(server, tokenFile: null, (s, c) => s.AddOssAzureIdentity(c, credential));

        var location = await services.GetRequiredService<IOssClient>().GetBucketLocationAsync("azure-id");

        Assert.Equal("cn-hangzhou", location.Region);
        Assert.Equal(["api://AzureADTokenExchange/.default"], credential.Scopes);
        Assert.Equal(1, server.Counters[LocalOssStsOptions.OperationName]);
    }

    /// <summary>Stands in for ManagedIdentityCredential: an "Entra ID" token minted by the test issuer.</summary>
    private sealed class MintingCredential(TestIssuer issuer) : TokenCredential
    {
        public List<string> Scopes { get; } = [];

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            Scopes.AddRange(requestContext.Scopes);
            return new AccessToken(issuer.Mint(), DateTimeOffset.UtcNow.AddMinutes(10));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }
}
