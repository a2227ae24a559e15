using System.Text.Json;
using LocalOss;
using OssCopy.Cli;
using OssCopy.Core.Backup;

namespace OssCopy.AzureStorage.Tests;

/// <summary><c>osscopy backup --distributed</c> end to end: LocalOss, Azurite, the CLI's own composition.</summary>
[Collection(AzuriteTests.Name)]
public sealed class DistributedCliTests(AzuriteFixture azurite, LocalOssServerFixture oss) : IClassFixture<LocalOssServerFixture>
{
    private async Task<(int Code, string Out, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var env = CliEnvironment.ForWriters(output, error);
        var app = new CliApp(new CliEnvironment
        {
            Out = env.Out, Error = env.Error, Console = env.Console, ProgressInterval = TimeSpan.FromMilliseconds(200),
            GetVariable = name => name switch
            {
                "OSS_ACCESS_KEY_ID" => LocalOssOptions.DefaultAccessKeyId,
                "OSS_ACCESS_KEY_SECRET" => LocalOssOptions.DefaultAccessKeySecret,
                "AzureWebJobsStorage" => azurite.ConnectionString,
                _ => null,
            },
        });
        var code = await app.RunAsync(args, CancellationToken.None);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Backup_distributed_copies_the_plan_through_the_queues_and_writes_the_same_report()
    {
        var source = await oss.NewBucketAsync("clisrc");
        var destination = await oss.NewBucketAsync("clidst");
        for (var i = 0; i < 60; i++)
        {
            await oss.PutAsync(source, $"docs/{i:D3}.txt", [(byte)i, 1, 2, 3]);
        }

        var folder = Directory.CreateTempSubdirectory("osscopy-dist-");
        try
        {
            var planPath = Path.Combine(folder.FullName, "plan.json");
            var name = "cli-" + Guid.NewGuid().ToString("N")[..6];
            await File.WriteAllTextAsync(planPath, JsonSerializer.Serialize(new
            {
                name, source = new { bucket = source, prefix = "docs/" }, destination = new { bucket = destination, prefix = "copy/" },
                oss = new { region = "cn-hangzhou", endpoint = oss.Server.BaseAddress.ToString(), usePathStyle = true },
            }));
            var reportPath = Path.Combine(folder.FullName, "report.json");

            var (code, output, error) = await RunAsync("backup", "--plan", planPath, "--distributed", "--workers", "3", "--report", reportPath);

            Assert.True(code == CliApp.Success, $"exit {code}\n{output}\n{error}");
            Assert.Contains("Started distributed run", output, StringComparison.Ordinal);
            await using var file = File.OpenRead(reportPath);
            var report = await ReportFile.ReadAsync(file);
            Assert.Equal((60L, 60L), (report.Totals.Listed, report.Totals.Copied));
            Assert.Equal(Enumerable.Range(0, 60).Select(i => $"docs/{i:D3}.txt"), report.Objects.Select(o => o.Key));
            Assert.All(report.Objects, o => Assert.Equal(ReportAction.Copied, o.Action));

            var (again, _, againError) = await RunAsync("backup", "--plan", planPath, "--distributed", "--storage", azurite.ConnectionString);
            Assert.True(again == CliApp.Success, againError);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Backup_distributed_dry_run_plans_without_copying_and_the_reports_count_the_requests()
    {
        var source = await oss.NewBucketAsync("clisrc");
        var destination = await oss.NewBucketAsync("clidst");
        for (var i = 0; i < 40; i++)
        {
            await oss.PutAsync(source, $"docs/{i:D3}.txt", [(byte)i, 1, 2]);
        }

        var folder = Directory.CreateTempSubdirectory("osscopy-dist-");
        try
        {
            var planPath = Path.Combine(folder.FullName, "plan.json");
            await File.WriteAllTextAsync(planPath, JsonSerializer.Serialize(new
            {
                name = "cli-dry-" + Guid.NewGuid().ToString("N")[..6], source = new { bucket = source, prefix = "docs/" }, destination = new { bucket = destination, prefix = "copy/" },
                oss = new { region = "cn-hangzhou", endpoint = oss.Server.BaseAddress.ToString(), usePathStyle = true },
            }));
            var reportPath = Path.Combine(folder.FullName, "report.json");
            oss.Server.Counters.Reset();

            var (code, output, error) = await RunAsync("backup", "--plan", planPath, "--distributed", "--dry-run", "--key-ranges", "3", "--report", reportPath);

            Assert.True(code == CliApp.Success, $"exit {code}\n{output}\n{error}");
            Assert.Equal(0, oss.Server.Counters["CopyObject"]);
            (ReportTotals Totals, List<ReportEntry> Objects, JsonElement Root) dry;
            await using (var file = File.OpenRead(reportPath))
            {
                dry = await ReportFile.ReadAsync(file);
            }

            Assert.True(dry.Root.GetProperty("dryRun").GetBoolean());
            Assert.Equal((40L, 40L, 0L), (dry.Totals.Listed, dry.Totals.WouldCopy, dry.Totals.Copied));
            Assert.All(dry.Objects, o => Assert.Equal(ReportAction.WouldCopy, o.Action));
            var dryRequests = dry.Root.GetProperty("requests");
            Assert.True(dryRequests.GetProperty("ListObjectsV2").GetInt64() >= 3, dryRequests.ToString());
            Assert.False(dryRequests.TryGetProperty("CopyObject", out _), dryRequests.ToString());

            // The real run after it: nothing was withdrawn or copied by the dry run; the report counts the copies.
            var (real, realOutput, realError) = await RunAsync("backup", "--plan", planPath, "--distributed", "--key-ranges", "3", "--report", reportPath);
            Assert.True(real == CliApp.Success, $"exit {real}\n{realOutput}\n{realError}");
            await using var again = File.OpenRead(reportPath);
            var copied = await ReportFile.ReadAsync(again);
            Assert.Equal(40L, copied.Totals.Copied);
            Assert.Equal(40, copied.Root.GetProperty("requests").GetProperty("CopyObject").GetInt64());
            Assert.Equal(40, oss.Server.Counters["CopyObject"]);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Backup_distributed_without_a_storage_connection_is_bad_usage_before_any_request()
    {
        var (code, _, error) = await RunWithoutStorageAsync();
        Assert.Equal(CliApp.BadUsage, code);
        Assert.Contains("--storage", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Backup_distributed_against_storage_that_cannot_be_reached_exits_1_with_a_message_not_a_stack_trace()
    {
        // Azurite's well-known account on a port nothing listens on.
        const string unreachable = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
            "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
            "BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;QueueEndpoint=http://127.0.0.1:9/devstoreaccount1;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;";
        var planPath = Path.Combine(Path.GetTempPath(), $"plan-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(planPath, $$$"""{"name":"p","source":{"bucket":"src-bucket"},"destination":{"bucket":"dst-bucket"},"oss":{"region":"cn-hangzhou","endpoint":"{{{oss.Server.BaseAddress}}}","usePathStyle":true}}""");
        try
        {
            var (code, _, error) = await RunAsync("backup", "--plan", planPath, "--distributed", "--storage", unreachable);

            Assert.Equal(1, code);
            Assert.StartsWith("osscopy: ", error, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
            Assert.DoesNotContain("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq", error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(planPath);
        }
    }

    private static async Task<(int Code, string Out, string Error)> RunWithoutStorageAsync()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var env = CliEnvironment.ForWriters(output, error);
        var planPath = Path.Combine(Path.GetTempPath(), $"plan-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(planPath, """{"name":"p","source":{"bucket":"src-bucket"},"destination":{"bucket":"dst-bucket"},"oss":{"region":"cn-hangzhou"}}""");
        try
        {
            var app = new CliApp(new CliEnvironment
            {
                Out = env.Out, Error = env.Error, Console = env.Console,
                GetVariable = name => name is "OSS_ACCESS_KEY_ID" or "OSS_ACCESS_KEY_SECRET" ? "x" : null,
            });
            var code = await app.RunAsync(["backup", "--plan", planPath, "--distributed"], CancellationToken.None);
            return (code, output.ToString(), error.ToString());
        }
        finally
        {
            File.Delete(planPath);
        }
    }
}
