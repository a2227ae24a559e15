using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OssCopy.Oss.Credentials;

namespace OssCopy.Oss.Tests.TemporaryCredentials;

/// <summary>The chain reads configuration (environment variables reach it through the host's configuration), never the process environment.</summary>
public class CredentialsChainTests
{
    private const string Role = "acs:ram::1234567890:role/osscopy";
    private const string Provider = "acs:ram::1234567890:oidc-provider/entra";

    private static ServiceProvider Build(Dictionary<string, string?> values, bool withTokenSource = false)
    {
        values.TryAdd("Oss:Region", "cn-hangzhou");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration);
        services.AddOssClient(configuration);
        if (withTokenSource)
        {
            services.AddSingleton<IOidcTokenSource>(new FixedTokenSource("t"));
        }

        return services.BuildServiceProvider();
    }

    private static OssCredentialsMode SourceOf(Dictionary<string, string?> values, bool withTokenSource = false)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var options = new OssCredentialsOptions();
        configuration.GetSection(OssCredentialsOptions.SectionName).Bind(options);
        options.ApplyEnvironment(configuration);
        var resolution = OssCredentialsResolution.Resolve(options, configuration, withTokenSource);
        Assert.Empty(resolution.Problems);
        return resolution.Source;
    }

    private static Dictionary<string, string?> OidcVariables() => new()
    {
        ["ALIBABA_CLOUD_ROLE_ARN"] = Role,
        ["ALIBABA_CLOUD_OIDC_PROVIDER_ARN"] = Provider,
        ["ALIBABA_CLOUD_OIDC_TOKEN_FILE"] = "/var/run/token",
    };

    [Fact]
    public async Task Static_settings_come_first_then_OSS_variables_then_ALIBABA_CLOUD_variables()
    {
        var all = new Dictionary<string, string?>
        {
            ["Oss:AccessKeyId"] = "settings-id", ["Oss:AccessKeySecret"] = "s1",
            ["OSS_ACCESS_KEY_ID"] = "oss-id", ["OSS_ACCESS_KEY_SECRET"] = "s2",
            ["ALIBABA_CLOUD_ACCESS_KEY_ID"] = "ali-id", ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] = "s3", ["ALIBABA_CLOUD_SECURITY_TOKEN"] = "ali-token",
        };
        foreach (var (remove, expected) in new[] { ((string[])[], "settings-id"), (["Oss:AccessKeyId", "Oss:AccessKeySecret"], "oss-id"), (["Oss:AccessKeyId", "Oss:AccessKeySecret", "OSS_ACCESS_KEY_ID", "OSS_ACCESS_KEY_SECRET"], "ali-id") })
        {
            var values = new Dictionary<string, string?>(all);
            foreach (var name in remove)
            {
                values.Remove(name);
            }

            await using var services = Build(values);
            var credentials = await services.GetRequiredService<IOssCredentialsProvider>().GetCredentialsAsync(default);
            Assert.Equal(expected, credentials.AccessKeyId);
            Assert.Equal(expected == "ali-id" ? "ali-token" : null, credentials.SecurityToken);
        }
    }

    [Fact]
    public async Task An_OSS_key_id_never_pairs_with_an_ALIBABA_CLOUD_secret()
    {
        await using var services = Build(new() { ["OSS_ACCESS_KEY_ID"] = "oss-id", ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] = "s3" });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            services.GetRequiredService<IOssCredentialsProvider>().GetCredentialsAsync(default).AsTask());

        Assert.Contains("OSS_ACCESS_KEY_SECRET", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Access_keys_win_over_OIDC_variables_and_the_three_OIDC_variables_select_the_token_file()
    {
        var values = OidcVariables();
        Assert.Equal(OssCredentialsMode.OidcTokenFile, SourceOf(values));
        values["OSS_ACCESS_KEY_ID"] = "id";
        values["OSS_ACCESS_KEY_SECRET"] = "secret";
        Assert.Equal(OssCredentialsMode.Static, SourceOf(values));
    }

    [Fact]
    public void A_role_without_a_token_file_uses_the_registered_token_source_and_a_token_file_wins_over_it()
    {
        var values = OidcVariables();
        values.Remove("ALIBABA_CLOUD_OIDC_TOKEN_FILE");
        Assert.Equal(OssCredentialsMode.AzureIdentity, SourceOf(values, withTokenSource: true));
        Assert.Equal(OssCredentialsMode.OidcTokenFile, SourceOf(OidcVariables(), withTokenSource: true));
    }

    [Fact]
    public void Settings_in_the_Oss_Credentials_section_override_the_environment_names()
    {
        var values = OidcVariables();
        values["Oss:Credentials:RoleArn"] = "acs:ram::1:role/other";
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var options = new OssCredentialsOptions();
        configuration.GetSection(OssCredentialsOptions.SectionName).Bind(options);
        options.ApplyEnvironment(configuration);
        Assert.Equal(("acs:ram::1:role/other", Provider), (options.RoleArn, options.OidcProviderArn));
    }

    [Theory]
    [InlineData("ALIBABA_CLOUD_ROLE_ARN")]
    [InlineData("ALIBABA_CLOUD_OIDC_PROVIDER_ARN")]
    [InlineData("ALIBABA_CLOUD_OIDC_TOKEN_FILE")]
    public async Task A_partial_OIDC_set_fails_at_start_naming_what_is_missing(string missing)
    {
        var values = OidcVariables();
        values.Remove(missing);
        await using var services = Build(values);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(services));

        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
        foreach (var present in OidcVariables().Keys.Where(k => k != missing))
        {
            Assert.DoesNotContain(present, error.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("Static", "OSS_ACCESS_KEY_ID")]
    [InlineData("AzureIdentity", "AddOssAzureIdentity")]
    [InlineData("OidcTokenFile", "ALIBABA_CLOUD_OIDC_TOKEN_FILE")]
    public async Task An_explicit_mode_without_its_settings_fails_at_start_naming_them(string mode, string named)
    {
        await using var services = Build(new() { ["Oss:Credentials:Mode"] = mode });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(services));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_plain_http_STS_endpoint_that_is_not_loopback_fails_at_start_naming_the_setting()
    {
        await using var services = Build(new() { ["Oss:Sts:Endpoint"] = "http://sts.example.com" });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(services));

        Assert.Contains("Oss:Sts:Endpoint", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_token_file_mode_builds_an_OIDC_role_provider_that_reads_the_file_at_each_exchange()
    {
        await using var services = Build(OidcVariables());
        await StartAsync(services);
        Assert.IsType<OidcRoleCredentialsProvider>(services.GetRequiredService<IOssCredentialsProvider>());
    }

    [Fact]
    public async Task The_token_file_source_reads_rotated_tokens_and_names_a_missing_file_without_content()
    {
        var path = Path.Combine(Path.GetTempPath(), "osscopy-token-" + Guid.NewGuid().ToString("N"));
        var source = new OidcTokenFileSource(path);
        var missing = await Assert.ThrowsAsync<InvalidOperationException>(() => source.GetTokenAsync(default).AsTask());
        Assert.Contains(path, missing.Message, StringComparison.Ordinal);

        await File.WriteAllTextAsync(path, "first\n");
        Assert.Equal("first", await source.GetTokenAsync(default));
        await File.WriteAllTextAsync(path, "second");
        Assert.Equal("second", await source.GetTokenAsync(default));
        File.Delete(path);
    }

    private static Task StartAsync(ServiceProvider services)
    {
        // What the host does at start: run the ValidateOnStart validations.
        services.GetRequiredService<IStartupValidator>().Validate();
        return Task.CompletedTask;
    }
}
