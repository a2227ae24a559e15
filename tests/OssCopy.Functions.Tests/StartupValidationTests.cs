using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OssCopy.Functions.Configuration;
using OssCopy.Functions.Tests.Support;
using OssCopy.Oss;

namespace OssCopy.Functions.Tests;

/// <summary>Every setting the app reads is validated at start, and the message names the setting to fix.</summary>
public sealed class StartupValidationTests
{
    private static Dictionary<string, string?> Valid() => new()
    {
        ["Oss:Region"] = "cn-hangzhou",
        ["Oss:Endpoint"] = "http://127.0.0.1:9",
        ["Oss:UsePathStyle"] = "true",
        ["Events:Routes:0:SourceBucket"] = "src-bucket",
        ["Events:Routes:0:DestinationBucket"] = "dst-bucket",
        ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
    };

    private static string StartupFailure(Dictionary<string, string?> settings)
    {
        using var host = FunctionsAppFixture.BuildHost(settings);
        var exception = Assert.ThrowsAny<Exception>(() => host.Services.GetRequiredService<IStartupValidator>().Validate());
        return exception.Message + string.Join(" ", (exception as AggregateException)?.InnerExceptions.Select(e => e.Message) ?? []);
    }

    [Fact]
    public void Valid_settings_pass_the_start_up_validation()
    {
        using var host = FunctionsAppFixture.BuildHost(Valid());

        host.Services.GetRequiredService<IStartupValidator>().Validate();
        Assert.Single(host.Services.GetRequiredService<IOptions<EventOptions>>().Value.Routes);
    }

    [Fact]
    public void A_missing_region_names_Oss_Region()
    {
        var settings = Valid();
        settings.Remove("Oss:Region");

        Assert.Contains("Oss:Region", StartupFailure(settings), StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_storage_connection_names_AzureWebJobsStorage()
    {
        var settings = Valid();
        settings.Remove("AzureWebJobsStorage");

        Assert.Contains("'AzureWebJobsStorage'", StartupFailure(settings), StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_storage_connection_string_names_the_setting_and_never_quotes_it()
    {
        var settings = Valid();
        settings["AzureWebJobsStorage"] = "AccountName=x;AccountKey=c2VjcmV0LWtleS1tdXN0LW5vdC1wcmludA==;NotAKey";

        var message = StartupFailure(settings);

        Assert.Contains("'AzureWebJobsStorage'", message, StringComparison.Ordinal);
        Assert.DoesNotContain("c2VjcmV0LWtleS1tdXN0LW5vdC1wcmludA", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Routes_that_feed_each_other_are_refused_naming_both_routes()
    {
        var settings = Valid();
        settings["Events:Routes:0:DestinationBucket"] = "mid-bucket";
        settings["Events:Routes:0:DestinationPrefix"] = "from-src/";
        settings["Events:Routes:1:SourceBucket"] = "mid-bucket";
        settings["Events:Routes:1:SourcePrefix"] = "from";
        settings["Events:Routes:1:DestinationBucket"] = "src-bucket";
        settings["Events:Routes:1:DestinationPrefix"] = "back/";

        var message = StartupFailure(settings);

        Assert.Contains("Events:Routes:0", message, StringComparison.Ordinal);
        Assert.Contains("Events:Routes:1", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_route_that_writes_under_its_own_source_is_refused()
    {
        var settings = Valid();
        settings["Events:Routes:0:DestinationBucket"] = "src-bucket";
        settings["Events:Routes:0:DestinationPrefix"] = "backup/";

        Assert.Contains("Events:Routes:0 (oss://src-bucket/* -> oss://src-bucket/backup/*) writes where it reads", StartupFailure(settings), StringComparison.Ordinal);
    }

    [Fact]
    public void Routes_into_separate_prefixes_of_one_bucket_are_accepted()
    {
        var settings = Valid();
        settings["Events:Routes:0:SourcePrefix"] = "incoming/";
        settings["Events:Routes:0:DestinationBucket"] = "src-bucket";
        settings["Events:Routes:0:DestinationPrefix"] = "archive/";
        using var host = FunctionsAppFixture.BuildHost(settings);

        host.Services.GetRequiredService<IStartupValidator>().Validate();
    }

    [Theory]
    [InlineData("Events:Routes:0:SourceBucket", "Bad_Bucket", "Events:Routes:0:SourceBucket")]
    [InlineData("Events:Routes:0:Tagging", "a=1&&", "Events:Routes:0:Tagging")]
    [InlineData("Events:Routes:0:StorageClass", "Gold", "Events:Routes:0:StorageClass")]
    [InlineData("Events:EventBridge:SharedSecret", "short", "Events:EventBridge:SharedSecret")]
    [InlineData("Events:EventBridge:SecretHeader", "bad header", "Events:EventBridge:SecretHeader")]
    [InlineData("Events:Mns:AllowedCertificateHosts:0", "https://mns.example.com/", "Events:Mns:AllowedCertificateHosts:0")]
    [InlineData("Events:Mns:MaxClockSkew", "02:00:00", "Events:Mns:MaxClockSkew")]
    [InlineData("Events:MaxBodyBytes", "10", "Events:MaxBodyBytes")]
    [InlineData("Webhook:MaxBodyBytes", "10", "Webhook:MaxBodyBytes")]
    [InlineData("Oss:Endpoint", "http://user:pw@127.0.0.1:9", "Oss:Endpoint")]
    public void A_bad_setting_is_refused_at_start_naming_it(string setting, string value, string named)
    {
        var settings = Valid();
        settings[setting] = value;

        Assert.Contains(named, StartupFailure(settings), StringComparison.Ordinal);
    }

    [Fact]
    public void A_refused_shared_secret_is_not_repeated_in_the_message()
    {
        var settings = Valid();
        settings["Events:EventBridge:SharedSecret"] = "tiny-secret";

        Assert.DoesNotContain("tiny-secret", StartupFailure(settings), StringComparison.Ordinal);
    }

    [Fact]
    public void The_client_options_are_those_of_the_app_settings()
    {
        using var host = FunctionsAppFixture.BuildHost(Valid());

        var options = host.Services.GetRequiredService<IOptions<OssClientOptions>>().Value;
        Assert.Equal("cn-hangzhou", options.Region);
        Assert.True(options.UsePathStyle);
    }
}
