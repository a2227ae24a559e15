using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OssCopy.Functions.Backups;
using OssCopy.Functions.Tests.Support;

namespace OssCopy.Functions.Tests;

/// <summary>The configured plans are loaded and checked at start; a bad one stops the app naming its setting.</summary>
public sealed class BackupStartupTests
{
    private const string GoodPlan = """{"source":{"bucket":"src-bucket","prefix":"a/"},"destination":{"bucket":"dst-bucket","prefix":"b/"}}""";

    private static Dictionary<string, string?> Valid() => new()
    {
        ["Oss:Region"] = "cn-hangzhou",
        ["Oss:Endpoint"] = "http://127.0.0.1:9",
        ["Oss:UsePathStyle"] = "true",
        ["OssCopy:Backups:Plans:nightly:Json"] = GoodPlan,
        ["OssCopy:Backups:Plans:nightly:Schedule"] = "0 0 2 * * *",
        ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
    };

    private static string StartupFailure(Dictionary<string, string?> settings)
    {
        using var host = FunctionsAppFixture.BuildHost(settings);
        var exception = Assert.ThrowsAny<Exception>(() => host.Services.GetRequiredService<IStartupValidator>().Validate());
        return exception.Message + string.Join(" ", (exception as AggregateException)?.InnerExceptions.Select(e => e.Message) ?? []);
    }

    [Fact]
    public void Plans_from_inline_JSON_and_from_a_file_load_at_start_with_their_names_and_crons()
    {
        var file = Path.Combine(Path.GetTempPath(), $"osscopy-plan-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, """{"name":"weekly","source":{"bucket":"src-bucket"},"destination":{"bucket":"dst-bucket","prefix":"weekly/"},"options":{"verification":"Full"}}""");
        try
        {
            var settings = Valid();
            settings["OssCopy:Backups:Plans:weekly:File"] = file;
            using var host = FunctionsAppFixture.BuildHost(settings);

            host.Services.GetRequiredService<IStartupValidator>().Validate();
            var catalog = host.Services.GetRequiredService<BackupPlanCatalog>();
            Assert.Equal(["nightly", "weekly"], catalog.Plans.Select(p => p.Name));
            Assert.Equal("nightly", catalog.Find("nightly")!.Plan.Name);
            Assert.Equal("0 0 2 * * *", catalog.Find("nightly")!.ScheduleExpression);
            Assert.Null(catalog.Find("weekly")!.Schedule);
            Assert.Equal(Core.Copying.CopyVerification.Full, catalog.Find("weekly")!.Plan.Options.Verification);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void The_sample_settings_plan_loads_with_its_cron()
    {
        using var sample = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(Repository.Root, "local.settings.sample.json")));
        var settings = sample.RootElement.GetProperty("Values").EnumerateObject()
            .Where(p => p.Name.StartsWith("Oss:", StringComparison.Ordinal) || p.Name.StartsWith("OssCopy:", StringComparison.Ordinal) || p.Name == "AzureWebJobsStorage")
            .ToDictionary(p => p.Name, p => p.Value.GetString());
        using var host = FunctionsAppFixture.BuildHost(settings);

        host.Services.GetRequiredService<IStartupValidator>().Validate();
        var demo = Assert.Single(host.Services.GetRequiredService<BackupPlanCatalog>().Plans);
        Assert.Equal("demo", demo.Name);
        Assert.NotNull(demo.Schedule);
        Assert.NotNull(ConfiguredPlan.ParseSchedule(sample.RootElement.GetProperty("Values").GetProperty("BackupSchedule").GetString()!));
    }

    [Fact]
    public void A_plan_with_an_invalid_bucket_stops_the_app_naming_its_setting_and_field()
    {
        var settings = Valid();
        settings["OssCopy:Backups:Plans:nightly:Json"] = """{"source":{"bucket":"Bad_Bucket"},"destination":{"bucket":"dst-bucket"}}""";

        var message = StartupFailure(settings);

        Assert.Contains("OssCopy:Backups:Plans:nightly:Json", message, StringComparison.Ordinal);
        Assert.Contains("source.bucket", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_plan_that_is_not_JSON_or_has_unknown_fields_stops_the_app_naming_its_setting()
    {
        var settings = Valid();
        settings["OssCopy:Backups:Plans:nightly:Json"] = "{not json";
        settings["OssCopy:Backups:Plans:typo:Json"] = """{"source":{"bucket":"src-bucket"},"destination":{"bucket":"dst-bucket"},"sourcce":1}""";

        var message = StartupFailure(settings);

        Assert.Contains("OssCopy:Backups:Plans:nightly:Json", message, StringComparison.Ordinal);
        Assert.Contains("OssCopy:Backups:Plans:typo:Json", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_plan_file_stops_the_app_naming_its_setting()
    {
        var settings = Valid();
        settings["OssCopy:Backups:Plans:gone:File"] = "plans/no-such-plan.json";

        Assert.Contains("OssCopy:Backups:Plans:gone:File", StartupFailure(settings), StringComparison.Ordinal);
    }

    [Fact]
    public void A_plan_with_both_or_neither_source_stops_the_app_naming_it()
    {
        var settings = Valid();
        settings["OssCopy:Backups:Plans:nightly:File"] = "plan.json";
        settings["OssCopy:Backups:Plans:empty:Schedule"] = "0 0 3 * * *";

        var message = StartupFailure(settings);

        Assert.Contains("OssCopy:Backups:Plans:nightly must set exactly one of", message, StringComparison.Ordinal);
        Assert.Contains("OssCopy:Backups:Plans:empty must set exactly one of", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0 2 * * *")]
    [InlineData("every night")]
    [InlineData("0 0 25 * * *")]
    public void A_schedule_that_is_not_a_6_field_cron_stops_the_app_naming_it(string schedule)
    {
        var settings = Valid();
        settings["OssCopy:Backups:Plans:nightly:Schedule"] = schedule;

        Assert.Contains("OssCopy:Backups:Plans:nightly:Schedule", StartupFailure(settings), StringComparison.Ordinal);
    }

    [Fact]
    public void A_plan_named_otherwise_than_its_setting_is_refused()
    {
        var settings = Valid();
        settings["OssCopy:Backups:Plans:nightly:Json"] = """{"name":"daily","source":{"bucket":"src-bucket"},"destination":{"bucket":"dst-bucket"}}""";

        var message = StartupFailure(settings);

        Assert.Contains("OssCopy:Backups:Plans:nightly:Json", message, StringComparison.Ordinal);
        Assert.Contains("'daily'", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Storage_options_naming_other_queues_than_the_triggers_read_stop_the_app()
    {
        var settings = Valid();
        settings["OssCopy:AzureStorage:CopyQueue"] = "my-copies";

        Assert.Contains("OssCopy:AzureStorage:CopyQueue", StartupFailure(settings), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0 0 2 * * *", "2026-12-04T01:55:00Z", "2026-12-04T02:00:00Z", true)]
    [InlineData("0 0 2 * * *", "2026-12-04T02:00:00Z", "2026-12-04T02:05:00Z", false)]
    [InlineData("0 0 2 * * *", "2026-12-04T01:55:00Z", "2026-12-04T01:59:59Z", false)]
    [InlineData("0 0 2 * * *", "2026-12-01T03:00:00Z", "2026-12-04T01:00:00Z", true)]
    [InlineData("30 */5 * * * *", "2026-12-04T10:00:31Z", "2026-12-04T10:05:29Z", false)]
    [InlineData("30 */5 * * * *", "2026-12-04T10:00:31Z", "2026-12-04T10:05:30Z", true)]
    [InlineData(null, "2026-12-04T10:00:00Z", "2026-12-04T10:00:01Z", true)]
    public void A_plan_is_due_when_its_cron_has_an_occurrence_after_since_up_to_now(string? cron, string since, string now, bool due)
    {
        var plan = new ConfiguredPlan(new Core.Backup.BackupPlan { Name = "p" }, cron is null ? null : ConfiguredPlan.ParseSchedule(cron), cron, "OssCopy:Backups:Plans:p");

        Assert.Equal(due, plan.IsDue(DateTimeOffset.Parse(since, System.Globalization.CultureInfo.InvariantCulture),
            DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture)));
    }
}
