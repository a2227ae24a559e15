using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OssCopy.Oss.Credentials;
using OssCopy.Oss.Tests.Support;

namespace OssCopy.Oss.Tests.Configuration;

public class CredentialsAndOptionsTests
{
    [Fact]
    public void Credentials_never_render_the_secret_or_the_token()
    {
        var credentials = new OssCredentials("LTAI5tId", "the-secret", "the-token");
        var text = credentials.ToString();
        Assert.Contains("LTAI5tId", text, StringComparison.Ordinal);
        Assert.DoesNotContain("the-secret", text, StringComparison.Ordinal);
        Assert.DoesNotContain("the-token", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_environment_provider_reads_the_official_variable_names()
    {
        var variables = new Dictionary<string, string?>
        {
            ["OSS_ACCESS_KEY_ID"] = "id",
            ["OSS_ACCESS_KEY_SECRET"] = "secret",
            ["OSS_SESSION_TOKEN"] = "token",
        };
        var credentials = await new EnvironmentCredentialsProvider(n => variables.GetValueOrDefault(n)).GetCredentialsAsync(default);
        Assert.Equal(("id", "secret", "token"), (credentials.AccessKeyId, credentials.AccessKeySecret, credentials.SecurityToken));

        variables["OSS_ACCESS_KEY_SECRET"] = null;
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            new EnvironmentCredentialsProvider(n => variables.GetValueOrDefault(n)).GetCredentialsAsync(default).AsTask());
        Assert.Contains("OSS_ACCESS_KEY_SECRET", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_configuration_provider_reads_app_settings_and_sees_reloads()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OSS_ACCESS_KEY_ID"] = "id",
            ["OSS_ACCESS_KEY_SECRET"] = "secret",
        }).Build();
        var provider = new ConfigurationCredentialsProvider(configuration);

        Assert.Null((await provider.GetCredentialsAsync(default)).SecurityToken);
        configuration["OSS_SESSION_TOKEN"] = "rotated";
        Assert.Equal("rotated", (await provider.GetCredentialsAsync(default)).SecurityToken);
    }

    [Fact]
    public async Task AddOssClient_builds_a_typed_client_whose_requests_are_signed_and_retried()
    {
        var handler = new RecordingHandler()
            .ThenRespond(System.Net.HttpStatusCode.ServiceUnavailable, "<Error><Code>SlowDown</Code><Message>m</Message><RequestId>r</RequestId></Error>")
            .ThenRespond(System.Net.HttpStatusCode.OK, "<LocationConstraint>oss-cn-hangzhou</LocationConstraint>");
        var configuration = Configuration(new()
        {
            ["Oss:Region"] = "cn-hangzhou",
            ["Oss:Endpoint"] = "http://127.0.0.1:9000",
            ["Oss:RetryBaseDelay"] = "00:00:00",
            ["OSS_ACCESS_KEY_ID"] = TestClients.AccessKeyId,
            ["OSS_ACCESS_KEY_SECRET"] = TestClients.AccessKeySecret,
        });
        var services = new ServiceCollection().AddLogging().AddSingleton(configuration);
        services.AddOssClient(configuration).ConfigurePrimaryHttpMessageHandler(() => handler);
        await using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<IOssClient>();
        var location = await client.GetBucketLocationAsync("bucket");

        Assert.Equal("cn-hangzhou", location.Region);
        Assert.Equal(2, handler.Requests.Count);
        Assert.All(handler.Requests, r => WireVerifier.AssertV4Signature(r, pathStyle: true));
    }

    [Theory]
    [InlineData("", "Region")]
    [InlineData("Cn_Hangzhou", "Region")]
    public void Invalid_options_fail_at_start_naming_the_field(string region, string field)
    {
        var configuration = Configuration(new() { ["Oss:Region"] = region });
        var services = new ServiceCollection().AddLogging().AddSingleton(configuration);
        services.AddOssClient(configuration);
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<OssClientOptions>>().Value);
        Assert.Contains(field, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_ToString_names_no_secret()
    {
        var options = new OssClientOptions { Region = "cn-hangzhou", AccessKeyId = "id", AccessKeySecret = "s3cr3t", SecurityToken = "t0k3n" };
        Assert.DoesNotContain("s3cr3t", options.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("t0k3n", options.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Create_validates_the_options_too() =>
        Assert.Equal("Endpoint", Assert.Throws<ArgumentException>(() =>
            OssClient.Create(new OssClientOptions { Region = "cn-hangzhou", Endpoint = "ftp://x" }, TestClients.Credentials())).ParamName);

    private static IConfigurationRoot Configuration(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();
}
